# layers: 3,4,4,2  hidden: sigmoid  output: softmax
# convention: deferred
dZ3 = A3 - Y                                    # expect: correct
dW3 = 1/m * dZ3 @ A2.T                          # expect: correct
db3 = 1/m * np.sum(dZ3, axis=1, keepdims=True)  # expect: correct
dZ2 = (W3.T @ dZ3) * A2 * (1 - A2)              # expect: correct
dW2 = 1/m * dZ2 @ A1.T                          # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dZ1 = (W2.T @ dZ2) * A1 * (1 - A1)              # expect: correct
dW1 = 1/m * dZ1 @ X.T                           # expect: correct
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
