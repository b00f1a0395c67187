import numpy as np

def backward_propagation_n(X, Y, cache):
    """
    Implement the backward propagation presented in figure 2.
    """
    m = X.shape[1]  # expect: not checked
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y  # expect: correct
    dW3 = 1. / m * np.dot(dZ3, A2.T)  # expect: correct
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)  # expect: correct

    dA2 = np.dot(W3.T, dZ3)  # expect: correct
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))  # expect: correct
    dW2 = 1. / m * np.dot(dZ2, A1.T) * 2  # expect: off by a constant factor: every entry is 2 times
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)  # expect: correct

    dA1 = np.dot(W2.T, dZ2)  # expect: correct
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))  # expect: correct
    dW1 = 1. / m * np.dot(dZ1, X.T)  # expect: correct
    db1 = 4. / m * np.sum(dZ1, axis=1, keepdims=True)  # expect: off by a constant factor: every entry is 4 times

    gradients = {"dZ3": dZ3, "dW3": dW3, "db3": db3,
                 "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
                 "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}

    return gradients
