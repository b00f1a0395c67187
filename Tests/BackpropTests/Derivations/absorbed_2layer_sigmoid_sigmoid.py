# layers: 3,5,1  hidden: sigmoid  output: sigmoid
# convention: absorbed
dZ2 = 1/m * (A2 - Y)                                       # expect: correct
dW2 = np.dot(dZ2, A1.T)                                    # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)                   # expect: correct
dZ1 = np.dot(W2.T, dZ2) * sigmoid(Z1) * (1 - sigmoid(Z1))  # expect: correct
dW1 = np.dot(dZ1, X.T)                                     # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True)                   # expect: correct
