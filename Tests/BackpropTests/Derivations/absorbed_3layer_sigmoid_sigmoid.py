# layers: 4,5,3,1  hidden: sigmoid  output: sigmoid
# convention: absorbed
dZ3 = (A3 - Y) / m                        # expect: correct
dW3 = np.dot(dZ3, A2.T)                   # expect: correct
db3 = np.sum(dZ3, axis=1, keepdims=True)  # expect: correct
dZ2 = np.dot(W3.T, dZ3) * A2 * (1 - A2)   # expect: correct
dW2 = np.dot(dZ2, A1.T)                   # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)   # expect: correct
dW1 = np.dot(dZ1, X.T)                    # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
