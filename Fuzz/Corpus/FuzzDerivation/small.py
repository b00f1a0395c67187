# layers: 2,3,1  hidden: tanh  output: sigmoid
dZ2 = A2 - Y
dW2 = 1/m * np.dot(dZ2, A1.T)
db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)
dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
dW1 = np.dot(dZ1, X.T) / m
db1 = dZ1.sum(axis=1, keepdims=True) / X.shape[1]
t = np.where(Z1 > 0, 1.0, 0.0).reshape(-1, 1) @ np.ones((1, 2)) ** 2 \
    + (-x.astype(np.float64))
