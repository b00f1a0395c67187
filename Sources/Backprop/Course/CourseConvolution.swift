/// The course's convolution hyperparameters, `hparameters = {"stride": s, "pad": p}`.
public struct ConvolutionHyperparameters: Sendable, Hashable {
    /// `s`.
    public var stride: Int
    /// `p`, zeros on each side.
    public var pad: Int

    /// `{"stride": stride, "pad": pad}`.
    public init(stride: Int, pad: Int) {
        self.stride = stride
        self.pad = pad
    }
}

/// What ``conv_forward(_:_:_:_:)`` keeps for ``conv_backward(_:_:)``: the course's
/// `cache = (A_prev, W, b, hparameters)`.
public struct ConvolutionCache<Scalar: BackpropScalar>: Sendable, Equatable {
    /// `(m, n_H_prev, n_W_prev, n_C_prev)`.
    public var A_prev: NDArray<Scalar>
    /// `(f, f, n_C_prev, n_C)`.
    public var W: NDArray<Scalar>
    /// `(1, 1, 1, n_C)`.
    public var b: NDArray<Scalar>
    /// Stride and pad.
    public var hparameters: ConvolutionHyperparameters
}

/// Pads every image of `X` with `pad` zeros on each side of its height and width.
///
/// Course 4, Week 1, `zero_pad(X, pad)`: `np.pad(X, ((0,0), (pad,pad), (pad,pad), (0,0)))`.
/// - Parameters:
///   - X: `(m, n_H, n_W, n_C)`.
///   - pad: the zeros on each side.
/// - Returns: `(m, n_H + 2·pad, n_W + 2·pad, n_C)`.
public func zero_pad<T: BackpropScalar>(_ X: NDArray<T>, _ pad: Int) -> NDArray<T> {
    precondition(X.shape.count == 4 && pad >= 0, "zero_pad takes (m, n_H, n_W, n_C) and pad ≥ 0, not \(X.shapeDescription) and \(pad)")
    let (m, H, W, C) = (X.shape[0], X.shape[1], X.shape[2], X.shape[3])
    var padded = NDArray<T>(shape: [m, H + 2 * pad, W + 2 * pad, C])
    for i in 0..<m {
        for h in 0..<H {
            for w in 0..<W {
                for c in 0..<C { padded[i, h + pad, w + pad, c] = X[i, h, w, c] }
            }
        }
    }
    return padded
}

/// One filter on one window: `Σ a_slice_prev ⊙ W + b`.
///
/// Course 4, Week 1, `conv_single_step(a_slice_prev, W, b)`.
/// - Parameters:
///   - a_slice_prev: the window, `(f, f, n_C_prev)`.
///   - W: one filter, `(f, f, n_C_prev)`.
///   - b: its bias, `(1, 1, 1)`.
public func conv_single_step<T: BackpropScalar>(_ a_slice_prev: NDArray<T>, _ W: NDArray<T>, _ b: NDArray<T>) -> T {
    precondition(a_slice_prev.shape == W.shape && b.count == 1,
                 "conv_single_step: a_slice_prev \(a_slice_prev.shapeDescription), W \(W.shapeDescription), b \(b.shapeDescription)")
    var s: T = 0
    for (a, w) in zip(a_slice_prev.elements, W.elements) { s += a * w }
    return s + b.elements[0]
}

/// The convolution's forward step, `Z[i, h, w, c] = conv_single_step(a_slice, W[..., c], b[..., c])`
/// over every example, position and filter.
///
/// Course 4, Week 1, `conv_forward(A_prev, W, b, hparameters)`, with
/// `n_H = ⌊(n_H_prev − f + 2·pad)/stride⌋ + 1` (and the same for `n_W`).
/// - Parameters:
///   - A_prev: `(m, n_H_prev, n_W_prev, n_C_prev)`.
///   - W: `(f, f, n_C_prev, n_C)`.
///   - b: `(1, 1, 1, n_C)`.
///   - hparameters: stride and pad.
/// - Returns: `Z (m, n_H, n_W, n_C)` and the cache for ``conv_backward(_:_:)``.
public func conv_forward<T: BackpropScalar>(
    _ A_prev: NDArray<T>, _ W: NDArray<T>, _ b: NDArray<T>, _ hparameters: ConvolutionHyperparameters
) -> (Z: NDArray<T>, cache: ConvolutionCache<T>) {
    let (m, H, Wd, C) = (A_prev.shape[0], A_prev.shape[1], A_prev.shape[2], A_prev.shape[3])
    let (f, nC, s, pad) = (W.shape[0], W.shape[3], hparameters.stride, hparameters.pad)
    precondition(A_prev.shape.count == 4 && W.shape.count == 4 && W.shape[1] == f && W.shape[2] == C && b.shape == [1, 1, 1, nC]
                 && s > 0 && pad >= 0 && f <= H + 2 * pad && f <= Wd + 2 * pad,
                 "conv_forward: A_prev \(A_prev.shapeDescription), W \(W.shapeDescription), b \(b.shapeDescription), stride \(s), pad \(pad) do not fit")
    let nH = (H - f + 2 * pad) / s + 1
    let nW = (Wd - f + 2 * pad) / s + 1
    let padded = zero_pad(A_prev, pad)
    var Z = NDArray<T>(shape: [m, nH, nW, nC])
    for i in 0..<m {
        for h in 0..<nH {
            for w in 0..<nW {
                for c in 0..<nC {
                    var z = b.elements[c]
                    for di in 0..<f {
                        for dj in 0..<f {
                            for k in 0..<C { z += padded[i, h * s + di, w * s + dj, k] * W[di, dj, k, c] }
                        }
                    }
                    Z[i, h, w, c] = z
                }
            }
        }
    }
    return (Z, ConvolutionCache(A_prev: A_prev, W: W, b: b, hparameters: hparameters))
}

/// The convolution's backward step, from `dZ` to `dA_prev`, `dW`, `db`:
/// `dA_prev[window] += W[:, :, :, c] · dZ[i, h, w, c]`, `dW[:, :, :, c] += a_slice · dZ[i, h, w, c]`,
/// `db[c] = Σ dZ[..., c]`.
///
/// Course 4, Week 1, `conv_backward(dZ, cache)`. The sums run over examples **and** positions,
/// with no 1/m: whatever `dZ` carries (per-example derivatives, or the cost's `∂J/∂Z` with its
/// 1/m already in) is what `dW`, `db` carry. The padded border's share of `dA_prev` is dropped
/// (`da_prev_pad[pad:-pad, pad:-pad, :]`).
/// - Parameters:
///   - dZ: `(m, n_H, n_W, n_C)`.
///   - cache: from ``conv_forward(_:_:_:_:)``.
/// - Returns: `dA_prev (m, n_H_prev, n_W_prev, n_C_prev)`, `dW (f, f, n_C_prev, n_C)`, `db (1, 1, 1, n_C)`.
public func conv_backward<T: BackpropScalar>(
    _ dZ: NDArray<T>, _ cache: ConvolutionCache<T>
) -> (dA_prev: NDArray<T>, dW: NDArray<T>, db: NDArray<T>) {
    let (A_prev, W) = (cache.A_prev, cache.W)
    let (m, H, Wd, C) = (A_prev.shape[0], A_prev.shape[1], A_prev.shape[2], A_prev.shape[3])
    let (f, nC, s, pad) = (W.shape[0], W.shape[3], cache.hparameters.stride, cache.hparameters.pad)
    let (nH, nW) = ((H - f + 2 * pad) / s + 1, (Wd - f + 2 * pad) / s + 1)
    precondition(dZ.shape == [m, nH, nW, nC], "conv_backward: dZ \(dZ.shapeDescription) is not Z's (\(m), \(nH), \(nW), \(nC))")
    let padded = zero_pad(A_prev, pad)
    var dPadded = NDArray<T>(shape: padded.shape)
    var dW = NDArray<T>(shape: W.shape)
    var db = NDArray<T>(shape: [1, 1, 1, nC])
    for i in 0..<m {
        for h in 0..<nH {
            for w in 0..<nW {
                for c in 0..<nC {
                    let g = dZ[i, h, w, c]
                    for di in 0..<f {
                        for dj in 0..<f {
                            for k in 0..<C {
                                dPadded[i, h * s + di, w * s + dj, k] += W[di, dj, k, c] * g
                                dW[di, dj, k, c] += padded[i, h * s + di, w * s + dj, k] * g
                            }
                        }
                    }
                    db.elements[c] += g
                }
            }
        }
    }
    var dA_prev = NDArray<T>(shape: A_prev.shape)
    for i in 0..<m {
        for h in 0..<H {
            for w in 0..<Wd {
                for k in 0..<C { dA_prev[i, h, w, k] = dPadded[i, h + pad, w + pad, k] }
            }
        }
    }
    return (dA_prev, dW, db)
}
