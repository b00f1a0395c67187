# layers: 3,5,1  hidden: sigmoid  output: sigmoid
# convention: absorbed
dZ2 = (A2 - Y) / m                                             # expect: correct
dW2 = dZ2 @ A1.T                                               # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)                       # expect: correct
dA1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)                        # expect: activation derivative applied twice
dZ1 = dA1 * A1 * (1 - A1)                                      # expect: correct
dZ1 = (W2.T @ dZ2) * A1 * (1 - A1) * A1 * (1 - A1)             # expect: activation derivative applied twice
dW1 = dZ1 @ X.T                                                # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True)                       # expect: correct
