# A forward pass recomputed in the file, then the backward pass.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
Z1 = np.dot(W1, X) + b1                           # expect: correct
A1 = np.tanh(Z1)                                  # expect: correct
Z2 = W2 @ A1 + b2                                 # expect: correct
A2 = 1 / (1 + np.exp(-Z2))                        # expect: correct
m = X.shape[1]                                    # expect: not checked
dZ2 = A2 - Y                                      # expect: correct
dW2 = (1/m) * np.dot(dZ2, A1.T)                   # expect: correct
db2 = (1/m) * np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))   # expect: correct
dW1 = (1/m) * np.dot(dZ1, X.T)                    # expect: correct
db1 = (1/m) * np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
