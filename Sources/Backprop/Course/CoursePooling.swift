/// The course's pooling hyperparameters, `hparameters = {"f": f, "stride": s}`.
public struct PoolingHyperparameters: Sendable, Hashable {
    /// `f`: windows are `f × f`.
    public var f: Int
    /// `s`.
    public var stride: Int

    /// `{"f": f, "stride": stride}`.
    public init(f: Int, stride: Int) {
        self.f = f
        self.stride = stride
    }
}

/// What ``pool_forward(_:_:mode:)`` keeps for ``pool_backward(_:_:mode:)``: the course's
/// `cache = (A_prev, hparameters)`.
public struct PoolingCache<Scalar: BackpropScalar>: Sendable, Equatable {
    /// `(m, n_H_prev, n_W_prev, n_C)`.
    public var A_prev: NDArray<Scalar>
    /// Window and stride.
    public var hparameters: PoolingHyperparameters
}

/// Max or average pooling of every channel of every example.
///
/// Course 4, Week 1, `pool_forward(A_prev, hparameters, mode = "max")`, with
/// `n_H = ⌊(n_H_prev − f)/stride⌋ + 1`.
/// - Parameters:
///   - A_prev: `(m, n_H_prev, n_W_prev, n_C)`.
///   - hparameters: window and stride.
///   - mode: `.max` or `.average`.
/// - Returns: `A (m, n_H, n_W, n_C)` and the cache for ``pool_backward(_:_:mode:)``.
public func pool_forward<T: BackpropScalar>(
    _ A_prev: NDArray<T>, _ hparameters: PoolingHyperparameters, mode: Pooling.Mode = .max
) -> (A: NDArray<T>, cache: PoolingCache<T>) {
    let (f, s) = (hparameters.f, hparameters.stride)
    precondition(A_prev.shape.count == 4 && f > 0 && s > 0 && f <= A_prev.shape[1] && f <= A_prev.shape[2],
                 "pool_forward: A_prev \(A_prev.shapeDescription) with f \(f), stride \(s) do not fit")
    let (m, H, W, C) = (A_prev.shape[0], A_prev.shape[1], A_prev.shape[2], A_prev.shape[3])
    let (nH, nW) = ((H - f) / s + 1, (W - f) / s + 1)
    var A = NDArray<T>(shape: [m, nH, nW, C])
    for i in 0..<m {
        for h in 0..<nH {
            for w in 0..<nW {
                for c in 0..<C {
                    var best = -T.infinity
                    var total: T = 0
                    for di in 0..<f {
                        for dj in 0..<f {
                            let a = A_prev[i, h * s + di, w * s + dj, c]
                            best = Swift.max(best, a)
                            total += a
                        }
                    }
                    A[i, h, w, c] = mode == .max ? best : total / T(f * f)
                }
            }
        }
    }
    return (A, PoolingCache(A_prev: A_prev, hparameters: hparameters))
}

/// The mask of a window's maximum: `x == np.max(x)`, 1 where the maximum is, 0 elsewhere.
///
/// Course 4, Week 1, `create_mask_from_window(x)`. Where several entries tie for the maximum,
/// every one is marked, as in the course (the ``Pooling`` layer routes to the first, as PyTorch).
/// - Parameter x: a window, `(f, f)`.
public func create_mask_from_window<T: BackpropScalar>(_ x: NDArray<T>) -> NDArray<T> {
    let top = x.elements.max() ?? 0
    return NDArray(shape: x.shape, elements: x.elements.map { $0 == top ? 1 : 0 })
}

/// Spreads `dz` evenly over a window: every entry `dz / (n_H · n_W)`.
///
/// Course 4, Week 1, `distribute_value(dz, shape)`.
/// - Parameters:
///   - dz: one output's gradient.
///   - shape: the window, `(n_H, n_W)`.
public func distribute_value<T: BackpropScalar>(_ dz: T, _ shape: (n_H: Int, n_W: Int)) -> NDArray<T> {
    precondition(shape.n_H > 0 && shape.n_W > 0, "distribute_value: the window (\(shape.n_H), \(shape.n_W)) is empty")
    return NDArray(shape: [shape.n_H, shape.n_W], repeating: dz / T(shape.n_H * shape.n_W))
}

/// The pooling's backward step: each `dA` back through the window it came from, to the mask of
/// its maximum (``create_mask_from_window(_:)``) or spread evenly (``distribute_value(_:_:)``).
///
/// Course 4, Week 1, `pool_backward(dA, cache, mode = "max")`.
/// - Parameters:
///   - dA: `(m, n_H, n_W, n_C)`.
///   - cache: from ``pool_forward(_:_:mode:)``.
///   - mode: `.max` or `.average`.
/// - Returns: `dA_prev (m, n_H_prev, n_W_prev, n_C)`.
public func pool_backward<T: BackpropScalar>(
    _ dA: NDArray<T>, _ cache: PoolingCache<T>, mode: Pooling.Mode = .max
) -> NDArray<T> {
    let A_prev = cache.A_prev
    let (f, s) = (cache.hparameters.f, cache.hparameters.stride)
    let (m, H, W, C) = (A_prev.shape[0], A_prev.shape[1], A_prev.shape[2], A_prev.shape[3])
    let (nH, nW) = ((H - f) / s + 1, (W - f) / s + 1)
    precondition(dA.shape == [m, nH, nW, C], "pool_backward: dA \(dA.shapeDescription) is not A's (\(m), \(nH), \(nW), \(C))")
    var dA_prev = NDArray<T>(shape: A_prev.shape)
    for i in 0..<m {
        for h in 0..<nH {
            for w in 0..<nW {
                for c in 0..<C {
                    let share: NDArray<T>
                    if mode == .max {
                        var window = NDArray<T>(shape: [f, f])
                        for di in 0..<f { for dj in 0..<f { window[di, dj] = A_prev[i, h * s + di, w * s + dj, c] } }
                        share = NDArray(shape: [f, f], elements: create_mask_from_window(window).elements.map { $0 * dA[i, h, w, c] })
                    } else {
                        share = distribute_value(dA[i, h, w, c], (f, f))
                    }
                    for di in 0..<f {
                        for dj in 0..<f { dA_prev[i, h * s + di, w * s + dj, c] += share[di, dj] }
                    }
                }
            }
        }
    }
    return dA_prev
}
