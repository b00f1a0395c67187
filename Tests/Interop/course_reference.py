#!/usr/bin/env python3
"""The NumPy reference for Backprop's course building blocks (Sources/Backprop/Course/).

Re-implements, in plain NumPy and as the deeplearning.ai notebooks write them, the course
functions the Swift API mirrors -- linear_forward, linear_activation_forward, L_model_forward,
linear_backward, linear_activation_backward, L_model_backward, initialize_parameters(_deep, _he),
random_mini_batches, the dropout mask and gradient_check(_n) -- runs each on the course's own
seeded test cases (or small ones in their style), and writes inputs and expected outputs as
.npy files into Tests/BackpropTests/CourseReference/<case>/<name>.npy, which
CourseReferenceTests.swift loads and compares.

Every array is saved as float64 (integers as int64) with its NumPy shape; scalars as 0-d arrays.
Rerun after changing a case:  python3 Tests/Interop/course_reference.py
Needs numpy only. The output is deterministic (fixed seeds).
"""
import math
import os
import shutil

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "BackpropTests", "CourseReference")


def save(case, **arrays):
    folder = os.path.join(OUT, case)
    os.makedirs(folder, exist_ok=True)
    for name, value in arrays.items():
        value = np.asarray(value)
        value = value.astype(np.int64) if value.dtype.kind in "iub" else value.astype(np.float64)
        np.save(os.path.join(folder, name + ".npy"), value)


# --- The course's functions (C1W4 "Building your Deep Neural Network: Step by Step") ---------

def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def sigmoid_backward(dA, cache):
    Z = cache
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    else:
        dZ = sigmoid_backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache)


def L_model_backward_from_dAL(dAL, caches):
    grads = {}
    L = len(caches)
    current_cache = caches[L - 1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \
        linear_activation_backward(dAL, current_cache, "sigmoid")
    for l in reversed(range(L - 1)):
        current_cache = caches[l]
        dA_prev_temp, dW_temp, db_temp = linear_activation_backward(grads["dA" + str(l + 1)], current_cache, "relu")
        grads["dA" + str(l)] = dA_prev_temp
        grads["dW" + str(l + 1)] = dW_temp
        grads["db" + str(l + 1)] = db_temp
    return grads


def L_model_backward(AL, Y, caches):
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    return L_model_backward_from_dAL(dAL, caches)


def save_caches(case, caches):
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        save(case, **{"A_prev%d" % l: A_prev, "W%d" % l: W, "b%d" % l: b, "Z%d" % l: Z})


def save_grads(case, grads):
    save(case, **{"grad_" + key: value for key, value in grads.items()})


# --- C1W4 test cases (testCases_v4a.py) ---------------------------------------------------------

def linear_forward_case():
    np.random.seed(1)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    Z, _ = linear_forward(A, W, b)
    save("linear_forward", A=A, W=W, b=b, Z=Z)
    # A wider case: several units, several examples, b broadcast over columns.
    np.random.seed(11)
    A = np.random.randn(4, 5)
    W = np.random.randn(3, 4)
    b = np.random.randn(3, 1)
    Z, _ = linear_forward(A, W, b)
    save("linear_forward_wide", A=A, W=W, b=b, Z=Z)


def linear_activation_forward_case():
    np.random.seed(2)
    A_prev = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    A_sigmoid, ((_, _, _), Z) = linear_activation_forward(A_prev, W, b, "sigmoid")
    A_relu, _ = linear_activation_forward(A_prev, W, b, "relu")
    save("linear_activation_forward", A_prev=A_prev, W=W, b=b, Z=Z, A_sigmoid=A_sigmoid, A_relu=A_relu)


def L_model_forward_case():
    np.random.seed(6)
    X = np.random.randn(5, 4)
    W1 = np.random.randn(4, 5)
    b1 = np.random.randn(4, 1)
    W2 = np.random.randn(3, 4)
    b2 = np.random.randn(3, 1)
    W3 = np.random.randn(1, 3)
    b3 = np.random.randn(1, 1)
    parameters = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}
    AL, caches = L_model_forward(X, parameters)
    save("L_model_forward", X=X, AL=AL, **parameters)
    save_caches("L_model_forward", caches)
    # And the whole pass back from the cross-entropy, on labels for these four examples.
    Y = np.array([[1, 0, 1, 1]])
    grads = L_model_backward(AL, Y, caches)
    save("L_model_forward", Y=Y)
    save_grads("L_model_forward", grads)


def linear_backward_case():
    np.random.seed(1)
    dZ = np.random.randn(3, 4)
    A = np.random.randn(5, 4)
    W = np.random.randn(3, 5)
    b = np.random.randn(3, 1)
    dA_prev, dW, db = linear_backward(dZ, (A, W, b))
    save("linear_backward", dZ=dZ, A_prev=A, W=W, b=b, dA_prev=dA_prev, dW=dW, db=db)


def linear_activation_backward_case():
    np.random.seed(2)
    dA = np.random.randn(1, 2)
    A = np.random.randn(3, 2)
    W = np.random.randn(1, 3)
    b = np.random.randn(1, 1)
    Z = np.random.randn(1, 2)
    cache = ((A, W, b), Z)
    arrays = dict(dA=dA, A_prev=A, W=W, b=b, Z=Z)
    for activation in ("sigmoid", "relu"):
        dA_prev, dW, db = linear_activation_backward(dA, cache, activation)
        arrays.update({"dA_prev_" + activation: dA_prev, "dW_" + activation: dW, "db_" + activation: db})
    save("linear_activation_backward", **arrays)


def L_model_backward_case():
    np.random.seed(3)
    AL = np.random.randn(1, 2)
    Y = np.array([[1, 0]])
    A1 = np.random.randn(4, 2)
    W1 = np.random.randn(3, 4)
    b1 = np.random.randn(3, 1)
    Z1 = np.random.randn(3, 2)
    A2 = np.random.randn(3, 2)
    W2 = np.random.randn(1, 3)
    b2 = np.random.randn(1, 1)
    Z2 = np.random.randn(1, 2)
    caches = (((A1, W1, b1), Z1), ((A2, W2, b2), Z2))
    grads = L_model_backward(AL, Y, caches)
    save("L_model_backward", AL=AL, Y=Y)
    save_caches("L_model_backward", caches)
    save_grads("L_model_backward", grads)
    # From a given dAL (any upstream gradient), on the same caches.
    np.random.seed(4)
    dAL = np.random.randn(1, 2)
    save("L_model_backward_dAL", dAL=dAL)
    save_caches("L_model_backward_dAL", caches)
    save_grads("L_model_backward_dAL", L_model_backward_from_dAL(dAL, caches))


# --- Initialisation (C1W3/C1W4 step by step, C1W4 application, C2W1) -------------------------

def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(1)
    W1 = np.random.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def initialize_parameters_deep(layer_dims, version):
    np.random.seed(3)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        draws = np.random.randn(layer_dims[l], layer_dims[l - 1])
        if version == "step_by_step":
            parameters["W" + str(l)] = draws * 0.01
        elif version == "application":
            parameters["W" + str(l)] = draws / np.sqrt(layer_dims[l - 1])
        else:  # C2W1 initialize_parameters_he
            parameters["W" + str(l)] = draws * np.sqrt(2. / layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def draws_for(seed, shapes):
    """The standard-normal draws the functions above consume, as one flat row-major list."""
    np.random.seed(seed)
    return np.random.randn(sum(r * c for r, c in shapes))


def initialization_cases():
    parameters = initialize_parameters(3, 2, 1)
    save("initialize_parameters", draws=draws_for(1, [(2, 3), (1, 2)]), **parameters)
    for version, dims in (("step_by_step", [5, 4, 3]), ("application", [5, 4, 3]), ("he", [2, 4, 1]),
                          ("he_deeper", [3, 5, 4, 2])):
        parameters = initialize_parameters_deep(dims, "he" if version.startswith("he") else version)
        shapes = [(dims[l], dims[l - 1]) for l in range(1, len(dims))]
        save("initialize_parameters_deep_" + version, layer_dims=np.array(dims),
             draws=draws_for(3, shapes), **parameters)


# --- C2W2 random_mini_batches, from a given permutation ----------------------------------------

def random_mini_batches(X, Y, mini_batch_size, permutation):
    m = X.shape[1]
    mini_batches = []
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((Y.shape[0], m))
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size:m]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size:m]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches


def mini_batch_cases():
    for case, (n_x, m, size) in {"random_mini_batches": (3, 11, 4),
                                 "random_mini_batches_even": (2, 8, 4)}.items():
        np.random.seed(0)
        X = np.random.randn(n_x, m)
        Y = (np.random.randn(1, m) < 0.5).astype(np.float64)
        permutation = np.random.permutation(m)
        batches = random_mini_batches(X, Y, size, list(permutation))
        arrays = dict(X=X, Y=Y, permutation=permutation, mini_batch_size=np.int64(size),
                      count=np.int64(len(batches)))
        for k, (bx, by) in enumerate(batches):
            arrays["X_%d" % k] = bx
            arrays["Y_%d" % k] = by
        save(case, **arrays)


# --- C2W1 forward_propagation_with_dropout: the mask from uniform draws ------------------------

def dropout_case():
    np.random.seed(1)
    keep_prob = 0.7
    D1 = np.random.rand(3, 5)
    U = D1.copy()
    D1 = (D1 < keep_prob).astype(int)
    save("dropout_mask", U=U, keep_prob=np.float64(keep_prob), D=D1)


# --- C2W1 gradient checking ---------------------------------------------------------------------

def forward_propagation(x, theta):
    return np.dot(theta, x)


def backward_propagation(x, theta):
    return x


def gradient_check(x, theta, epsilon=1e-7):
    theta_plus = theta + epsilon
    theta_minus = theta - epsilon
    J_plus = forward_propagation(x, theta_plus)
    J_minus = forward_propagation(x, theta_minus)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return numerator / denominator


def J_n(theta):
    """A scalar function of a vector, written with scalar operations only so that Swift can
    evaluate it in the same order: J = θ0² θ1 + 3 θ2 − θ1 θ3 + θ3³ / 2."""
    t0, t1, t2, t3 = (float(v) for v in np.ravel(theta))
    return t0 * t0 * t1 + 3 * t2 - t1 * t3 + t3 * t3 * t3 / 2


def dJ_n(theta):
    t0, t1, t2, t3 = (float(v) for v in np.ravel(theta))
    return np.array([2 * t0 * t1, t0 * t0 - t3, 3.0, -t1 + 1.5 * t3 * t3])


def gradient_check_n(theta, grad, J, epsilon=1e-7):
    """gradient_check_n's loop over a flat θ (the course's dictionary_to_vector already done)."""
    parameters_values = np.asarray(theta, dtype=np.float64).reshape(-1, 1)
    grad = np.asarray(grad, dtype=np.float64).reshape(-1, 1)
    num_parameters = parameters_values.shape[0]
    J_plus = np.zeros((num_parameters, 1))
    J_minus = np.zeros((num_parameters, 1))
    gradapprox = np.zeros((num_parameters, 1))
    for i in range(num_parameters):
        theta_plus = np.copy(parameters_values)
        theta_plus[i][0] = theta_plus[i][0] + epsilon
        J_plus[i] = J(theta_plus)
        theta_minus = np.copy(parameters_values)
        theta_minus[i][0] = theta_minus[i][0] - epsilon
        J_minus[i] = J(theta_minus)
        gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return numerator / denominator, gradapprox


def gradient_check_cases():
    save("gradient_check",
         x=np.array([2.0, 3.0]), theta=np.float64(4.0),
         difference=np.array([gradient_check(2.0, 4.0), gradient_check(3.0, 4.0)]))
    theta = np.array([0.5, -1.25, 2.0, 0.75])
    right, _ = gradient_check_n(theta, dJ_n(theta), J_n)
    wrong_grad = dJ_n(theta)
    wrong_grad[1] *= 2  # a bug in one entry
    wrong, _ = gradient_check_n(theta, wrong_grad, J_n)
    save("gradient_check_n", theta=theta, grad=dJ_n(theta),
         difference=np.float64(right), wrong_grad=wrong_grad, wrong_difference=np.float64(wrong))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    linear_forward_case()
    linear_activation_forward_case()
    L_model_forward_case()
    linear_backward_case()
    linear_activation_backward_case()
    L_model_backward_case()
    initialization_cases()
    mini_batch_cases()
    dropout_case()
    gradient_check_cases()
    print("gradient_check:", repr(gradient_check(2.0, 4.0)), repr(gradient_check(3.0, 4.0)))
    count = sum(len(files) for _, _, files in os.walk(OUT))
    print("wrote %d files under %s" % (count, os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
