/// The linear part of a layer's backward step, given `dZ[l]`:
///
///     dW      = (1/m) dZ A_prevᵀ
///     db      = (1/m) Σ_columns dZ
///     dA_prev = Wᵀ dZ
///
/// The course's *deferred* 1/m (see the guide, §2): `dZ` is the per-example derivative and
/// the 1/m is applied here, to `dW` and `db` only; `dA_prev` carries none. `m` is the number
/// of columns of `A_prev`, so a smaller last mini-batch uses its own `m`.
///
/// Course 1, Week 4, `linear_backward(dZ, cache)`:
/// `dW = 1/m * np.dot(dZ, A_prev.T)`, `db = 1/m * np.sum(dZ, axis=1, keepdims=True)`,
/// `dA_prev = np.dot(W.T, dZ)`.
///
/// - Parameters:
///   - dZ: the gradient at this layer's linear output, `(n_l, m)`.
///   - cache: `(A_prev, W, b)` from ``linear_forward(_:_:_:)``.
/// - Returns: `dA_prev` `(n_{l−1}, m)`, `dW` `(n_l, n_{l−1})`, `db` `(n_l, 1)`.
public func linear_backward<T: BackpropScalar>(
    _ dZ: Matrix<T>, _ cache: LinearCache<T>
) -> (dA_prev: Matrix<T>, dW: Matrix<T>, db: Matrix<T>) {
    let (A_prev, W) = (cache.A_prev, cache.W)
    precondition(dZ.shape == Shape(W.rows, A_prev.columns),
        "dZ must be \(Shape(W.rows, A_prev.columns)) for W \(W.shape) and A_prev \(A_prev.shape), not \(dZ.shape)")
    // The course's 1/m is the deferred convention's factor, taken from the one place it lives.
    let scale: T = Convention.deferred.scales(examples: A_prev.columns).parameters
    var dW = Matrix<T>(shape: W.shape)
    dW.formProduct(dZ, .none, A_prev, .transposed, alpha: 1, beta: 0)
    var db = Matrix<T>(rows: W.rows, columns: 1)
    dZ.sumColumns(into: &db, scale: 1)
    let dA_prev = W.T.dot(dZ)
    return (dA_prev, scale * dW, scale * db)
}
