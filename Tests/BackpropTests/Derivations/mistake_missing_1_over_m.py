# 1/m in neither place: dZ2 deferred, but dW2 and db2 forget it.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                     # expect: correct
dW2 = np.dot(dZ2, A1.T)                          # expect: off by a factor m: 1/m missing
db2 = np.sum(dZ2, axis=1, keepdims=True)         # expect: off by a factor m: 1/m missing
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))  # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                     # expect: correct
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)   # expect: correct
