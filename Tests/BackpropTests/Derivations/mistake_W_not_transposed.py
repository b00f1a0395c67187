# W where W.T is meant: only a square W lets it evaluate at all.
# layers: 3,4,4,3  hidden: tanh  output: softmax
# convention: deferred
dZ3 = A3 - Y                                    # expect: correct
dW3 = 1/m * dZ3 @ A2.T                          # expect: correct
db3 = 1/m * np.sum(dZ3, axis=1, keepdims=True)  # expect: correct
dA2 = W3.T @ dZ3                                # expect: correct
dZ2 = dA2 * (1 - A2 ** 2)                       # expect: correct
dA1 = W2 @ dZ2                                  # expect: W2 used where W2ᵀ is meant
dZ1 = dA1 * (1 - A1 ** 2)                       # expect: correct
dW1 = 1/m * dZ1 @ X.T                           # expect: correct
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
