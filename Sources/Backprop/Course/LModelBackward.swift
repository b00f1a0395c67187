/// The course's `grads` dictionary, keyed as `L_model_backward` fills it:
///
/// - `"dA0" … "dA{L−1}"`: the gradient at each layer's *input* (`dA0` is with respect to `X`;
///   there is no `"dA{L}"`, the given or computed `dAL` being the caller's own);
/// - `"dW1" … "dWL"` and `"db1" … "dbL"`: the parameter gradients, shaped like `W[l]`, `b[l]`.
///
/// A plain dictionary, so `grads["dW" + String(l)]` reads as the course's
/// `grads["dW" + str(l)]`.
public typealias CourseGradients<Scalar: BackpropScalar> = [String: Matrix<Scalar>]

/// The whole backward pass from the binary cross-entropy of a sigmoid output:
///
///     dAL = −(Y / AL − (1 − Y) / (1 − AL))
///
/// then ``L_model_backward(dAL:_:hidden:output:)``. `dAL` is the per-example `∂L/∂AL` (no
/// 1/m: ``linear_backward(_:_:)`` applies it to `dW`, `db`). Through a sigmoid it becomes
/// `dZ[L] = AL − Y` up to rounding; the formula is the course's, from probabilities, so an
/// `AL` of exactly 0 or 1 gives infinities, as in NumPy.
///
/// Course 1, Week 4, `L_model_backward(AL, Y, caches)`.
///
/// - Parameters:
///   - AL: the output `A[L]` of ``L_model_forward(_:parameters:hidden:output:)``, `(1, m)`
///     (any `(n_L, m)`: each output unit is its own binary label).
///   - Y: the labels, 0 or 1, the shape of `AL`.
///   - caches: the caches from the forward pass, `caches[l − 1]` for layer `l`.
///   - hidden: the activation of layers `1 … L−1` (the course's ReLU).
///   - output: the activation of layer `L` (the course's sigmoid).
/// - Returns: `grads`, keyed `dA0…dA{L−1}`, `dW1…dWL`, `db1…dbL` (see ``CourseGradients``).
public func L_model_backward<T: BackpropScalar>(
    _ AL: Matrix<T>, _ Y: Matrix<T>, _ caches: [LinearActivationCache<T>],
    hidden: Activation = .relu, output: Activation = .sigmoid
) -> CourseGradients<T> {
    precondition(Y.shape == AL.shape, "Y must have the shape of AL \(AL.shape), not \(Y.shape)")
    let dAL = Loss.binaryCrossEntropy.activationGradient(A: AL, Y: Y)
    return L_model_backward(dAL: dAL, caches, hidden: hidden, output: output)
}

/// The whole backward pass from a given gradient `dAL` at the output `A[L]` (any loss's:
/// ``L_model_backward(_:_:_:hidden:output:)`` is this with the cross-entropy's).
///
/// Layer `L` goes back through `output`, layers `L−1 … 1` through `hidden`, each by
/// ``linear_activation_backward(_:_:activation:)``; `dA[l]` feeds layer `l`'s step.
///
/// Course 1, Week 4, `L_model_backward` from the line `dAL = …` on.
///
/// - Returns: `grads`, keyed `dA0…dA{L−1}`, `dW1…dWL`, `db1…dbL` (see ``CourseGradients``).
public func L_model_backward<T: BackpropScalar>(
    dAL: Matrix<T>, _ caches: [LinearActivationCache<T>],
    hidden: Activation = .relu, output: Activation = .sigmoid
) -> CourseGradients<T> {
    let L = caches.count
    precondition(L >= 1, "L_model_backward needs at least one cache")
    var grads: CourseGradients<T> = [:]
    var dA = dAL
    for l in stride(from: L, through: 1, by: -1) {
        let (dA_prev, dW, db) = linear_activation_backward(dA, caches[l - 1], activation: l == L ? output : hidden)
        grads["dA\(l - 1)"] = dA_prev
        grads["dW\(l)"] = dW
        grads["db\(l)"] = db
        dA = dA_prev
    }
    return grads
}
