/// One layer's backward step, activation then linear: `dZ = dA ⊙ g′(Z)`, then
/// ``linear_backward(_:_:)``.
///
/// `g′` is evaluated at the cached `Z`, with `A = g(Z)` recomputed from it as the course's
/// `sigmoid_backward` does (softmax, which is not elementwise, uses its Jacobian–vector product;
/// see ``Activation/backward(_:Z:A:)``).
///
/// Course 1, Week 4, `linear_activation_backward(dA, cache, activation)`, with
/// `relu_backward` / `sigmoid_backward` for the `dZ` step.
///
/// - Parameters:
///   - dA: the gradient at this layer's output `A[l]`, `(n_l, m)`.
///   - cache: `((A_prev, W, b), Z)` from ``linear_activation_forward(_:_:_:activation:)``.
///   - activation: the layer's `g`, the one its forward step used.
/// - Returns: `dA_prev`, `dW`, `db`, as ``linear_backward(_:_:)``.
public func linear_activation_backward<T: BackpropScalar>(
    _ dA: Matrix<T>, _ cache: LinearActivationCache<T>, activation: Activation
) -> (dA_prev: Matrix<T>, dW: Matrix<T>, db: Matrix<T>) {
    let Z = cache.activation_cache
    let dZ = activation.backward(dA, Z: Z, A: activation.forward(Z))
    return linear_backward(dZ, cache.linear_cache)
}
