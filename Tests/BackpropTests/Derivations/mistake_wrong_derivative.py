# Derivatives of the wrong activation, or the right formula on the wrong quantity.
# layers: 3,5,4,1  hidden: tanh  output: sigmoid
# convention: absorbed
dZ3 = (A3 - Y) / m                        # expect: correct
dW3 = dZ3 @ A2.T                          # expect: correct
db3 = np.sum(dZ3, axis=1, keepdims=True)  # expect: correct
dZ2 = (W3.T @ dZ3) * (1 - Z2 ** 2)        # expect: evaluated at Z instead of A
dW2 = dZ2 @ A1.T                          # expect: correct
db2 = np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dZ1 = (W2.T @ dZ2) * A1 * (1 - A1)        # expect: the sigmoid's formula
dZ1 = (W2.T @ dZ2) * (Z1 > 0)             # expect: relu′ used
dW1 = dZ1 @ X.T                           # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
