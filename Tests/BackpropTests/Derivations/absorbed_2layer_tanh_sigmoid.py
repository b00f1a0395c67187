# The same network with 1/m absorbed into dZ2, as PyTorch's reduction='mean' does.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: absorbed
dZ2 = (A2 - Y) / m                        # expect: correct
dW2 = np.dot(dZ2, A1.T)                   # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dA1 = np.dot(W2.T, dZ2)                   # expect: correct
dZ1 = dA1 * (1 - A1 ** 2)                 # expect: correct
dW1 = dZ1 @ X.T                           # expect: correct
db1 = dZ1.sum(axis=1, keepdims=True)      # expect: correct
