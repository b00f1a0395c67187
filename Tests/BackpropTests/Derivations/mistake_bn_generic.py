# Batch-norm lines with the generic mistakes: sign, transpose, shape, activation derivative, and
# the relative error when nothing recognisable fits.
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
dZ2 = A2 - Y                                                        # expect: correct
dA1 = np.dot(W2.T, dZ2)                                             # expect: correct
dZtilde1 = dA1                                                      # expect: activation derivative missing
dZtilde1 = dA1 * (1 - np.tanh(Z1) ** 2)                             # expect: activation derivative at Z1, before batch norm
dZtilde1 = dA1 * (1 - A1 ** 2)                                      # expect: correct
dbeta1 = -1/m * np.sum(dZtilde1, axis=1, keepdims=True)             # expect: sign flipped
dZhat1 = (gamma1 * dZtilde1).T                                      # expect: transposed
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dmu1 = -np.sum(dZhat1, axis=0, keepdims=True) / np.sqrt(var1 + eps) # expect: shape mismatch
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / (var1 + eps)        # expect: wrong: relative error
dZ1 = gamma1 / (m * np.sqrt(var1 + eps)) * (m * dZtilde1 - np.sum(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True))    # expect: correct
dW1 = 1/m * np.dot(X, dZ1.T)                                        # expect: transposed
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)                      # expect: not checked
dW1 = 1/m * np.dot(dZ1, X.T) + 0.01 * W1                            # expect: wrong: relative error
A1 = np.tanh(Z1)                                                    # expect: batch norm skipped
