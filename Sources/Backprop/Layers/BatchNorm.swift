/// Batch normalization of each unit's pre-activation over the batch, then the activation
/// (the course's C2W3 placement: between a dense layer's `Z` and its `g`), with PyTorch
/// `BatchNorm1d` semantics.
///
/// Forward, per unit, over the m examples of the batch:
/// `μ = (1/m) Σ Z`, `σ² = (1/m) Σ (Z − μ)²` (biased), `Ẑ = (Z − μ)/√(σ² + ε)`, `Z̃ = γ ⊙ Ẑ + β`,
/// `A = g(Z̃)`. Inference uses the running estimates instead of `μ`, `σ²`.
///
/// Backward, with `dZ̃ = dA ⊙ g′(Z̃)` (or from the loss): `dβ = Σ dZ̃`, `dγ = Σ dZ̃ ⊙ Ẑ`,
/// `dẐ = γ ⊙ dZ̃`, and the compact three-term form
/// `dZ = (1/(m √(σ²+ε))) (m dẐ − Σ dẐ − Ẑ ⊙ Σ (dẐ ⊙ Ẑ))`, the step-by-step chain through
/// `dσ² = −½ (σ²+ε)^(−3/2) Σ dẐ ⊙ (Z − μ)` and `dμ = −Σ dẐ / √(σ²+ε) + dσ² · (−2/m) Σ (Z − μ)`
/// (whose second term is zero, since `Σ (Z − μ) = 0`) collapsed. The 1/m inside comes from `μ`
/// and `σ²` themselves: it is there under either loss convention, and under
/// ``Convention/absorbed`` `dZ̃` also carries the loss's 1/m.
///
/// State (not trained, saved with the parameters under PyTorch's names): `running_mean` and
/// `running_var` (the unbiased variance `m/(m−1) σ²`), updated after each training step with
/// `momentum` (`x̂ ← (1 − momentum) x̂ + momentum x`; `nil` for the cumulative average), and
/// `num_batches_tracked`.
public struct BatchNorm: BatchStatisticsLayer {
    public static let kind = "batch_norm"

    /// The number of units normalized (features in and out).
    public let units: Int
    /// The activation after the normalization, `nil` for none.
    public var activation: Activation?
    /// ε, added to the variance (PyTorch's `eps`, 1e-5).
    public let epsilon: Double
    /// The running estimates' update factor (PyTorch's 0.1); `nil` for a cumulative average.
    public let momentum: Double?

    /// Batch normalization of `units` units followed by `activation`.
    /// - Precondition: `units > 0`, `epsilon > 0`, `momentum` in `[0, 1]`.
    public init(units: Int, activation: Activation? = nil, epsilon: Double = 1e-5, momentum: Double? = 0.1) {
        precondition(Self.problem(units: units, epsilon: epsilon, momentum: momentum) == nil,
                     Self.problem(units: units, epsilon: epsilon, momentum: momentum) ?? "")
        self.units = units
        self.activation = activation
        self.epsilon = epsilon
        self.momentum = momentum
    }

    private static func problem(units: Int, epsilon: Double, momentum: Double?) -> String? {
        if units <= 0 { return "batch norm needs at least one unit, not \(units)" }
        if !(epsilon > 0) || !epsilon.isFinite { return "batch norm's epsilon must be positive and finite, not \(epsilon)" }
        if let momentum, !(0...1).contains(momentum) { return "batch norm's momentum must be in [0, 1], not \(momentum)" }
        return nil
    }

    private enum CodingKeys: String, CodingKey { case units, activation, epsilon, momentum }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let units = try container.decode(Int.self, forKey: .units)
        let activation = try container.decodeIfPresent(Activation.self, forKey: .activation)
        let epsilon = try container.decode(Double.self, forKey: .epsilon)
        let momentum = try container.decodeIfPresent(Double.self, forKey: .momentum)
        if let problem = Self.problem(units: units, epsilon: epsilon, momentum: momentum) {
            throw BackpropError.invalidArgument(problem)
        }
        self.init(units: units, activation: activation, epsilon: epsilon, momentum: momentum)
    }

    public var inputSize: Int { units }
    public var outputSize: Int { units }
    /// `g` (identity when there is none).
    public var g: Activation { activation ?? .identity }

    public var description: String { "batch norm \(units)" + (activation.map { " \($0)" } ?? "") }

    public var parameterSpecs: [ParameterSpec] {
        let vector = Shape(units, 1)
        return [
            ParameterSpec(name: "weight", symbol: "γ", shape: vector, decays: false, isVector: true),
            ParameterSpec(name: "bias", symbol: "β", shape: vector, decays: false, isVector: true),
            .state(name: "running_mean", symbol: "μ_running", shape: vector),
            .state(name: "running_var", symbol: "σ²_running", shape: vector),
            .count(name: "num_batches_tracked", symbol: "batches_tracked"),
        ]
    }

    /// `Z̃` first (the pre-activation a loss fuses with), then `μ`, `σ²`, `Ẑ`.
    public var savedNames: [String] { ["Z̃", "μ", "σ²", "Ẑ"] }
    public func savedShapes(examples m: Int) -> [Shape] {
        [Shape(units, m), Shape(units, 1), Shape(units, 1), Shape(units, m)]
    }
    public var gradientNames: [String] { ["dZ̃", "dẐ", "dσ²", "dμ"] }
    public func gradientShapes(examples m: Int) -> [Shape] {
        [Shape(units, m), Shape(units, m), Shape(units, 1), Shape(units, 1)]
    }

    public var pyTorchModules: [String] {
        var options = ""
        if epsilon != 1e-5 { options += ", eps=\(epsilon)" }
        if momentum != 0.1 { options += ", momentum=\(momentum.map { "\($0)" } ?? "None")" }
        let norm = "BatchNorm1d(\(units)\(options))"
        return activation.map { [norm, $0.pyTorchModule] } ?? [norm]
    }

    /// `γ = 1`, `β = 0`, `running_mean = 0`, `running_var = 1`, `num_batches_tracked = 0`.
    public func initialize<Scalar: BackpropScalar>(
        _ parameters: MutableParameterViews<Scalar>, with initializer: Initializer,
        using generator: inout SeededGenerator
    ) {
        parameters[0].buffer.update(repeating: 1)
        parameters[1].buffer.update(repeating: 0)
        parameters[2].buffer.update(repeating: 0)
        parameters[3].buffer.update(repeating: 1)
        parameters[4].buffer.update(repeating: 0)
    }

    // MARK: Forward

    /// Training: the batch's own statistics; inference: the running estimates.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        switch mode {
        case .training:
            forward(input, batch: moments(of: input), parameters: parameters, saved: &saved, output: &output)
        case .inference:
            let (mean, variance) = running(parameters)
            normalize(input, mean: mean, variance: variance, parameters: parameters, saved: &saved, output: &output)
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func moments<Scalar: BackpropScalar>(of input: Matrix<Scalar>) -> BatchMoments {
        BatchMoments(rowsOf: input)
    }

    /// `Ẑ`, `Z̃ = γ Ẑ + β` and `A = g(Z̃)` with the whole batch's `μ` and `σ²`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, batch moments: BatchMoments, parameters: ParameterViews<Scalar>,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        normalize(input, mean: moments.mean, variance: moments.variance, parameters: parameters, saved: &saved, output: &output)
    }

    /// Inference in one buffer: `g(γ (Z − μ̂)/√(σ̂² + ε) + β)` with the running estimates.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>) -> Matrix<Scalar> {
        var output = Matrix<Scalar>(uninitializedRows: units, columns: input.columns)
        infer(input, parameters: parameters, into: &output)
        return output
    }

    /// The same into `output`, whose storage is reused when its shape fits.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, into output: inout Matrix<Scalar>) {
        let (mean, variance) = running(parameters)
        output.prepareOutput(rows: units, columns: input.columns)
        output.withUnsafeMutableBufferPointer { out in
            normalize(input, mean: mean, variance: variance, parameters: parameters, normalized: nil, into: out)
        }
        g.forward(inPlace: &output)
    }

    private func running<Scalar: BackpropScalar>(_ parameters: ParameterViews<Scalar>) -> (mean: [Double], variance: [Double]) {
        ((0..<units).map { Double(parameters[2][$0, 0]) }, (0..<units).map { Double(parameters[3][$0, 0]) })
    }

    /// `1/√(σ² + ε)` per unit, in `Double`.
    private func inverseDeviations(_ variance: [Double]) -> [Double] {
        variance.map { 1 / ($0 + epsilon).squareRoot() }
    }

    /// `Ẑ` into `saved[3]`, `Z̃` into `saved[0]`, `μ`, `σ²` into `saved[1]`, `saved[2]`, then
    /// `A = g(Z̃)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func normalize<Scalar: BackpropScalar>(
        _ Z: Matrix<Scalar>, mean: [Double], variance: [Double], parameters: ParameterViews<Scalar>,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        var (shifted, hat) = (Matrix<Scalar>(rows: 0, columns: 0), Matrix<Scalar>(rows: 0, columns: 0))
        swap(&shifted, &saved[0])
        swap(&hat, &saved[3])
        shifted.withUnsafeMutableBufferPointer { out in
            hat.withUnsafeMutableBufferPointer { h in
                normalize(Z, mean: mean, variance: variance, parameters: parameters, normalized: h, into: out)
            }
        }
        for i in 0..<units {
            saved[1][i, 0] = Scalar(mean[i])
            saved[2][i, 0] = Scalar(variance[i])
        }
        g.forward(shifted, into: &output)
        swap(&shifted, &saved[0])
        swap(&hat, &saved[3])
    }

    /// `Ẑ = (Z − μ) s` (into `normalized` when given) and `Z̃ = γ Ẑ + β` into `shifted`, with
    /// `s = 1/√(σ² + ε)`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private func normalize<Scalar: BackpropScalar>(
        _ Z: Matrix<Scalar>, mean: [Double], variance: [Double], parameters: ParameterViews<Scalar>,
        normalized hat: UnsafeMutableBufferPointer<Scalar>?, into out: UnsafeMutableBufferPointer<Scalar>
    ) {
        let n = units
        let m = Z.columns
        let mu = mean.map { Scalar($0) }
        let s = inverseDeviations(variance).map { Scalar($0) }
        let gamma = parameters[0].buffer
        let beta = parameters[1].buffer
        Z.withUnsafeBufferPointer { z in
            mu.withUnsafeBufferPointer { mu in
                s.withUnsafeBufferPointer { s in
                    guard let z = z.baseAddress, let out = out.baseAddress, let mu = mu.baseAddress, let s = s.baseAddress,
                          let gamma = gamma.baseAddress, let beta = beta.baseAddress else { return }
                    BatchNormPasses.normalize(z, rows: n, columns: m, mean: mu, scale: s, gamma: gamma, beta: beta,
                                              hat: hat?.baseAddress, out: out)
                }
            }
        }
    }

    // MARK: Backward

    /// Both halves back to back (one part holds the whole batch).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?
    ) {
        let sums = backwardSums(
            seed, input: input, output: output, saved: saved, parameters: parameters,
            gradients: &gradients, parameterGradients: parameterGradients)
        backward(
            sums: sums, batch: moments(of: input), input: input, saved: saved, parameters: parameters,
            gradients: &gradients, inputGradient: &inputGradient)
    }

    /// `dZ̃` (from the loss or `dA ⊙ g′(Z̃)`), then this part's `dβ = Σ dZ̃` and
    /// `dγ = Σ dZ̃ ⊙ Ẑ`; returns `[Σ dZ̃ …, Σ dZ̃ ⊙ Ẑ …]` (in `Double`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardSums<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>
    ) -> [Double] {
        let shifted = saved[0]
        seed.preActivationGradient(through: g, Z: shifted, A: output, into: &gradients[0])
        let n = units
        var sums = [Double](repeating: 0, count: 2 * n)
        let shiftedGradient = gradients[0]
        shiftedGradient.withUnsafeBufferPointer { d in
            saved[3].withUnsafeBufferPointer { hat in
                sums.withUnsafeMutableBufferPointer { s in
                    guard let d = d.baseAddress, let hat = hat.baseAddress, let s = s.baseAddress else { return }
                    BatchNormPasses.sums(d, hat: hat, rows: n, columns: shiftedGradient.count / Swift.max(n, 1), into: s)
                }
            }
        }
        for i in 0..<n {
            parameterGradients[0][i, 0] = Scalar(sums[n + i])  // dγ
            parameterGradients[1][i, 0] = Scalar(sums[i])      // dβ
        }
        // The running state is not trained: its gradient is zero.
        for t in 2..<5 { parameterGradients[t].buffer.update(repeating: 0) }
        return sums
    }

    /// `dẐ = γ dZ̃`, `dσ²`, `dμ` and the compact `dZ = s dẐ − (s γ Σ dZ̃)/m − Ẑ (s γ Σ dZ̃ ⊙ Ẑ)/m`
    /// with `s = 1/√(σ² + ε)`, the sums and m over the whole batch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward<Scalar: BackpropScalar>(
        sums: [Double], batch moments: BatchMoments, input: Matrix<Scalar>, saved: [Matrix<Scalar>],
        parameters: ParameterViews<Scalar>, gradients: inout [Matrix<Scalar>], inputGradient: inout Matrix<Scalar>?
    ) {
        let n = units
        let M = Double(moments.count)
        let s = inverseDeviations(moments.variance)
        let gamma = (0..<n).map { Double(parameters[0][$0, 0]) }
        // Σ dẐ = γ Σ dZ̃ and Σ dẐ ⊙ Ẑ = γ Σ dZ̃ ⊙ Ẑ, over the whole batch.
        let sumHat = (0..<n).map { gamma[$0] * sums[$0] }
        let sumHatNormalized = (0..<n).map { gamma[$0] * sums[n + $0] }
        for i in 0..<n {
            // dσ² = −½ s³ Σ dẐ (Z − μ) = −½ s² Σ dẐ Ẑ; dμ = −s Σ dẐ (+ dσ² · (−2/m) Σ (Z − μ) = 0).
            gradients[2][i, 0] = Scalar(-0.5 * s[i] * s[i] * sumHatNormalized[i])
            gradients[3][i, 0] = Scalar(-s[i] * sumHat[i])
        }
        let gammaScalar = gamma.map { Scalar($0) }
        let a = s.map { Scalar($0) }
        let c = (0..<n).map { Scalar(s[$0] * sumHat[$0] / M) }
        let e = (0..<n).map { Scalar(s[$0] * sumHatNormalized[$0] / M) }
        let shiftedGradient = gradients[0]
        let columns = shiftedGradient.count / Swift.max(n, 1)
        shiftedGradient.withUnsafeBufferPointer { dShifted in
            saved[3].withUnsafeBufferPointer { hat in
                gradients[1].withUnsafeMutableBufferPointer { dHat in
                    gammaScalar.withUnsafeBufferPointer { gamma in
                        a.withUnsafeBufferPointer { a in
                            c.withUnsafeBufferPointer { c in
                                e.withUnsafeBufferPointer { e in
                                    guard let dShifted = dShifted.baseAddress, let hat = hat.baseAddress, let dHat = dHat.baseAddress,
                                          let gamma = gamma.baseAddress, let a = a.baseAddress, let c = c.baseAddress,
                                          let e = e.baseAddress else { return }
                                    func run(_ dZ: UnsafeMutablePointer<Scalar>?) {
                                        BatchNormPasses.backward(dShifted, hat: hat, rows: n, columns: columns, gamma: gamma,
                                                                 a: a, c: c, e: e, dHat: dHat, dZ: dZ)
                                    }
                                    if inputGradient != nil {
                                        inputGradient!.withUnsafeMutableBufferPointer { run($0.baseAddress) }
                                    } else {
                                        run(nil)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: Running state

    /// `μ̂ ← (1 − f) μ̂ + f μ`, `σ̂² ← (1 − f) σ̂² + f m/(m−1) σ²`, one more batch tracked, with
    /// `f` the momentum (or `1/batches` for the cumulative average).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func updateState<Scalar: BackpropScalar>(batch moments: BatchMoments, state: MutableParameterViews<Scalar>) {
        guard let unbiased = moments.unbiasedVariance else { return }
        let tracked = Double(state[4][0, 0]) + 1
        state[4][0, 0] = Scalar(tracked)
        let f = momentum ?? 1 / tracked
        for i in 0..<units {
            state[2][i, 0] = Scalar((1 - f) * Double(state[2][i, 0]) + f * moments.mean[i])
            state[3][i, 0] = Scalar((1 - f) * Double(state[3][i, 0]) + f * unbiased[i])
        }
    }
}
