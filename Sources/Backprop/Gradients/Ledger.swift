/// One layer's page of the backprop ledger, in the course's names and shapes.
public struct LayerLedger<Scalar: BackpropScalar>: Sendable {
    /// `l`, 1-based.
    public let layer: Int
    /// `Z[l] = W[l] A[l−1] + b[l]`, `(n_l, m)`.
    public let Z: Matrix<Scalar>
    /// `A[l] = g[l](Z[l])`, `(n_l, m)`.
    public let A: Matrix<Scalar>
    /// `dZ[l]`, `(n_l, m)`: per-example under ``Convention/deferred``, true `∂J/∂Z` under
    /// ``Convention/absorbed``.
    public let dZ: Matrix<Scalar>
    /// `dA[l−1] = W[l]ᵀ dZ[l]`, `(n_{l−1}, m)`: the gradient handed to the previous layer
    /// (`dA[0]` is the gradient with respect to `X`).
    public let dAPrevious: Matrix<Scalar>
    /// `dW[l] = ∂J/∂W[l]`, `(n_l, n_{l−1})`, including the L2 term when there is one.
    public let dW: Matrix<Scalar>
    /// `db[l] = ∂J/∂b[l]`, `(n_l, 1)`.
    public let db: Matrix<Scalar>
}

/// Everything one forward and backward pass computed: per layer `Z, A, dZ, dA, dW, db`, and the
/// cost. It is how Backprop shows its work, and what the checkers compare a user's derivation
/// against.
public struct Ledger<Scalar: BackpropScalar>: Sendable {
    /// The pages, layer 1 first.
    public let layers: [LayerLedger<Scalar>]
    /// `J = (1/m) Σ L (+ λ/(2m) Σ ‖W‖²)`, in the network's precision.
    public let cost: Scalar
    /// `Σ_i L(a_i, y_i)` (no 1/m, no L2), computed in `Double`.
    public let summedLoss: Double
    /// Where the 1/m went.
    public let convention: Convention
    /// The m divided by: the batch size unless the caller supplied a global one.
    public let normalizer: Int

    /// Layer `l`'s page, 1-based.
    public subscript(layer l: Int) -> LayerLedger<Scalar> { layers[l - 1] }

    /// `[(dW[1], db[1]), …]`, the parameter gradients an optimizer needs.
    public var parameterGradients: [(dW: Matrix<Scalar>, db: Matrix<Scalar>)] {
        layers.map { ($0.dW, $0.db) }
    }
}
