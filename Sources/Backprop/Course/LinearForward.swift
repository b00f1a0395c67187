/// What ``linear_forward(_:_:_:)`` keeps for ``linear_backward(_:_:)``: the course's
/// `linear_cache = (A, W, b)`.
///
/// Course 1, Week 4, the `cache` returned by `linear_forward`.
public struct LinearCache<Scalar: BackpropScalar>: Sendable, Equatable {
    /// `A[l−1]`, `(n_{l−1}, m)`: the layer's input (the course's `A`, unpacked as `A_prev`).
    public var A_prev: Matrix<Scalar>
    /// `W[l]`, `(n_l, n_{l−1})`.
    public var W: Matrix<Scalar>
    /// `b[l]`, `(n_l, 1)`.
    public var b: Matrix<Scalar>

    /// A cache from given values (a learner's own, or the course's test cases).
    ///
    /// - Precondition: `W` is `(n_l, A_prev.rows)` and `b` is `(n_l, 1)`.
    public init(A_prev: Matrix<Scalar>, W: Matrix<Scalar>, b: Matrix<Scalar>) {
        precondition(W.columns == A_prev.rows,
            "shape mismatch in linear_forward: W \(W.shape) cannot multiply A_prev \(A_prev.shape)")
        precondition(b.shape == Shape(W.rows, 1),
            "b must be (\(W.rows), 1) for W of shape \(W.shape), not \(b.shape)")
        self.A_prev = A_prev
        self.W = W
        self.b = b
    }
}

/// The linear part of a layer's forward step: `Z = W A + b`, `b` broadcast over the `m` columns.
///
/// Course 1, Week 4, `linear_forward(A, W, b)`: `Z = np.dot(W, A) + b`, `cache = (A, W, b)`.
///
/// - Parameters:
///   - A: activations from the previous layer (or `X`), `(n_{l−1}, m)`.
///   - W: weights, `(n_l, n_{l−1})`.
///   - b: bias, `(n_l, 1)`.
/// - Returns: `Z`, `(n_l, m)`, and the cache `(A, W, b)` for the backward step.
public func linear_forward<T: BackpropScalar>(
    _ A: Matrix<T>, _ W: Matrix<T>, _ b: Matrix<T>
) -> (Z: Matrix<T>, cache: LinearCache<T>) {
    let cache = LinearCache(A_prev: A, W: W, b: b)
    // The dense layer's own kernel (bias laid down, then one GEMM).
    let Z = DenseLayer(kind: Dense(inputSize: W.columns, outputSize: W.rows, activation: .identity), W: W, b: b).linear(A)
    return (Z, cache)
}
