# The course's dAL, but dZ2 forgets to multiply by sigma'(Z2).
# layers: 2,4,1  hidden: relu  output: sigmoid
# convention: deferred
dA2 = -(Y / A2 - (1 - Y) / (1 - A2))            # expect: correct
dZ2 = dA2                                       # expect: activation derivative missing
dW2 = 1/m * np.dot(dZ2, A1.T)                   # expect: correct
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
dZ1 = np.dot(W2.T, dZ2) * (Z1 > 0)              # expect: correct
dW1 = 1/m * np.dot(dZ1, X.T)                    # expect: correct
db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
