#!/usr/bin/env python3
"""The NumPy reference for Backprop's convolution building blocks (Sources/Backprop/Course/
CourseConvolution.swift, CoursePooling.swift).

Re-implements, in plain NumPy and as the deeplearning.ai notebook "Convolution model, Step by
Step" (Course 4, Week 1) writes them, zero_pad, conv_single_step, conv_forward, conv_backward,
create_mask_from_window, distribute_value, pool_forward and pool_backward; runs each on seeded
cases in the notebook's shapes; and writes inputs and expected outputs as .npy files into
Tests/BackpropTests/CourseReference/<case>/<name>.npy, which CourseConvolutionTests.swift loads.

Rerun after changing a case:  python3 Tests/Interop/course_conv_reference.py   (numpy only;
deterministic).
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "BackpropTests", "CourseReference")


def save(case, **arrays):
    folder = os.path.join(OUT, case)
    os.makedirs(folder, exist_ok=True)
    for name, value in arrays.items():
        np.save(os.path.join(folder, name + ".npy"), np.asarray(value, dtype=np.float64))


def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)


def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + float(b.item())


def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = int((n_H_prev - f + 2 * pad) / stride) + 1
    n_W = int((n_W_prev - f + 2 * pad) / stride) + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = A_prev_pad[i, vs:vs + f, hs:hs + f, :]
                    Z[i, h, w, c] = conv_single_step(a_slice, W[:, :, :, c], b[:, :, :, c])
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ, cache):
    A_prev, W, b, hparameters = cache
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = a_prev_pad[vs:vs + f, hs:hs + f, :]
                    da_prev_pad[vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    return dA_prev, dW, db


def create_mask_from_window(x):
    return x == np.max(x)


def distribute_value(dz, shape):
    n_H, n_W = shape
    return np.ones(shape) * dz / (n_H * n_W)


def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = int(1 + (n_H_prev - f) / stride)
    n_W = int(1 + (n_W_prev - f) / stride)
    A = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    a_slice = A_prev[i, vs:vs + f, hs:hs + f, c]
                    A[i, h, w, c] = np.max(a_slice) if mode == "max" else np.mean(a_slice)
    return A, (A_prev, hparameters)


def pool_backward(dA, cache, mode="max"):
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    vs, hs = h * stride, w * stride
                    if mode == "max":
                        mask = create_mask_from_window(a_prev[vs:vs + f, hs:hs + f, c])
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += mask * dA[i, h, w, c]
                    else:
                        dA_prev[i, vs:vs + f, hs:hs + f, c] += distribute_value(dA[i, h, w, c], (f, f))
    return dA_prev


def main():
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    save("zero_pad", x=x, x_pad=zero_pad(x, 3))

    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W = np.random.randn(4, 4, 3)
    b = np.random.randn(1, 1, 1)
    save("conv_single_step", a_slice_prev=a_slice_prev, W=W, b=b, Z=conv_single_step(a_slice_prev, W, b))

    for case, (shape, f, n_C, stride, pad) in {
        "conv_forward": ((2, 5, 7, 4), 3, 8, 2, 1),
        "conv_forward_valid": ((3, 6, 5, 2), 2, 3, 1, 0),
        "conv_forward_floor": ((2, 6, 6, 3), 3, 2, 2, 0),
    }.items():
        np.random.seed(1)
        A_prev = np.random.randn(*shape)
        W = np.random.randn(f, f, shape[3], n_C)
        b = np.random.randn(1, 1, 1, n_C)
        Z, cache = conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
        dZ = np.random.randn(*Z.shape)
        dA_prev, dW, db = conv_backward(dZ, cache)
        save(case, A_prev=A_prev, W=W, b=b, stride=stride, pad=pad, Z=Z, dZ=dZ, dA_prev=dA_prev, dW=dW, db=db)

    np.random.seed(1)
    x = np.random.randn(2, 3)
    save("create_mask_from_window", x=x, mask=create_mask_from_window(x))
    save("distribute_value", a=distribute_value(2.0, (2, 2)))

    for case, (shape, f, stride) in {"pool": ((2, 5, 5, 3), 3, 1), "pool_stride2": ((2, 5, 7, 3), 3, 2),
                                      "pool_2x2": ((3, 4, 6, 2), 2, 2)}.items():
        np.random.seed(1)
        A_prev = np.random.randn(*shape)
        hp = {"f": f, "stride": stride}
        arrays = {"A_prev": A_prev, "f": f, "stride": stride}
        for mode in ("max", "average"):
            A, cache = pool_forward(A_prev, hp, mode)
            np.random.seed(5)
            dA = np.random.randn(*A.shape)
            arrays.update({"A_" + mode: A, "dA_" + mode: dA, "dA_prev_" + mode: pool_backward(dA, cache, mode)})
        save(case, **arrays)


if __name__ == "__main__":
    main()
