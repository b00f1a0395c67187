/// The whole forward pass: `L − 1` layers of `[LINEAR → hidden]`, then `[LINEAR → output]`.
///
/// Course 1, Week 4, `L_model_forward(X, parameters)`, whose layers are
/// `[LINEAR → RELU] × (L−1) → LINEAR → SIGMOID`; those are the defaults here.
///
/// - Parameters:
///   - X: the inputs, `(n_x, m)`, one example per column.
///   - parameters: `W1, b1, …, WL, bL`.
///   - hidden: the activation of layers `1 … L−1` (the course's ReLU).
///   - output: the activation of layer `L` (the course's sigmoid).
/// - Precondition: at least one layer.
/// - Returns: `AL = A[L]`, `(n_L, m)`, and the `L` caches, `caches[l − 1]` for layer `l`.
public func L_model_forward<T: BackpropScalar>(
    _ X: Matrix<T>, parameters: CourseParameters<T>,
    hidden: Activation = .relu, output: Activation = .sigmoid
) -> (AL: Matrix<T>, caches: [LinearActivationCache<T>]) {
    let L = parameters.L
    precondition(L >= 1, "L_model_forward needs at least one layer of parameters")
    var caches: [LinearActivationCache<T>] = []
    var A = X
    for l in 1..<L {
        let (next, cache) = linear_activation_forward(A, parameters.W(l), parameters.b(l), activation: hidden)
        caches.append(cache)
        A = next
    }
    let (AL, cache) = linear_activation_forward(A, parameters.W(L), parameters.b(L), activation: output)
    caches.append(cache)
    return (AL, caches)
}
