/// What the forward pass keeps for the backward pass: `A[0] = X`, and `Z[l]`, `A[l]` for every
/// layer. Indices are the course's, 1-based: ``Z(_:)`` and ``A(_:)``.
public struct ForwardCache<Scalar: BackpropScalar>: Sendable {
    /// `Z[1] … Z[L]`, stored at indices `0 … L−1`.
    public internal(set) var preActivations: [Matrix<Scalar>]
    /// `A[0] … A[L]`, with `A[0] = X` (after dropout where a mask was applied: what the next
    /// layer sees).
    public internal(set) var activations: [Matrix<Scalar>]
    /// The dropout masks used, if any.
    public internal(set) var dropout: DropoutMasks<Scalar>?
    /// `g(Z[l])` before dropout, kept only for layers with a mask (the derivative needs it).
    var undropped: [Int: Matrix<Scalar>] = [:]

    /// `Z[l]` for `1 ≤ l ≤ L`.
    public func Z(_ l: Int) -> Matrix<Scalar> { preActivations[l - 1] }
    /// `A[l]` for `0 ≤ l ≤ L` (`A[0]` is `X`).
    public func A(_ l: Int) -> Matrix<Scalar> { activations[l] }
    /// `A[L]`, the network's output (probabilities for sigmoid and softmax).
    public var output: Matrix<Scalar> { activations[activations.count - 1] }
    /// `m`, the number of examples.
    public var exampleCount: Int { activations[0].columns }
}
