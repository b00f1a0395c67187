# layers: 3,5,4,3  hidden: relu  output: softmax
# convention: deferred
dZ3 = A3 - Y                                      # expect: correct
dW3 = 1/m * np.dot(dZ3, A2.T)                     # expect: correct
db3 = np.sum(dZ3, axis=1, keepdims=True) / m / m  # expect: 1/m applied twice (both times on this line)
dZ2 = np.dot(W3.T, dZ3) * (Z2 > 0) / m            # expect: defers it to dW and db
dW2 = 1/m * np.dot(dZ2, A1.T)                     # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)    # expect: correct
dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)                # expect: correct
dW1 = np.dot(dZ1, X.T)                            # expect: off by a factor m: 1/m missing
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)    # expect: correct
