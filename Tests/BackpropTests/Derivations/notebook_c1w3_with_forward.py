import numpy as np

def sigmoid(z):
    return 1 / (1 + np.exp(-z))  # expect: correct

def forward_propagation(X, parameters):
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    Z1 = np.dot(W1, X) + b1  # expect: correct
    A1 = np.tanh(Z1)  # expect: correct
    Z2 = np.dot(W2, A1) + b2  # expect: correct
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache

def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = - np.sum(logprobs) / m
    cost = float(np.squeeze(cost))
    return cost

def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]  # expect: not checked
    W2 = parameters["W2"]
    A1 = cache["A1"]
    A2 = cache["A2"]
    dZ2 = A2 - Y  # expect: correct
    dW2 = 1 / m * dZ2 @ A1.T  # expect: correct
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)  # expect: correct
    dZ1 = W2.T @ dZ2 * (1 - A1 ** 2)  # expect: correct
    dW1 = 1 / m * dZ1 @ X.T  # expect: correct
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)  # expect: correct
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
