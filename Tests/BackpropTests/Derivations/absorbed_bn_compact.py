# Batch norm, compact form, 1/m absorbed: the same three-term formula as under 'deferred' (it is
# linear in dZ̃, which now carries the loss's 1/m); dγ and dβ take no 1/m of their own.
# layers: 2,4,1  hidden: sigmoid  output: sigmoid  batchnorm: yes
# convention: absorbed
dZ2 = (A2 - Y) / m                                                  # expect: correct
dW2 = np.dot(dZ2, A1.T)                                             # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)                            # expect: correct
dA1 = np.dot(W2.T, dZ2)                                             # expect: correct
dZtilde1 = dA1 * A1 * (1 - A1)                                      # expect: correct
dgamma1 = np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True)           # expect: correct
dbeta1 = np.sum(dZtilde1, axis=1, keepdims=True)                    # expect: correct
std_inv1 = 1 / np.sqrt(var1 + eps)                                  # expect: not checked
dZ1 = gamma1 * std_inv1 * (dZtilde1 - np.mean(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.mean(dZtilde1 * Zhat1, axis=1, keepdims=True))   # expect: correct
dW1 = np.dot(dZ1, X.T)                                              # expect: correct
