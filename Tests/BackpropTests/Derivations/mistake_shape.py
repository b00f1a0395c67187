# Shapes that do not fit: A1 where X (= A0) is meant, W2 where W2.T is meant.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                           # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                          # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)         # expect: correct
dA1 = np.dot(W2, dZ2)                                  # expect: transpose missing on W2: np.dot(W2, dZ2) has shapes (1, 4) and (1, 7), which fit only as np.dot(W2.T, dZ2)
dZ1 = dA1 * (1 - A1 ** 2)                              # expect: correct
dW1 = 1/m * np.dot(dZ1, A1.T)                          # expect: shape mismatch: got (4, 4), expected (4, 2)
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True) + b1.T  # expect: shape mismatch: got (4, 4), expected (4, 1)
tmp = dZ3 * 2                                          # expect: error: undefined name 'dZ3'
