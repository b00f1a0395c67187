/// What ``linear_activation_forward(_:_:_:activation:)`` keeps for
/// ``linear_activation_backward(_:_:activation:)``: the course's
/// `cache = (linear_cache, activation_cache)`, with `activation_cache = Z`.
///
/// The activation `A = g(Z)` is not kept, as in the course: the backward step recomputes it
/// from `Z` (the course's `sigmoid_backward` does the same), so a cache can be built from
/// given `A_prev, W, b, Z` alone.
///
/// Course 1, Week 4, the `cache` returned by `linear_activation_forward`.
public struct LinearActivationCache<Scalar: BackpropScalar>: Sendable, Equatable {
    /// `(A_prev, W, b)`.
    public var linear_cache: LinearCache<Scalar>
    /// `Z[l] = W[l] A[l−1] + b[l]`, `(n_l, m)`.
    public var activation_cache: Matrix<Scalar>

    /// A cache from its two parts.
    ///
    /// - Precondition: `activation_cache` is `(W.rows, A_prev.columns)`.
    public init(linear_cache: LinearCache<Scalar>, activation_cache: Matrix<Scalar>) {
        let expected = Shape(linear_cache.W.rows, linear_cache.A_prev.columns)
        precondition(activation_cache.shape == expected,
            "Z must be \(expected) for W \(linear_cache.W.shape) and A_prev \(linear_cache.A_prev.shape), not \(activation_cache.shape)")
        self.linear_cache = linear_cache
        self.activation_cache = activation_cache
    }

    /// A cache from given values: `((A_prev, W, b), Z)` as the course's test cases build it.
    /// `Z` need not equal `W A_prev + b` (the course's `linear_activation_backward_test_case`
    /// draws it at random); the backward step uses it as given.
    public init(A_prev: Matrix<Scalar>, W: Matrix<Scalar>, b: Matrix<Scalar>, Z: Matrix<Scalar>) {
        self.init(linear_cache: LinearCache(A_prev: A_prev, W: W, b: b), activation_cache: Z)
    }

    /// `A[l−1]`, the layer's input.
    public var A_prev: Matrix<Scalar> { linear_cache.A_prev }
    /// `W[l]`.
    public var W: Matrix<Scalar> { linear_cache.W }
    /// `b[l]`.
    public var b: Matrix<Scalar> { linear_cache.b }
    /// `Z[l]`, the activation cache.
    public var Z: Matrix<Scalar> { activation_cache }

    /// The caches ``L_model_forward(_:parameters:hidden:output:)`` would return, built from a
    /// forward pass's own lists (as a `ForwardCache` holds them): cache `l` is
    /// `((A[l−1], W[l], b[l]), Z[l])`.
    ///
    /// - Parameters:
    ///   - A: `A[0] = X, A[1], …`: at least `L` activations (an `A[L]` after them is ignored).
    ///   - Z: `Z[1] … Z[L]`.
    ///   - parameters: `W[1], b[1] … W[L], b[L]`.
    /// - Precondition: `Z` has `L` matrices and `A` at least `L`, with fitting shapes.
    public static func caches(
        A: [Matrix<Scalar>], Z: [Matrix<Scalar>], parameters: CourseParameters<Scalar>
    ) -> [LinearActivationCache] {
        let L = parameters.L
        precondition(Z.count == L && (A.count == L || A.count == L + 1),
            "\(L) layers need Z[1…\(L)] and A[0…\(L - 1)] (or A[0…\(L)]), not \(Z.count) Z and \(A.count) A")
        return stride(from: 1, through: L, by: 1).map { l in
            LinearActivationCache(A_prev: A[l - 1], W: parameters.W(l), b: parameters.b(l), Z: Z[l - 1])
        }
    }
}

/// One layer's forward step, linear then activation: `Z = W A_prev + b`, `A = g(Z)`.
///
/// Course 1, Week 4, `linear_activation_forward(A_prev, W, b, activation)`, where the course's
/// `activation` is `"sigmoid"` or `"relu"`; here any ``Activation``.
///
/// - Returns: `A = g(Z)`, `(n_l, m)`, and the cache `((A_prev, W, b), Z)`.
public func linear_activation_forward<T: BackpropScalar>(
    _ A_prev: Matrix<T>, _ W: Matrix<T>, _ b: Matrix<T>, activation: Activation
) -> (A: Matrix<T>, cache: LinearActivationCache<T>) {
    let (Z, linear_cache) = linear_forward(A_prev, W, b)
    let A = activation.forward(Z)
    return (A, LinearActivationCache(linear_cache: linear_cache, activation_cache: Z))
}
