# The origin question's mistake in a 3-layer network: absorbed dZ3, deferred habit in dW2 and db1.
# layers: 4,6,5,3  hidden: relu  output: softmax
# convention: absorbed
dZ3 = (A3 - Y) / m                         # expect: correct
dW3 = dZ3 @ A2.T                           # expect: correct
db3 = np.sum(dZ3, axis=1, keepdims=True)   # expect: correct
dZ2 = (W3.T @ dZ3) * (Z2 > 0)              # expect: correct
dW2 = (dZ2 @ A1.T) / m                     # expect: 1/m applied twice (first applied on line 4)
db2 = np.sum(dZ2, axis=1, keepdims=True)   # expect: correct
dZ1 = (W2.T @ dZ2) * (Z1 > 0)              # expect: correct
dW1 = dZ1 @ X.T                            # expect: correct
db1 = np.mean(dZ1, axis=1, keepdims=True)  # expect: 1/m applied twice (first applied on line 4)
