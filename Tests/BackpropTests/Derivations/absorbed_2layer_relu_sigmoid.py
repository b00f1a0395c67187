# layers: 3,5,1  hidden: relu  output: sigmoid
# convention: absorbed
dZ2 = (A2 - Y) / m                        # expect: correct
dW2 = dZ2 @ A1.T                          # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dA1 = W2.T @ dZ2                          # expect: correct
dZ1 = np.where(Z1 > 0, dA1, 0)            # expect: correct
dW1 = dZ1 @ A0.T                          # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
