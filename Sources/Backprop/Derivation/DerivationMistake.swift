/// The kind of mistake a wrong line of a derivation makes, as the diagnoser recognises it.
public enum DerivationMistake: String, Sendable, Equatable, CaseIterable {
    /// Too large by a factor m (or m²): the 1/m is missing.
    case oneOverMMissing
    /// Too small by 1/m (or 1/m²): 1/m applied twice, or where the file's convention has none.
    case oneOverMExtra
    /// Off by some other constant factor.
    case constantFactor
    /// The negative of the right value.
    case signFlipped
    /// The transpose of the right value.
    case transposed
    /// A shape that is neither the right one nor a recognisable variant of it.
    case shapeMismatch
    /// `dZ` without the `⊙ g′(Z)` factor (or `dA[L]` used as `dZ[L]`).
    case activationDerivativeMissing
    /// `⊙ g′(Z)` applied twice (e.g. `σ′` multiplied onto `A − Y`).
    case activationDerivativeTwice
    /// The derivative of another activation, or the derivative's formula applied to `Z`.
    case wrongActivationDerivative
    /// `db` summed over the examples' wrong axis (or over all axes).
    case wrongAxis
    /// `np.sum(…, axis=1)` without `keepdims=True`: shape `(n,)` instead of `(n, 1)`.
    case keepdimsMissing
    /// Batch norm: `dZ` without the path through `dσ²` (no `dσ² · 2(Z − μ)/m` term). The
    /// mistake that matters; leaving the `dσ²` term out of `dμ` does not, since it is zero.
    case varianceGradientMissing
    /// Batch norm: `dZ` without the path through `dμ` (no `dμ/m` term).
    case meanGradientMissing
    /// Batch norm: `dZ = dẐ/√(σ²+ε)` alone, as if `μ` and `σ²` did not depend on `Z`.
    case statisticsTreatedAsConstants
    /// Batch norm: the unbiased variance (m − 1) where the biased one (m) is meant.
    case unbiasedVariance
    /// Batch norm: the running mean or variance used in train mode.
    case runningStatistics
    /// Batch norm: `γ` missing (`dZ̃` where `dẐ = γ ⊙ dZ̃` is meant, or `Z̃ = Ẑ + β`).
    case gammaMissing
    /// Batch norm: `√σ²` where `√(σ² + ε)` is meant.
    case epsilonMissing
    /// Batch norm: `Z` used where `Ẑ` or `Z̃` is meant (the normalization skipped).
    case normalizationSkipped
    /// L2 regularization: `dW` without its `(λ/m) W` term.
    case regularizationMissing
    /// Inverted dropout: `A[l]` or `dA[l]` without its mask `D[l]`, or with another layer's.
    case dropoutMaskMissing
    /// Inverted dropout: the mask without `/ keep_prob`, or `* keep_prob` in its place.
    case dropoutScaleMissing
    /// A matrix product whose operands fit only with one of them transposed (or both).
    case transposeMissing
    /// NaN or infinite entries.
    case nonFinite
    /// The line could not be evaluated (undefined name, shapes that do not fit in a product).
    case evaluationError
    /// Wrong in no recognisable way: the report gives the relative error and the worst entry.
    case other
}
