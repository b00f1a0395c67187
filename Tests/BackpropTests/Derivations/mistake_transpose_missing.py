# Products whose operands fit only transposed: wrong lines, named as such, not unevaluated ones.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                           # expect: correct
dW2 = 1/m * np.dot(dZ2, A1)                            # expect: transpose missing on A1: np.dot(dZ2, A1) has shapes (1, 7) and (4, 7), which fit only as np.dot(dZ2, A1.T)
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)         # expect: correct
dA1 = W2 @ dZ2                                         # expect: transpose missing on W2: W2 @ dZ2 has shapes (1, 4) and (1, 7), which fit only as W2.T @ dZ2
dZ1 = dA1 * (1 - np.power(A1, 2))                      # expect: correct
dW1 = 1/m * np.dot(dZ1.T, X.T)                         # expect: transpose not wanted on dZ1.T: np.dot(dZ1.T, X.T) has shapes (7, 4) and (7, 2), which fit only as np.dot(dZ1, X.T)
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)         # expect: correct
