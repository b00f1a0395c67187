# layers: 4,6,5,3  hidden: relu  output: softmax
# convention: absorbed
dZ3 = (A3 - Y) / m                        # expect: correct
dW3 = dZ3 @ A2.T                          # expect: correct
db3 = dZ3.sum(axis=1, keepdims=True)      # expect: correct
dA2 = W3.T @ dZ3                          # expect: correct
dZ2 = dA2 * (Z2 > 0)                      # expect: correct
dW2 = dZ2 @ A1.T                          # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dA1 = W2.T @ dZ2                          # expect: correct
dZ1 = dA1 * np.where(Z1 > 0, 1.0, 0.0)    # expect: correct
dW1 = dZ1 @ X.T                           # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
