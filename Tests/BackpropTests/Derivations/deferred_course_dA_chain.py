# The course's L-layer style: dAL from the cross-entropy, then through sigma'.
# layers: 3,4,1  hidden: relu  output: sigmoid
# convention: deferred
dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))  # expect: correct
dZ2 = dAL * sigmoid(Z2) * (1 - sigmoid(Z2))           # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                         # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)        # expect: correct
dA1 = np.dot(W2.T, dZ2)                               # expect: correct
dZ1 = dA1 * (Z1 > 0)                                  # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                          # expect: correct
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)        # expect: correct
