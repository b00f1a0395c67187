import Foundation

/// A 2-D convolution with its activation: `Z = W ∗ A_prev + b`, `A = g(Z)` forward;
/// `dZ = dA ⊙ g′(Z)`, `dW[oc, c, i, j] = Σ_examples Σ_positions dZ · a_slice`,
/// `db[oc] = Σ_examples Σ_positions dZ`, `dA_prev = Σ_windows W · dZ` backward.
///
/// Layout: each example is a column of `C·H·W` values (``ImageShape``, NCHW per example). `W` is
/// PyTorch's `Conv2d.weight (out_c, in_c, f, f)`, held as the `(out_c, in_c·f·f)` matrix of the
/// same row-major elements (saved with the 4-D shape), and `b` is `(out_c, 1)`. Each example runs
/// as im2col (`Im2Col`) and one GEMM, `Z_e (P, out_c) = cols_e (P, K) · Wᵀ`, whose column-major
/// result is already the example's C·H·W column; backward is `dW += dZ_eᵀ · cols_e`,
/// `dcols_e = dZ_e · W`, then col2im. The gradients carry whatever the seed carries: the cost's
/// 1/m enters once, through the example sum (``Convention``), never through the sum over positions.
public struct Conv2d: ImageLayer {
    public static let kind = "conv2d"

    /// The input image, `n_C_prev × n_H_prev × n_W_prev`.
    public let inputImage: ImageShape
    /// `n_C`, the filters.
    public let outputChannels: Int
    /// `f`: the kernel is `f × f`.
    public let kernel: Int
    /// `s`.
    public let stride: Int
    /// The zero padding.
    public let padding: Padding
    /// `g`; `nil` for none.
    public var activation: Activation?

    let geometry: WindowGeometry

    /// A convolution of `outputChannels` `kernel × kernel` filters over `input`.
    /// - Throws: a one-line error naming the layer and the shapes when the kernel is larger than
    ///   the padded input, the stride is not positive, `valid` padding leaves a fraction of a
    ///   position, or the sizes overflow.
    public init(input: ImageShape, outputChannels: Int, kernel: Int, stride: Int = 1, padding: Padding = .valid,
                activation: Activation? = nil) throws {
        let name = "conv \(outputChannels) \(kernel)×\(kernel) stride \(stride) padding \(padding) on \(input)"
        guard outputChannels > 0, outputChannels <= 1 << 20 else {
            throw BackpropError.invalidArgument("\(name): the number of filters must be between 1 and 2^20, not \(outputChannels)")
        }
        geometry = try WindowGeometry(layer: name, input: input, kernel: kernel, stride: stride, padding: padding, exact: true)
        let out = ImageShape(channels: outputChannels, height: geometry.outputHeight, width: geometry.outputWidth)
        guard out.featureCount != Int.max, (try? CheckedSize.multiply(outputChannels, geometry.windowLength, name)) != nil else {
            throw BackpropError.tooLarge("\(name): the output \(out) or the weights overflow")
        }
        self.inputImage = input
        self.outputChannels = outputChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.activation = activation
    }

    private enum CodingKeys: String, CodingKey { case inputImage = "input", outputChannels, kernel, stride, padding, activation }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            input: c.decode(ImageShape.self, forKey: .inputImage), outputChannels: c.decode(Int.self, forKey: .outputChannels),
            kernel: c.decode(Int.self, forKey: .kernel), stride: c.decode(Int.self, forKey: .stride),
            padding: c.decode(Padding.self, forKey: .padding), activation: c.decodeIfPresent(Activation.self, forKey: .activation))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputImage, forKey: .inputImage)
        try c.encode(outputChannels, forKey: .outputChannels)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(stride, forKey: .stride)
        try c.encode(padding, forKey: .padding)
        try c.encodeIfPresent(activation, forKey: .activation)
    }

    /// The output image, `n_C × n_H × n_W`.
    public var outputImage: ImageShape? { outputShape }
    /// The output image, `n_C × n_H × n_W`.
    public var outputShape: ImageShape {
        ImageShape(channels: outputChannels, height: geometry.outputHeight, width: geometry.outputWidth)
    }
    public var inputSize: Int { inputImage.featureCount }
    public var outputSize: Int { outputShape.featureCount }
    /// `g[l]` (identity when there is none).
    public var g: Activation { activation ?? .identity }

    public var description: String {
        "conv \(inputImage)→\(outputShape) \(kernel)×\(kernel)" + (stride == 1 ? "" : " stride \(stride)")
            + (padding == .valid ? "" : " padding \(padding)") + (activation.map { " \($0)" } ?? "")
    }

    public var parameterSpecs: [ParameterSpec] {
        [ParameterSpec(name: "weight", symbol: "W", shape: Shape(outputChannels, geometry.windowLength),
                       fileDimensions: [outputChannels, inputImage.channels, kernel, kernel], decays: true),
         ParameterSpec(name: "bias", symbol: "b", shape: Shape(outputChannels, 1), decays: false, isVector: true)]
    }

    public var savedNames: [String] { ["Z"] }
    public func savedShapes(examples m: Int) -> [Shape] { [Shape(outputSize, m)] }
    public var gradientNames: [String] { ["dZ"] }
    public func gradientShapes(examples m: Int) -> [Shape] { [Shape(outputSize, m)] }

    public var pyTorchModules: [String] {
        let pad: String
        switch padding {
        case .valid: pad = ""
        case .same: pad = ", padding='same'"
        case let .size(p): pad = ", padding=\(p)"
        }
        let conv = "Conv2d(\(inputImage.channels), \(outputChannels), kernel_size=\(kernel)" + (stride == 1 ? "" : ", stride=\(stride)") + pad + ")"
        return activation.map { [conv, $0.pyTorchModule] } ?? [conv]
    }

    /// `W` drawn with fan-in `n_C_prev·f·f` and fan-out `n_C·f·f` (PyTorch's), `b = 0`.
    public func initialize<Scalar: BackpropScalar>(
        _ parameters: MutableParameterViews<Scalar>, with initializer: Initializer,
        using generator: inout SeededGenerator
    ) {
        let W: Matrix<Scalar> = initializer.weights(fanIn: geometry.windowLength, fanOut: outputChannels * kernel * kernel, using: &generator)
        // Drawn (out_c·f·f, C·f·f)-shaped for the fan-out; the first out_c·C·f·f values are W.
        W.withUnsafeBufferPointer { _ = parameters[0].buffer.update(from: UnsafeBufferPointer(rebasing: $0.prefix(parameters[0].count))) }
        parameters[1].buffer.update(repeating: 0)
    }

    /// `Z = W ∗ A_prev + b` into `saved[0]`, `A = g(Z)` into `output`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        convolve(input, W: parameters[0], b: parameters[1], into: &saved[0])
        g.forward(saved[0], into: &output)
    }

    /// `Z = W ∗ A_prev + b`, example by example: im2col, the bias laid down, one GEMM onto it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func convolve<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, W: TensorView<Scalar>, b: TensorView<Scalar>, into Z: inout Matrix<Scalar>) {
        precondition(input.rows == inputSize && Z.shape == Shape(outputSize, input.columns),
                     "shape mismatch in conv: A_prev \(input.shape), Z \(Z.shape) for \(self)")
        let (P, K, C, n, outputs) = (geometry.outputPositions, geometry.windowLength, outputChannels, inputSize, outputSize)
        let geometry = self.geometry
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: P * K) { cols in
            input.withUnsafeBufferPointer { x in
                Z.withUnsafeMutableBufferPointer { z in
                    for e in 0..<input.columns {
                        Im2Col.gather(geometry, from: x.baseAddress! + e * n, into: cols.baseAddress!)
                        let ze = z.baseAddress! + e * outputs
                        for oc in 0..<C { (ze + oc * P).update(repeating: b.base[oc], count: P) }
                        GEMM.run(TensorView(base: UnsafePointer(cols.baseAddress!), rows: P, columns: K), .none, W, .transposed,
                                 into: MutableTensorView(base: ze, rows: P, columns: C), alpha: 1, beta: 1)
                    }
                }
            }
        }
    }

    /// `dZ` into `gradients[0]`, then `dW = Σ_e dZ_eᵀ cols_e`, `db = Σ_e Σ_p dZ_e` and, when asked,
    /// `dA_prev` by col2im of `dZ_e W`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?
    ) {
        seed.preActivationGradient(through: g, Z: saved[0], A: output, into: &gradients[0])
        let dZ = gradients[0]
        let (P, K, C, n, outputs, m) = (geometry.outputPositions, geometry.windowLength, outputChannels, inputSize, outputSize, input.columns)
        let geometry = self.geometry
        let (dW, db, W) = (parameterGradients[0], parameterGradients[1], parameters[0])
        db.buffer.update(repeating: 0)
        if m == 0 { dW.buffer.update(repeating: 0) }
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: P * K) { cols in
            let colsView = TensorView(base: UnsafePointer(cols.baseAddress!), rows: P, columns: K)
            input.withUnsafeBufferPointer { x in
                dZ.withUnsafeBufferPointer { dz in
                    for e in 0..<m {
                        let dze = dz.baseAddress! + e * outputs
                        Im2Col.gather(geometry, from: x.baseAddress! + e * n, into: cols.baseAddress!)
                        // dW[:, k] += Σ_p dZ[p, oc] · a_slice[p, k], summed over examples by β = 1.
                        GEMM.run(TensorView(base: dze, rows: P, columns: C), .transposed, colsView, .none,
                                 into: dW, alpha: 1, beta: e == 0 ? 0 : 1)
                        for oc in 0..<C {
                            var total: Scalar = 0
                            for p in 0..<P { total += dze[oc * P + p] }
                            db.base[oc] += total
                        }
                    }
                    guard inputGradient != nil else { return }
                    inputGradient!.withUnsafeMutableBufferPointer { dx in
                        dx.update(repeating: 0)
                        for e in 0..<m {
                            // dcols = dZ_e · W, then each window entry back to its pixel.
                            GEMM.run(TensorView(base: dz.baseAddress! + e * outputs, rows: P, columns: C), .none, W, .none,
                                     into: MutableTensorView(base: cols.baseAddress!, rows: P, columns: K), alpha: 1, beta: 0)
                            Im2Col.scatterAdd(geometry, from: UnsafePointer(cols.baseAddress!), into: dx.baseAddress! + e * n)
                        }
                    }
                }
            }
        }
    }
}
