# Batch norm as a course notebook writes it: the forward pass recomputed with the course's names
# (Z_norm, Z_tilde), a cache's worth of temporaries unpacked in one line, then the backward pass.
# (A cache tuple itself cannot be unpacked: the checker has no tuples; assign its parts instead.)
# layers: 2,4,1  hidden: tanh  output: sigmoid  batchnorm: yes
# convention: deferred
Z1 = np.dot(W1, X)                                                  # expect: correct
mu1 = np.mean(Z1, axis=1, keepdims=True)                            # expect: correct
var1 = np.var(Z1, axis=1, keepdims=True)                            # expect: correct
Z_norm1 = (Z1 - mu1) / np.sqrt(var1 + eps)                          # expect: correct
Z_tilde1 = gamma1 * Z_norm1 + beta1                                 # expect: correct
A1 = np.tanh(Z_tilde1)                                              # expect: correct
Z2 = np.dot(W2, A1) + b2                                            # expect: correct
A2 = 1 / (1 + np.exp(-Z2))                                          # expect: correct
Z_mu, std_inv = Z1 - mu1, 1. / np.sqrt(var1 + eps)                  # expect: not checked
m = X.shape[1]                                                      # expect: not checked
dZ2 = A2 - Y                                                        # expect: correct
dW2 = 1./m * np.dot(dZ2, A1.T)                                      # expect: correct
db2 = 1./m * np.sum(dZ2, axis=1, keepdims=True)                     # expect: correct
dA1 = np.dot(W2.T, dZ2)                                             # expect: correct
dZ_tilde1 = dA1 * (1 - np.power(A1, 2))                             # expect: correct
dgamma1 = 1./m * np.sum(dZ_tilde1 * Z_norm1, axis=1, keepdims=True) # expect: correct
dbeta1 = 1./m * np.sum(dZ_tilde1, axis=1, keepdims=True)            # expect: correct
dZ_norm1 = dZ_tilde1 * gamma1                                       # expect: correct
dsigma2_1 = np.sum(dZ_norm1 * Z_mu, axis=1, keepdims=True) * -.5 * std_inv ** 3   # expect: correct
dmu1 = np.sum(dZ_norm1 * -std_inv, axis=1, keepdims=True) + dsigma2_1 * np.mean(-2. * Z_mu, axis=1, keepdims=True)   # expect: correct
dZ1 = dZ_norm1 * std_inv + dsigma2_1 * 2 * Z_mu / m + dmu1 / m      # expect: correct
dW1 = 1./m * np.dot(dZ1, X.T)                                       # expect: correct
