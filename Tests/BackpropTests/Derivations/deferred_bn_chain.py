# Batch norm after the hidden layer (C2W3), backward step by step through dσ² and dμ.
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
# Forward (predefined): Z1 = W1 X (no b1), mu1, var1 (biased), Zhat1 = (Z1 - mu1) / sqrt(var1 + eps),
# Ztilde1 = gamma1 * Zhat1 + beta1, A1 = tanh(Ztilde1), Z2 = W2 A1 + b2, A2 = sigmoid(Z2).
dZ2 = A2 - Y                                                        # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                                       # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)                      # expect: correct
dA1 = np.dot(W2.T, dZ2)                                             # expect: correct
dZtilde1 = dA1 * (1 - A1 ** 2)                                      # expect: correct
dgamma1 = 1/m * np.sum(dZtilde1 * Zhat1, axis=1, keepdims=True)     # expect: correct
dbeta1 = 1/m * np.sum(dZtilde1, axis=1, keepdims=True)              # expect: correct
dZhat1 = gamma1 * dZtilde1                                          # expect: correct
dvar1 = np.sum(dZhat1 * (Z1 - mu1), axis=1, keepdims=True) * -0.5 * (var1 + eps) ** -1.5   # expect: correct
dmu1 = -np.sum(dZhat1, axis=1, keepdims=True) / np.sqrt(var1 + eps) \
       + dvar1 * np.mean(-2 * (Z1 - mu1), axis=1, keepdims=True)    # expect: correct
dZ1 = dZhat1 / np.sqrt(var1 + eps) + dvar1 * 2 * (Z1 - mu1) / m + dmu1 / m   # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                                        # expect: correct
dX = np.dot(W1.T, dZ1)                                              # expect: not checked
dA0 = np.dot(W1.T, dZ1)                                             # expect: correct
