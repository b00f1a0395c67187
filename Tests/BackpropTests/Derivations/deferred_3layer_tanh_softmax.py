# layers: 3,5,4,3  hidden: tanh  output: softmax
# convention: deferred
dZ3 = A3 - Y                                    # expect: correct
dW3 = 1/m * np.dot(dZ3, A2.T)                   # expect: correct
db3 = 1/m * np.sum(dZ3, axis=1, keepdims=True)  # expect: correct
dA2 = np.dot(W3.T, dZ3)                         # expect: correct
dZ2 = dA2 * (1 - np.tanh(Z2) ** 2)              # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                   # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dA1 = np.dot(W2.T, dZ2)                         # expect: correct
dZ1 = dA1 * (1 - np.square(A1))                 # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                    # expect: correct
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
dA0 = np.dot(W1.T, dZ1)                         # expect: correct
