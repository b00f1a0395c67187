# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                    # expect: correct
dW2 = 1/m * np.dot(A1, dZ2.T)                   # expect: transposed
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dZ1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)         # expect: correct
dW1 = 1/m * np.dot(X, dZ1.T)                    # expect: transposed
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
