# layers: 4,6,5,3  hidden: relu  output: softmax
# convention: deferred
dZ3 = A3 - Y                               # expect: correct
dW3 = np.dot(dZ3, A2.T) / m                # expect: correct
db3 = np.mean(dZ3, axis=1, keepdims=True)  # expect: correct
dZ2 = np.dot(W3.T, dZ3) * (A2 > 0)         # expect: correct
dW2 = np.dot(dZ2, A1.T) / m                # expect: correct
db2 = np.mean(dZ2, axis=1, keepdims=True)  # expect: correct
dZ1 = np.dot(W2.T, dZ2) * (Z1 >= 0)        # expect: correct
dW1 = np.dot(dZ1, X.T) / m                 # expect: correct
db1 = np.mean(dZ1, axis=1, keepdims=True)  # expect: correct
