import numpy as np

# GRADED FUNCTION: sigmoid

def sigmoid(z):
    """
    Compute the sigmoid of z

    Arguments:
    z -- A scalar or numpy array of any size.

    Return:
    s -- sigmoid(z)
    """
    s = 1 / (1 + np.exp(-z))  # expect: correct
    return s

# GRADED FUNCTION: propagate

def propagate(w, b, X, Y):
    """
    Implement the cost function and its gradient for the propagation explained above

    Arguments:
    w -- weights, a numpy array of size (num_px * num_px * 3, 1)
    b -- bias, a scalar
    X -- data of size (num_px * num_px * 3, number of examples)
    Y -- true "label" vector (containing 0 if non-cat, 1 if cat) of size (1, number of examples)

    Return:
    grads -- dictionary containing the gradients of the weights and bias
            (dw -- gradient of the loss with respect to w, thus same shape as w)
            (db -- gradient of the loss with respect to b, thus same shape as b)
    cost -- negative log-likelihood cost for logistic regression
    """
    m = X.shape[1]  # expect: not checked

    # FORWARD PROPAGATION (FROM X TO COST)
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))  # expect: not checked

    # BACKWARD PROPAGATION (TO FIND GRAD)
    dw = 1 / m * np.dot(A - Y, X.T)  # expect: transposed: got (1, 3), expected (3, 1)
    db = 1 / m * np.sum(A - Y)  # expect: correct

    cost = np.squeeze(np.array(cost))  # expect: not checked
    assert(dw.shape == w.shape)
    assert(db.dtype == float)
    assert(cost.shape == ())

    grads = {"dw": dw,
             "db": db}

    return grads, cost
