# Two batch-normalized hidden layers and a softmax output; the chain repeats per layer.
# layers: 3,5,4,3  hidden: relu  output: softmax  batchnorm: yes
# convention: deferred
dZ3 = A3 - Y                                                        # expect: correct
dW3 = 1/m * np.dot(dZ3, A2.T)                                       # expect: correct
db3 = 1/m * np.sum(dZ3, axis=1, keepdims=True)                      # expect: correct
dZtilde2 = np.dot(W3.T, dZ3) * (Ztilde2 > 0)                        # expect: correct
dgamma2 = 1/m * np.sum(dZtilde2 * Zhat2, axis=1, keepdims=True)     # expect: correct
dbeta2 = 1/m * np.sum(dZtilde2, axis=1, keepdims=True)              # expect: correct
dZhat2 = gamma2 * dZtilde2                                          # expect: correct
dvar2 = np.sum(dZhat2 * (Z2 - mu2), axis=1, keepdims=True) * -0.5 * (var2 + eps) ** -1.5   # expect: correct
dmu2 = -np.sum(dZhat2, axis=1, keepdims=True) / np.sqrt(var2 + eps) # expect: correct
dZ2 = dZhat2 / np.sqrt(var2 + eps) + dvar2 * 2 * (Z2 - mu2) / m + dmu2 / m   # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                                       # expect: correct
dA1 = np.dot(W2.T, dZ2)                                             # expect: correct
dZtilde1 = dA1 * (Ztilde1 > 0)                                      # expect: correct
dgamma1 = 1/m * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True)     # expect: correct
dbeta1 = 1/m * np.sum(dZtilde1, axis=1, keepdims=True)              # expect: correct
dZ1 = gamma1 / (m * np.sqrt(var1 + eps)) * (m * dZtilde1 - np.sum(dZtilde1, axis=1, keepdims=True)
      - Zhat1 * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True))    # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                                        # expect: correct
