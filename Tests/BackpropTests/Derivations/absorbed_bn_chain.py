# Batch norm step by step with 1/m absorbed into dZ2 (PyTorch's mean): dZ̃ carries the loss's 1/m,
# and dZ1 still has batch norm's own 1/m (dσ² · 2(Z − μ)/m, dμ/m) besides.
# layers: 3,5,1  hidden: relu  output: sigmoid  batchnorm: yes
# convention: absorbed
dZ2 = (A2 - Y) / m                                                  # expect: correct
dW2 = np.dot(dZ2, A1.T)                                             # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)                            # expect: correct
dA1 = W2.T @ dZ2                                                    # expect: correct
dZtilde1 = dA1 * (Ztilde1 > 0)                                      # expect: correct
dgamma1 = np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True)           # expect: correct
dbeta1 = np.sum(dZtilde1, axis=1, keepdims=True)                    # expect: correct
dZhat1 = dZtilde1 * gamma1                                          # expect: correct
dvar1 = -0.5 * np.sum(dZhat1 * (Z1 - mu1), axis=1, keepdims=True) / (var1 + eps) ** 1.5    # expect: correct
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / np.sqrt(var1 + eps) # expect: correct
dZ1 = dZhat1 / np.sqrt(var1 + eps) + dvar1 * 2 * (Z1 - mu1) / m + dmu1 / m   # expect: correct
dW1 = dZ1 @ X.T                                                     # expect: correct
