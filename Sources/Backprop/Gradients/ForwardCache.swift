/// What the forward pass keeps for the backward pass: `A[0] = X`, and each layer's output and
/// saved tensors (`Z[l]`, `A[l]` for a dense layer). Indices are the course's, 1-based:
/// ``Z(_:)`` and ``A(_:)``.
///
/// It is the forward half of the same buffers the backward pass fills and training reuses.
public struct ForwardCache<Scalar: BackpropScalar>: Sendable {
    var pass: Pass<Scalar>

    init(pass: Pass<Scalar>) { self.pass = pass }

    /// A cache from given values, for a dense network: `X = A[0]`, `Z[1…L]` and `A[1…L]` (the
    /// course's `caches`), so a backward pass can start from a learner's own forward pass.
    /// - Throws: when the counts or shapes do not fit `network`.
    public init(network: Network<Scalar>, X: Matrix<Scalar>, Z: [Matrix<Scalar>], A: [Matrix<Scalar>]) throws {
        guard network.isDense else { throw BackpropError.invalidArgument("a cache from Z and A needs a dense network") }
        guard Z.count == network.depth, A.count == network.depth else {
            throw BackpropError.invalidArgument("a cache needs Z[1…\(network.depth)] and A[1…\(network.depth)], got \(Z.count) and \(A.count)")
        }
        try network.checkInput(X)
        var pass = Pass(network: network, examples: X.columns, inputGradient: true)
        pass.X = X
        for l in 1...network.depth {
            let expected = Shape(network.layers[l - 1].outputSize, X.columns)
            guard Z[l - 1].shape == expected, A[l - 1].shape == expected else {
                throw BackpropError.shapeMismatch(operation: "Z\(l), A\(l) in a cache (expected \(expected))", left: Z[l - 1].shape, right: A[l - 1].shape)
            }
            pass.layers[l - 1].saved[0] = Z[l - 1]
            pass.layers[l - 1].output = A[l - 1]
        }
        self.pass = pass
    }

    /// `Z[l]` for `1 ≤ l ≤ L`: the first tensor layer `l` saves (its pre-activation).
    public func Z(_ l: Int) -> Matrix<Scalar> { pass.layers[l - 1].saved[0] }
    /// `A[l]` for `0 ≤ l ≤ L` (`A[0]` is `X`).
    public func A(_ l: Int) -> Matrix<Scalar> { l == 0 ? pass.X : pass.layers[l - 1].output }
    /// `Z[1] … Z[L]`.
    public var preActivations: [Matrix<Scalar>] { pass.layers.map { $0.saved.first ?? $0.output } }
    /// `A[0] … A[L]`, with `A[0] = X` (after dropout where a mask was applied: what the next
    /// layer sees).
    public var activations: [Matrix<Scalar>] { [pass.X] + pass.layers.map(\.output) }
    /// The dropout masks used, if any.
    public var dropout: DropoutMasks<Scalar>? { pass.dropout }
    /// `A[L]`, the network's output (probabilities for sigmoid and softmax).
    public var output: Matrix<Scalar> { pass.output }
    /// `m`, the number of examples.
    public var exampleCount: Int { pass.examples }
}
