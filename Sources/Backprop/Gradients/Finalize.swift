/// The one place the cost's 1/m and the gradients' 1/m are applied, and the L2 term with them.
///
/// A backward pass produces sums over the examples it saw (scaled by ``Convention/scales(examples:)``'s
/// seed factor only under ``Convention/absorbed``); shards and ranks add those sums; then, once
/// per batch of M examples:
/// - `dθ ← c · dθ` with `c = 1/M` under deferred, `1` under absorbed;
/// - `dW ← dW + (λ/M) W` for each tensor that decays;
/// - `J = (1/M) Σ L + λ/(2M) Σ ‖W‖²`.
extension Convention {
    /// The 1/m for a batch of `M` examples: `seedDivisor` divides `dZ[L]` (M under absorbed,
    /// PyTorch's mean; 1 under deferred), `parameters` multiplies the summed `dW`, `db`
    /// (1/M under deferred, the course's `1/m * np.dot(dZ, A.T)`; 1 under absorbed). Together
    /// they apply 1/M exactly once.
    public func scales<Scalar: BackpropScalar>(examples M: Int) -> (seedDivisor: Scalar, parameters: Scalar) {
        self == .absorbed ? (Scalar(M), 1) : (1, 1 / Scalar(M))
    }
}

extension Gradients {
    /// Turns summed gradients into `∂J/∂θ` for a batch of `M` examples: the convention's factor,
    /// then `(λ/M) W` on the decaying tensors.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func finalize(
        examples M: Int, convention: Convention, l2 lambda: Double, parameters: Parameters<Scalar>
    ) {
        let factors = Self.finalizing(examples: M, convention: convention, l2: lambda)
        let tensors = self.tensors
        slab.withUnsafeMutableBufferPointer { g in
            parameters.slab.withUnsafeBufferPointer { theta in
                for tensor in tensors {
                    Self.finalize(g.slice(tensor.range), theta: theta.slice(tensor.range),
                                  decays: tensor.decays, factors)
                }
            }
        }
    }

    /// The factors ``finalize(examples:convention:l2:parameters:)`` applies for a batch of
    /// `M` examples: `c` (1/M or 1, by the convention) and `λ/M`.
    /// `decay` is `nil` when λ = 0.
    static func finalizing(examples M: Int, convention: Convention, l2 lambda: Double) -> (c: Scalar, decay: Scalar?) {
        precondition(M > 0, "finalize needs a positive example count")
        return (convention.scales(examples: M).parameters, lambda == 0 ? nil : Scalar(lambda) / Scalar(M))
    }

    /// The rule on a run of one tensor's summed gradients `g` and its parameters `theta`:
    /// `g ← c·g`, then `g ← g + (λ/M)·θ` when the tensor decays and λ ≠ 0. Element by element,
    /// so a run cut into pieces (the fused update) gives the same bits as the whole slab.
    @inline(__always)
    static func finalize(
        _ g: UnsafeMutableBufferPointer<Scalar>, theta: UnsafeBufferPointer<Scalar>, decays: Bool,
        _ factors: (c: Scalar, decay: Scalar?)
    ) {
        if factors.c != 1 { scale(g, by: factors.c) }
        if decays, let decay = factors.decay { addScaled(theta, decay, to: g) }
    }

    private static func scale(_ g: UnsafeMutableBufferPointer<Scalar>, by c: Scalar) {
        for i in 0..<g.count { g[i] *= c }
    }

    private static func addScaled(_ w: UnsafeBufferPointer<Scalar>, _ c: Scalar, to g: UnsafeMutableBufferPointer<Scalar>) {
        for i in 0..<g.count { g[i] += c * w[i] }
    }
}

extension Network {
    /// The cost of a batch of `M` examples from its summed loss: `(1/M) Σ L + λ/(2M) Σ ‖W‖²`.
    public func cost(summedLoss: Double, examples M: Int, l2 lambda: Double) -> Double {
        summedLoss / Double(M) + l2Penalty(lambda, examples: M)
    }

    /// The L2 term of the cost, `λ/(2m) Σ ‖W‖²_F` over the decaying tensors (0 when λ = 0).
    public func l2Penalty(_ lambda: Double, examples m: Int) -> Double {
        lambda == 0 ? 0 : lambda / (2 * Double(m)) * parameters.decayingSquaredNorm()
    }
}
