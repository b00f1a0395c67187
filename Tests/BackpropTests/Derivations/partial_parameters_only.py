# Only dW and db: they are the same in both conventions, so none is decided.
# layers: 2,4,1  hidden: tanh  output: sigmoid
# convention: none
dW2 = np.dot(A2 - Y, A1.T) / m                    # expect: correct
db2 = np.mean(A2 - Y, axis=1, keepdims=True)      # expect: correct
delta = np.dot(W2.T, A2 - Y) * (1 - A1 ** 2) / m  # expect: not checked
dW1 = delta @ X.T                                 # expect: correct
db1 = delta.sum(axis=1, keepdims=True)            # expect: correct
dZ3 = delta                                       # expect: not checked
