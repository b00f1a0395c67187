# 1/m applied twice in batch norm (mxnet#1053, "divided by m 2 time"): under 'absorbed' dZ̃ already
# carries the loss's 1/m, and batch norm's own 1/m belongs in dZ once; dγ, dβ take none of their own.
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: absorbed
dZ2 = (A2 - Y) / m                                                  # expect: correct
dW2 = np.dot(dZ2, A1.T)                                             # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)                            # expect: correct
dZtilde1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)                        # expect: correct
dgamma1 = 1/m * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True)     # expect: 1/m applied twice (first applied on line 5)
dbeta1 = np.mean(dZtilde1, axis=1, keepdims=True)                   # expect: 1/m applied twice (first applied on line 5)
# The three-term form with 1/m in front and means inside: one 1/m too many.
dZ1 = gamma1 / (m * np.sqrt(var1 + eps)) * (dZtilde1 - np.mean(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.mean(dZtilde1 * Zhat1, axis=1, keepdims=True))   # expect: 1/m applied twice (first applied on line 5) — batch norm's own 1/m
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dvar1 = np.sum(dZhat1 * (Z1 - mu1), axis=1, keepdims=True) * -0.5 * (var1 + eps) ** -1.5   # expect: correct
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / np.sqrt(var1 + eps) # expect: correct
# The chain with 1/m on the dσ² and dμ terms twice.
dZ1 = gamma1 * dZtilde1 / np.sqrt(var1 + eps) + (dvar1 * 2 * (Z1 - mu1) / m + dmu1 / m) / m   # expect: 1/m applied twice there
dW1 = np.dot(dZ1, X.T)                                              # expect: correct
