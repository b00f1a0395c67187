# Only some gradients, with A2 - Y written out: the dZ1 line decides the convention.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: deferred
dW2 = 1/m * np.dot(A2 - Y, A1.T)              # expect: correct
dZ1 = np.dot(W2.T, A2 - Y) * (1 - A1 ** 2)    # expect: correct
db1 = np.sum(dZ1, axis=1, keepdims=True) / m  # expect: correct
