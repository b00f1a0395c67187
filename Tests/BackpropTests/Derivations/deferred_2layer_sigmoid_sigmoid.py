# layers: 3,5,1  hidden: sigmoid  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                  # expect: correct
dW2 = np.dot(dZ2, A1.T) / m                   # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True) / m  # expect: correct
dA1 = np.dot(W2.T, dZ2)                       # expect: correct
dZ1 = dA1 * A1 * (1 - A1)                     # expect: correct
dW1 = np.dot(dZ1, X.T) / m                    # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True) / m  # expect: correct
