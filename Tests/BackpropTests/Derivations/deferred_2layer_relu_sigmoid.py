# layers: 3,5,1  hidden: relu  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                                  # expect: correct
dW2 = (1 / m) * dZ2 @ A1.T                                    # expect: correct
db2 = np.mean(dZ2, axis=1, keepdims=True)                     # expect: correct
dZ1 = np.multiply(np.dot(W2.T, dZ2), (Z1 > 0).astype(float))  # expect: correct
dW1 = 1./m * np.dot(dZ1, X.T)                                 # expect: correct
db1 = 1./m * np.sum(dZ1, axis=1, keepdims=True)               # expect: correct
