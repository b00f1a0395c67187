/// Where the `1/m` of the cost `J = (1/m) Σ L` enters the backward pass.
///
/// | quantity | ``deferred`` (the course's code) | ``absorbed`` (PyTorch's `reduction='mean'`) |
/// |---|---|---|
/// | `dZ[L]` | `A[L] − Y` | `(A[L] − Y) / m` |
/// | `dW[l]` | `(1/m) dZ[l] A[l−1]ᵀ` | `dZ[l] A[l−1]ᵀ` |
/// | `db[l]` | `(1/m) Σ_columns dZ[l]` | `Σ_columns dZ[l]` |
/// | `dA[l−1]` | `W[l]ᵀ dZ[l]` | `W[l]ᵀ dZ[l]` (carries the 1/m) |
///
/// Under deferred, `dZ` and `dA` are per-example derivatives (m times `∂J/∂Z`); under absorbed
/// they are the true `∂J/∂Z`. `dW` and `db` are the same either way (exactly so when m is a
/// power of two; otherwise up to rounding). Using 1/m in *both* places, or in neither, is the
/// classic bug.
public enum Convention: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// `dZ[L] = A − Y`; each `dW`, `db` takes the 1/m.
    case deferred
    /// `dZ[L] = (A − Y)/m`; the 1/m flows down through every `dZ`, `dA`, and no `dW`, `db` takes
    /// another.
    case absorbed

    public var description: String { rawValue }
}
