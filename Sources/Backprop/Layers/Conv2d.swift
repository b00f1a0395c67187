import Foundation

/// A 2-D convolution with its activation: `Z = W ∗ A_prev + b`, `A = g(Z)` forward;
/// `dZ = dA ⊙ g′(Z)`, `dW[oc, c, i, j] = Σ_examples Σ_positions dZ · a_slice`,
/// `db[oc] = Σ_examples Σ_positions dZ`, `dA_prev = Σ_windows W · dZ` backward.
///
/// Layout: each example is a column of `C·H·W` values (``ImageShape``, NCHW per example), and
/// so are `Z`, `A` and `dZ`, which the ledger shows. `W` is PyTorch's
/// `Conv2d.weight (out_c, in_c, f, f)`, held as the `(out_c, in_c·f·f)` matrix of the same
/// row-major elements (saved with the 4-D shape), and `b` is `(out_c, 1)`.
///
/// The work runs a group of `b` examples at a time (as many as keep the scratch near 1 Mi
/// elements, `groupSize(examples:)`; the whole shard for small images), in the GEMM layout
/// `(b·P, ·)`: one row per example and output position, `P = n_H·n_W`, examples one after
/// another. Forward: im2col of the group (`Im2Col`, `(b·P, K)` with `K = in_c·f·f`), one GEMM
/// `Zᵍ (b·P, out_c) = cols · Wᵀ`, whose columns are the channels, then each channel's `P`
/// values per example copied into the example's C·H·W column with `b` added. Backward: `dZ`
/// copied into the same `(b·P, out_c)` layout (`db` summed on the way), `dW += dZᵍᵀ · cols`
/// (one GEMM whose inner dimension is `b·P`), and `dcols = dZᵍ · W` (one GEMM, into the im2col
/// buffer) scattered back by col2im. The scratch is borrowed per thread (`LayerScratch`), so a
/// pass allocates nothing; thread shards split the batch by examples, each shard grouping its own.
/// The gradients carry whatever the seed carries: the cost's 1/m enters once, through the
/// example sum (``Convention``), never through the sum over positions.
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

    /// `n_H·n_W · n_C·n_C_prev·f·f`: every weight once per output position.
    public var multiplyAddsPerExample: Int { geometry.outputPositions * geometry.windowLength * outputChannels }

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

    /// Examples per im2col group: as many as keep the group's scratch (its im2col matrix and its
    /// output in GEMM layout, ``scratchBudget`` elements in all) small, at least one.
    func groupSize(examples m: Int) -> Int {
        let perExample = geometry.outputPositions * (geometry.windowLength + outputChannels)
        return Swift.max(1, Swift.min(m, Self.scratchBudget / Swift.max(perExample, 1)))
    }

    /// The scratch elements a group of examples may use: 1 Mi (4 MiB of `Float`), a few
    /// thousand output positions, so each GEMM is large yet its operands stay in the caches.
    static let scratchBudget = 1 << 20

    /// `Z = W ∗ A_prev + b`, a group of examples at a time: im2col of the group, one GEMM for the
    /// group, then each channel's run per example copied into place with its bias.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func convolve<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, W: TensorView<Scalar>, b: TensorView<Scalar>, into Z: inout Matrix<Scalar>) {
        precondition(input.rows == inputSize && Z.shape == Shape(outputSize, input.columns),
                     "shape mismatch in conv: A_prev \(input.shape), Z \(Z.shape) for \(self)")
        let (P, K, C, n, outputs, m) = (geometry.outputPositions, geometry.windowLength, outputChannels, inputSize, outputSize, input.columns)
        let geometry = self.geometry
        let group = groupSize(examples: m)
        if m == 0 { return }
        LayerScratch.with(Scalar.self, count: group * P * (K + C)) { scratch in
            input.withUnsafeBufferPointer { x in
                Z.withUnsafeMutableBufferPointer { z in
                    var first = 0
                    while first < m {
                        let count = Swift.min(group, m - first)
                        let (cols, zt) = (scratch, scratch + count * P * K)
                        Im2Col.gather(geometry, from: x.baseAddress! + first * n, examples: count, into: cols)
                        GEMM.run(TensorView(base: UnsafePointer(cols), rows: count * P, columns: K), .none, W, .transposed,
                                 into: MutableTensorView(base: zt, rows: count * P, columns: C), alpha: 1, beta: 0)
                        Self.examplesFromChannels(zt, bias: b.base, channels: C, positions: P, examples: count,
                                                  into: z.baseAddress! + first * outputs)
                        first += count
                    }
                }
            }
        }
    }

    /// `dZ` into `gradients[0]`, then, a group of examples at a time, `dW = Σ dZᵀ cols` (one GEMM
    /// whose inner dimension is the group's examples × positions), `db = Σ dZ` and, when asked,
    /// `dA_prev` by col2im of `dZ W` (one GEMM for the group, into the im2col buffer).
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
        dW.buffer.update(repeating: 0)
        if m == 0 { return }
        let group = groupSize(examples: m)
        LayerScratch.with(Scalar.self, count: group * P * (K + C)) { scratch in
            input.withUnsafeBufferPointer { x in
                dZ.withUnsafeBufferPointer { dz in
                    var first = 0
                    while first < m {
                        let count = Swift.min(group, m - first)
                        let (cols, dzt) = (scratch, scratch + count * P * K)
                        let rows = count * P
                        Im2Col.gather(geometry, from: x.baseAddress! + first * n, examples: count, into: cols)
                        Self.channelsFromExamples(dz.baseAddress! + first * outputs, channels: C, positions: P, examples: count,
                                                  into: dzt, addingSumsTo: db.base)
                        // dW[oc, k] += Σ_(e, p) dZ[e, oc, p] · a_slice[e, p, k]: k = the group's examples × positions.
                        GEMM.run(TensorView(base: UnsafePointer(dzt), rows: rows, columns: C), .transposed,
                                 TensorView(base: UnsafePointer(cols), rows: rows, columns: K), .none,
                                 into: dW, alpha: 1, beta: 1)
                        if inputGradient != nil {
                            // dcols = dZ · W into the im2col buffer, then each window entry back to its pixel.
                            GEMM.run(TensorView(base: UnsafePointer(dzt), rows: rows, columns: C), .none, W, .none,
                                     into: MutableTensorView(base: cols, rows: rows, columns: K), alpha: 1, beta: 0)
                            inputGradient!.withUnsafeMutableBufferPointer { dx in
                                let target = dx.baseAddress! + first * n
                                target.update(repeating: 0, count: count * n)
                                Im2Col.scatterAdd(geometry, from: UnsafePointer(cols), examples: count, into: target)
                            }
                        }
                        first += count
                    }
                }
            }
        }
    }

    /// The GEMM's `(b·P, C)` output (each channel a column, the examples one after another) into
    /// `b` example columns in C·H·W order, with each channel's bias added.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func examplesFromChannels<Scalar: BackpropScalar>(
        _ zt: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>, channels C: Int, positions P: Int, examples b: Int,
        into z: UnsafeMutablePointer<Scalar>
    ) {
        for e in 0..<b {
            for oc in 0..<C {
                let (source, target, bias) = (zt + oc * b * P + e * P, z + (e * C + oc) * P, bias[oc])
                for p in 0..<P { target[p] = source[p] + bias }
            }
        }
    }

    /// `b` example columns of `dZ` (C·H·W order) into the GEMM layout `(b·P, C)`, adding each
    /// channel's total to `db`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func channelsFromExamples<Scalar: BackpropScalar>(
        _ dz: UnsafePointer<Scalar>, channels C: Int, positions P: Int, examples b: Int,
        into dzt: UnsafeMutablePointer<Scalar>, addingSumsTo db: UnsafeMutablePointer<Scalar>
    ) {
        for e in 0..<b {
            for oc in 0..<C {
                let (source, target) = (dz + (e * C + oc) * P, dzt + oc * b * P + e * P)
                for p in 0..<P { target[p] = source[p] }
            }
        }
        for oc in 0..<C { db[oc] += sum(UnsafePointer(dzt + oc * b * P), count: b * P) }
    }

    /// `Σ x[0..<count]`, eight partial sums at a time.
    @inline(__always)
    static func sum<Scalar: BackpropScalar>(_ x: UnsafePointer<Scalar>, count: Int) -> Scalar {
        var lanes = SIMD8<Scalar>()
        var i = 0
        while i + 8 <= count {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Scalar>.self)
            i += 8
        }
        var total = lanes.sum()
        while i < count {
            total += x[i]
            i += 1
        }
        return total
    }
}
