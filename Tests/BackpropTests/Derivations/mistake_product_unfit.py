# A product that no transpose makes fit is not a transpose mistake: it stays unevaluated.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dZ2 = A2 - Y                                           # expect: correct
dW2 = 1/m * np.dot(dZ2, A1.T)                          # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)         # expect: correct
dA1 = np.dot(X, W2)                                    # expect: error: shape mismatch in np.dot: (2, 7) and (1, 4)
dZ1 = dA1 * (1 - np.power(A1, 2))                      # expect: correct
