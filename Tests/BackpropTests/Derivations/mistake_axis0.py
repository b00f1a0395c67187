# db summed over the units (axis=0) instead of the examples (axis=1).
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                     # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                    # expect: correct
db2 = 1/m * np.sum(dZ2, axis=0, keepdims=True)   # expect: summed over the wrong axis
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))  # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                     # expect: correct
db1 = 1/m * np.sum(dZ1, axis=0, keepdims=True)   # expect: summed over the wrong axis
db1 = 1/m * np.sum(dZ1, axis=0)                  # expect: summed over the wrong axis
