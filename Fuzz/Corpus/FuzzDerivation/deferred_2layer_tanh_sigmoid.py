# The course's backward pass for the planar network: 1/m deferred to dW and db.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                     # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                    # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)   # expect: correct
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))  # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                     # expect: correct
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)   # expect: correct
