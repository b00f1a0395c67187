/// Per-unit count, mean and centred sum of squares of a batch, or of one part of it, as batch
/// normalization needs them: `μ = (1/m) Σ z`, `σ² = (1/m) Σ (z − μ)²`.
///
/// Parts (thread shards, MPI ranks) each take their own moments and combine them with Chan's
/// parallel formula, `δ = μ_b − μ_a`, `μ = μ_a + δ m_b / m`, `M₂ = M₂,a + M₂,b + δ² m_a m_b / m`,
/// rather than adding `Σ z` and `Σ z²`, which cancel badly when `|μ| ≫ σ`. Combining in a fixed
/// order gives the same numbers on every participant; the result equals one pass over the whole
/// batch to rounding, for any split, even or not. Everything is kept in `Double`.
public struct BatchMoments: Sendable, Hashable {
    /// `m`, the examples summarised.
    public private(set) var count: Int
    /// `μ` per unit.
    public private(set) var mean: [Double]
    /// `M₂ = Σ (z − μ)²` per unit.
    public private(set) var centredSquares: [Double]

    /// The moments of nothing, for `units` units (the identity of ``combine(_:)``).
    public init(units: Int) {
        count = 0
        mean = Array(repeating: 0, count: units)
        centredSquares = Array(repeating: 0, count: units)
    }

    /// Moments from their parts (a participant's received values).
    /// - Precondition: `mean` and `centredSquares` have one entry per unit, and `count ≥ 0`.
    public init(count: Int, mean: [Double], centredSquares: [Double]) {
        precondition(count >= 0 && mean.count == centredSquares.count, "moments need a count ≥ 0 and one mean and M₂ per unit")
        self.count = count
        self.mean = mean
        self.centredSquares = centredSquares
    }

    /// The moments of each row of `Z` over its columns, in two passes (the mean, then the
    /// squares about it), through the C kernels for `Float` and `Double`: the same bits at every
    /// instruction set.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init<Scalar: BackpropScalar>(rowsOf Z: Matrix<Scalar>) {
        let (n, m) = (Z.rows, Z.columns)
        var sums = [Double](repeating: 0, count: n)
        var squares = [Double](repeating: 0, count: n)
        Z.withUnsafeBufferPointer { z in
            sums.withUnsafeMutableBufferPointer { s in
                squares.withUnsafeMutableBufferPointer { q in
                    guard let z = z.baseAddress, let s = s.baseAddress, let q = q.baseAddress else { return }
                    BatchNormPasses.moments(z, rows: n, columns: m, mean: s, squares: q)
                }
            }
        }
        self.init(count: m, mean: sums, centredSquares: squares)
    }

    /// The number of units.
    public var units: Int { mean.count }

    /// `σ² = M₂ / m`, the biased variance batch normalization divides by (0 for no examples).
    public var variance: [Double] { centredSquares.map { count > 0 ? $0 / Double(count) : 0 } }

    /// `M₂ / (m − 1)`, the unbiased variance a running estimate keeps (`nil` for fewer than two
    /// examples).
    public var unbiasedVariance: [Double]? {
        guard count > 1 else { return nil }
        return centredSquares.map { $0 / Double(count - 1) }
    }

    /// Adds another part's moments (Chan's parallel formula).
    /// - Precondition: both have the same number of units.
    public mutating func combine(_ other: BatchMoments) {
        precondition(other.units == units, "moments of \(other.units) units combined with \(units)")
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let (a, b) = (Double(count), Double(other.count))
        let total = a + b
        for i in 0..<units {
            let delta = other.mean[i] - mean[i]
            mean[i] += delta * (b / total)
            centredSquares[i] += other.centredSquares[i] + delta * delta * (a * b / total)
        }
        count += other.count
    }

    /// These moments combined with `other`'s.
    public func combined(with other: BatchMoments) -> BatchMoments {
        var copy = self
        copy.combine(other)
        return copy
    }
}
