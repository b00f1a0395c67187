/// Max or average pooling over `f × f` windows with stride `s`, channel by channel, no padding
/// (PyTorch's `MaxPool2d(f, s)` / `AvgPool2d(f, s)`; the output size is floored as theirs is).
///
/// Forward: `A[c, h, w] = max` (or mean) of the window at `(h·s, w·s)` of channel `c`.
/// Backward: max pooling routes `dA` to the window's maximum — the first one, in row-major
/// order, when several tie, as PyTorch does (the course's mask `x == max(x)` would mark every
/// tie) — and average pooling spreads `dA / (f·f)` over the window. Where windows overlap
/// (`s < f`) the shares add. There are no parameters, so there is no 1/m here: `dA_prev`
/// carries whatever `dA` carries.
public struct Pooling: ImageLayer {
    public static let kind = "pool2d"

    /// What a window is reduced to.
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Its maximum.
        case max
        /// Its mean.
        case average
    }

    /// Max or average.
    public let mode: Mode
    /// The input image.
    public let inputImage: ImageShape
    /// `f`: windows are `f × f`.
    public let window: Int
    /// `s`.
    public let stride: Int

    let geometry: WindowGeometry

    /// Pooling of `input` with `window × window` windows every `stride` (default: `window`).
    /// - Throws: a one-line error naming the layer and the shapes when the window is larger than
    ///   the input or the stride is not positive.
    public init(_ mode: Mode, input: ImageShape, window: Int, stride: Int? = nil) throws {
        let stride = stride ?? window
        let name = "\(mode == .max ? "max" : "average") pool \(window)×\(window) stride \(stride) on \(input)"
        geometry = try WindowGeometry(layer: name, input: input, kernel: window, stride: stride, padding: .valid, exact: false)
        self.mode = mode
        self.inputImage = input
        self.window = window
        self.stride = stride
    }

    private enum CodingKeys: String, CodingKey { case mode, inputImage = "input", window, stride }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(c.decode(Mode.self, forKey: .mode), input: c.decode(ImageShape.self, forKey: .inputImage),
                      window: c.decode(Int.self, forKey: .window), stride: c.decode(Int.self, forKey: .stride))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        try c.encode(inputImage, forKey: .inputImage)
        try c.encode(window, forKey: .window)
        try c.encode(stride, forKey: .stride)
    }

    /// The output image.
    public var outputShape: ImageShape {
        ImageShape(channels: inputImage.channels, height: geometry.outputHeight, width: geometry.outputWidth)
    }
    public var outputImage: ImageShape? { outputShape }
    public var inputSize: Int { inputImage.featureCount }
    public var outputSize: Int { outputShape.featureCount }
    public var parameterSpecs: [ParameterSpec] { [] }

    public var description: String {
        "\(mode == .max ? "max" : "average") pool \(inputImage)→\(outputShape) \(window)×\(window)" + (stride == window ? "" : " stride \(stride)")
    }

    /// Max pooling keeps, for each output, the index in the example's column of the input that
    /// won (the position its `dA` goes back to).
    public var savedNames: [String] { mode == .max ? ["argmax"] : [] }
    public func savedShapes(examples m: Int) -> [Shape] { mode == .max ? [Shape(outputSize, m)] : [] }

    public var pyTorchModules: [String] {
        let strideText = stride == window ? "" : ", stride=\(stride)"
        return [mode == .max ? "MaxPool2d(\(window)\(strideText))" : "AvgPool2d(\(window)\(strideText))"]
    }

    public func initialize<Scalar: BackpropScalar>(
        _ parameters: MutableParameterViews<Scalar>, with initializer: Initializer, using generator: inout SeededGenerator
    ) {}

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode passMode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        precondition(input.rows == inputSize && output.shape == Shape(outputSize, input.columns),
                     "shape mismatch in pooling: A_prev \(input.shape), A \(output.shape) for \(self)")
        let g = geometry
        let (H, W, f, s, nH, nW) = (g.input.height, g.input.width, g.kernel, g.stride, g.outputHeight, g.outputWidth)
        let (n, outputs, m, channels) = (inputSize, outputSize, input.columns, inputImage.channels)
        let scale = 1 / Scalar(f * f)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { a in
                if mode == .max {
                    saved[0].withUnsafeMutableBufferPointer { winner in
                        for e in 0..<m {
                            let xe = x.baseAddress! + e * n
                            var out = e * outputs
                            for c in 0..<channels {
                                for oh in 0..<nH {
                                    for ow in 0..<nW {
                                        var best = c * H * W + oh * s * W + ow * s
                                        var value = xe[best]
                                        for i in 0..<f {
                                            let row = c * H * W + (oh * s + i) * W + ow * s
                                            for j in 0..<f where xe[row + j] > value || xe[row + j].isNaN && !value.isNaN {
                                                value = xe[row + j]
                                                best = row + j
                                            }
                                        }
                                        a[out] = value
                                        winner[out] = Scalar(best)
                                        out += 1
                                    }
                                }
                            }
                        }
                    }
                } else {
                    for e in 0..<m {
                        let xe = x.baseAddress! + e * n
                        var out = e * outputs
                        for c in 0..<channels {
                            for oh in 0..<nH {
                                for ow in 0..<nW {
                                    var total: Scalar = 0
                                    for i in 0..<f {
                                        let row = xe + c * H * W + (oh * s + i) * W + ow * s
                                        for j in 0..<f { total += row[j] }
                                    }
                                    a[out] = total * scale
                                    out += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `dA_prev`: each `dA` to its window's winner (max), or `dA/(f·f)` to each of its entries (average).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?
    ) {
        guard inputGradient != nil, case let .outputGradient(dA) = seed else { return }
        let g = geometry
        let (H, W, f, s, nH, nW) = (g.input.height, g.input.width, g.kernel, g.stride, g.outputHeight, g.outputWidth)
        let (n, outputs, m, channels) = (inputSize, outputSize, input.columns, inputImage.channels)
        let share = 1 / Scalar(f * f)
        let mode = self.mode
        dA.withUnsafeBufferPointer { da in
            inputGradient!.withUnsafeMutableBufferPointer { dx in
                dx.update(repeating: 0)
                if mode == .max {
                    saved[0].withUnsafeBufferPointer { winner in
                        for e in 0..<m {
                            let dxe = dx.baseAddress! + e * n
                            for k in (e * outputs)..<((e + 1) * outputs) { dxe[Int(winner[k])] += da[k] }
                        }
                    }
                } else {
                    for e in 0..<m {
                        let dxe = dx.baseAddress! + e * n
                        var out = e * outputs
                        for c in 0..<channels {
                            for oh in 0..<nH {
                                for ow in 0..<nW {
                                    let spread = da[out] * share
                                    for i in 0..<f {
                                        let row = dxe + c * H * W + (oh * s + i) * W + ow * s
                                        for j in 0..<f { row[j] += spread }
                                    }
                                    out += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
