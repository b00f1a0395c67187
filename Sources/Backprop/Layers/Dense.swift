/// A fully connected layer with its activation: `Z = W A_prev + b`, `A = g(Z)` forward;
/// `dZ = dA ⊙ g′(Z)`, `dW = dZ A_prevᵀ`, `db = Σ_columns dZ`, `dA_prev = Wᵀ dZ` backward.
///
/// `W` is `(n_l, n_{l−1})`, the layout of PyTorch's `nn.Linear.weight` `(out, in)`; `b` is
/// `(n_l, 1)` and broadcasts across the m example columns. The layer keeps its activation, so
/// its ledger page is the course's `Z, A, dZ, dA_prev, dW, db`. The gradients written here carry
/// whatever factor the seed carries: the 1/m is the convention's business
/// (``Convention/scales(examples:)``), applied once per batch.
public struct Dense: Layer {
    public static let kind = "dense"

    /// `n_{l−1}`.
    public let inputSize: Int
    /// `n_l`.
    public let outputSize: Int
    /// `g[l]`; `nil` for none (a linear layer whose `A` is its `Z`, as before batch norm).
    public var activation: Activation?
    /// Whether the layer has a bias `b` (a dense layer before batch norm need not).
    public let hasBias: Bool

    /// A dense layer from `inputSize` features to `outputSize` units; `activation: nil` makes a
    /// linear layer (PyTorch's bare `nn.Linear`, e.g. before ``BatchNorm``).
    public init(inputSize: Int, outputSize: Int, activation: Activation?, hasBias: Bool = true) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.activation = activation
        self.hasBias = hasBias
    }

    /// `g[l]` (identity for a linear layer).
    public var g: Activation { activation ?? .identity }

    public var description: String {
        "dense \(inputSize)→\(outputSize)" + (activation.map { " \($0)" } ?? " linear") + (hasBias ? "" : " no bias")
    }

    public var parameterSpecs: [ParameterSpec] {
        let weight = ParameterSpec(name: "weight", symbol: "W", shape: Shape(outputSize, inputSize), decays: true)
        guard hasBias else { return [weight] }
        return [weight, ParameterSpec(name: "bias", symbol: "b", shape: Shape(outputSize, 1), decays: false, isVector: true)]
    }

    public var savedNames: [String] { ["Z"] }
    public func savedShapes(examples m: Int) -> [Shape] { [Shape(outputSize, m)] }
    public var gradientNames: [String] { ["dZ"] }
    public func gradientShapes(examples m: Int) -> [Shape] { [Shape(outputSize, m)] }

    public var pyTorchModules: [String] {
        let linear = "Linear(\(inputSize), \(outputSize)\(hasBias ? "" : ", bias=False"))"
        return activation.map { [linear, $0.pyTorchModule] } ?? [linear]
    }

    public func initialize<Scalar: BackpropScalar>(
        _ parameters: MutableParameterViews<Scalar>, with initializer: Initializer,
        using generator: inout SeededGenerator
    ) {
        let W: Matrix<Scalar> = initializer.weights(fanIn: inputSize, fanOut: outputSize, using: &generator)
        W.withUnsafeBufferPointer { _ = parameters[0].buffer.update(fromContentsOf: $0) }
        if hasBias { parameters[1].buffer.update(repeating: 0) }
    }

    /// `Z = W A_prev + b` into `saved[0]`, `A = g(Z)` into `output`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        linear(input, W: parameters[0], b: hasBias ? parameters[1] : nil, into: &saved[0])
        g.forward(saved[0], into: &output)
    }

    /// `g(W A_prev + b)` in one buffer: `Z` becomes `A` in place (inference keeps no `Z`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>) -> Matrix<Scalar> {
        var Z = Matrix<Scalar>(uninitializedRows: outputSize, columns: input.columns)
        infer(input, parameters: parameters, into: &Z)
        return Z
    }

    /// `g(W A_prev + b)` into `output`, whose storage is reused when its shape fits.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, into output: inout Matrix<Scalar>) {
        output.prepareOutput(rows: outputSize, columns: input.columns)
        // `linear` writes every element (the bias, or zeros) before the product adds onto it.
        linear(input, W: parameters[0], b: hasBias ? parameters[1] : nil, into: &output)
        g.forward(inPlace: &output)
    }

    /// `Z = W A_prev + b`: the bias is laid down first and the GEMM adds onto it (`β = 1`), so no
    /// extra pass is needed.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func linear<Scalar: BackpropScalar>(
        _ previous: Matrix<Scalar>, W: TensorView<Scalar>, b: TensorView<Scalar>?, into Z: inout Matrix<Scalar>
    ) {
        precondition(previous.rows == inputSize && Z.shape == Shape(outputSize, previous.columns),
            "shape mismatch in W · A + b: W \(W.shape), A \(previous.shape), Z \(Z.shape)")
        let rows = outputSize
        Z.withUnsafeMutableBufferPointer { z in
            guard var column = z.baseAddress else { return }
            guard let bias = b?.base else {
                z.update(repeating: 0)
                return
            }
            // A copy call per column for tall layers. Where a column is a few elements (the
            // course's 4-unit layer), one copy per column cost more than the product itself
            // (10% of a planar step); there the filled prefix is doubled instead, up to a block
            // of about 1,024 elements that is then repeated: a handful of long copies.
            if rows >= 16 {
                for _ in 0..<previous.columns {
                    column.update(from: bias, count: rows)
                    column += rows
                }
            } else if z.count > 0 {
                let total = z.count
                column.update(from: bias, count: rows)
                var filled = rows
                while filled < total && filled < 1024 {
                    let count = Swift.min(filled, total - filled)
                    (column + filled).update(from: column, count: count)
                    filled += count
                }
                let block = filled
                while filled < total {
                    let count = Swift.min(block, total - filled)
                    (column + filled).update(from: column, count: count)
                    filled += count
                }
            }
        }
        Z.formProduct(W, .none, previous, .none, alpha: 1, beta: 1)
    }

    /// `dZ` into `gradients[0]` (from the loss, or `dA ⊙ g′(Z)`), then `dW = dZ A_prevᵀ`,
    /// `db = Σ_columns dZ` and, when asked, `dA_prev = Wᵀ dZ`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?
    ) {
        backward(
            seed, input: input, output: output, saved: saved, parameters: parameters, gradients: &gradients,
            parameterGradients: parameterGradients, inputGradient: &inputGradient, weightGradient: true)
    }

    /// The backward pass, with `dW` left out when `weightGradient` is false: a sharded step
    /// computes it afterwards for the whole batch at once (``ShardedStep``), from the `dZ` this
    /// leaves in `gradients[0]` and the same `input`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?, weightGradient: Bool
    ) {
        let Z = saved[0]
        seed.preActivationGradient(through: g, Z: Z, A: output, into: &gradients[0])
        let dZ = gradients[0]
        // dW = dZ A_prevᵀ (the transpose is a BLAS flag); db = np.sum(dZ, axis=1, keepdims=True).
        if weightGradient { parameterGradients[0].formProduct(dZ, .none, input, .transposed, alpha: 1, beta: 0) }
        if hasBias { parameterGradients[1].formColumnSum(dZ) }
        // dA_prev = Wᵀ dZ.
        if inputGradient != nil {
            inputGradient!.formProduct(parameters[0], .transposed, dZ, .none, alpha: 1, beta: 0)
        }
    }
}
