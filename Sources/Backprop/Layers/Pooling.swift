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

    /// `A` (and, for max pooling, the winners) for the batch: every example's channels are one
    /// run of `m·C` planes, pooled a row of outputs at a time.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode passMode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        precondition(input.rows == inputSize && output.shape == Shape(outputSize, input.columns),
                     "shape mismatch in pooling: A_prev \(input.shape), A \(output.shape) for \(self)")
        let (g, planes, mode) = (geometry, input.columns * inputImage.channels, self.mode)
        if planes == 0 { return }
        LayerScratch.with(Scalar.self, count: g.outputWidth) { ramp in
            Self.fillRamp(ramp, geometry: g)
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { a in
                    if mode == .max {
                        saved[0].withUnsafeMutableBufferPointer { winner in
                            Self.maxForward(g, x.baseAddress!, planes: planes, ramp: ramp, into: a.baseAddress!, winners: winner.baseAddress!)
                        }
                    } else {
                        Self.averageForward(g, x.baseAddress!, planes: planes, into: a.baseAddress!)
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
        let (g, planes, mode) = (geometry, input.columns * inputImage.channels, self.mode)
        LayerScratch.with(Scalar.self, count: g.outputWidth) { ramp in
            Self.fillRamp(ramp, geometry: g)
            dA.withUnsafeBufferPointer { da in
                inputGradient!.withUnsafeMutableBufferPointer { dx in
                    dx.update(repeating: 0)
                    guard planes > 0 else { return }
                    if mode == .max {
                        saved[0].withUnsafeBufferPointer { winner in
                            Self.maxBackward(g, da.baseAddress!, winners: winner.baseAddress!, planes: planes, ramp: ramp,
                                             into: dx.baseAddress!)
                        }
                    } else {
                        Self.averageBackward(g, da.baseAddress!, planes: planes, into: dx.baseAddress!)
                    }
                }
            }
        }
    }

    // MARK: Kernels
    //
    // Each runs over `planes` consecutive `H × W` input planes and their `n_H × n_W` output
    // planes (an example's channels follow one another, and so do the examples), one output row
    // at a time: for each window entry `(i, j)` in row-major order, one pass over the row's `n_W`
    // outputs, reading the input with stride `s`. The passes are branch-free selects and adds
    // over plain pointers, so they vectorise. A winner is kept as its index in the example's
    // C·H·W column, a whole number held exactly in `Scalar` (below 2^24 features for `Float`):
    // the entry's offset `i·W + j` during the passes, the window's origin added at the end.

    /// `ramp[w] = w·s`, the column of output `w`'s window origin.
    @inline(__always)
    static func fillRamp<Scalar: BackpropScalar>(_ ramp: UnsafeMutablePointer<Scalar>, geometry g: WindowGeometry) {
        for w in 0..<g.outputWidth { ramp[w] = Scalar(w * g.stride) }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maxForward<Scalar: BackpropScalar>(
        _ g: WindowGeometry, _ x: UnsafePointer<Scalar>, planes: Int, ramp: UnsafePointer<Scalar>,
        into a: UnsafeMutablePointer<Scalar>, winners: UnsafeMutablePointer<Scalar>
    ) {
        let (C, H, W, f, s, nH, nW) = (g.input.channels, g.input.height, g.input.width, g.kernel, g.stride, g.outputHeight, g.outputWidth)
        for plane in 0..<planes {
            let channelStart = Scalar((plane % C) * H * W)
            for oh in 0..<nH {
                let (best, winner) = (a + (plane * nH + oh) * nW, winners + (plane * nH + oh) * nW)
                let top = x + plane * H * W + oh * s * W
                for w in 0..<nW {
                    best[w] = top[w * s]
                    winner[w] = 0
                }
                for i in 0..<f {
                    for j in 0..<f where i != 0 || j != 0 {
                        keepLarger(top + i * W + j, stride: s, offset: Scalar(i * W + j), best: best, winner: winner, count: nW)
                    }
                }
                let origin = channelStart + Scalar(oh * s * W)
                for w in 0..<nW { winner[w] += origin + ramp[w] }
            }
        }
    }

    /// `best[w], winner[w] = source[w·s], offset` where `source[w·s]` is larger, or is NaN where
    /// `best[w]` is not (PyTorch's max pooling propagates NaN); ties keep the earlier entry.
    @inline(__always)
    static func keepLarger<Scalar: BackpropScalar>(
        _ source: UnsafePointer<Scalar>, stride s: Int, offset: Scalar,
        best: UnsafeMutablePointer<Scalar>, winner: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        for w in 0..<count {
            let (v, b) = (source[w * s], best[w])
            let take = !(v <= b) && b == b
            best[w] = take ? v : b
            winner[w] = take ? offset : winner[w]
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maxBackward<Scalar: BackpropScalar>(
        _ g: WindowGeometry, _ da: UnsafePointer<Scalar>, winners: UnsafePointer<Scalar>, planes: Int,
        ramp: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>
    ) {
        let (C, H, W, f, s, nH, nW) = (g.input.channels, g.input.height, g.input.width, g.kernel, g.stride, g.outputHeight, g.outputWidth)
        for plane in 0..<planes {
            let channelStart = Scalar((plane % C) * H * W)
            for oh in 0..<nH {
                let (gradient, winner) = (da + (plane * nH + oh) * nW, winners + (plane * nH + oh) * nW)
                let top = dx + plane * H * W + oh * s * W
                let origin = channelStart + Scalar(oh * s * W)
                for i in 0..<f {
                    for j in 0..<f {
                        routeToWinner(gradient, winner: winner, index: origin + Scalar(i * W + j), ramp: ramp,
                                      into: top + i * W + j, stride: s, count: nW)
                    }
                }
            }
        }
    }

    /// `target[w·s] += gradient[w]` where entry `index + ramp[w]` won output `w`'s window.
    @inline(__always)
    static func routeToWinner<Scalar: BackpropScalar>(
        _ gradient: UnsafePointer<Scalar>, winner: UnsafePointer<Scalar>, index: Scalar, ramp: UnsafePointer<Scalar>,
        into target: UnsafeMutablePointer<Scalar>, stride s: Int, count: Int
    ) {
        for w in 0..<count {
            target[w * s] += winner[w] == index + ramp[w] ? gradient[w] : 0
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func averageForward<Scalar: BackpropScalar>(
        _ g: WindowGeometry, _ x: UnsafePointer<Scalar>, planes: Int, into a: UnsafeMutablePointer<Scalar>
    ) {
        let (H, W, f, s, nH, nW) = (g.input.height, g.input.width, g.kernel, g.stride, g.outputHeight, g.outputWidth)
        let scale = 1 / Scalar(f * f)
        for plane in 0..<planes {
            for oh in 0..<nH {
                let total = a + (plane * nH + oh) * nW
                let top = x + plane * H * W + oh * s * W
                for w in 0..<nW { total[w] = top[w * s] }
                for i in 0..<f {
                    for j in 0..<f where i != 0 || j != 0 {
                        let source = top + i * W + j
                        for w in 0..<nW { total[w] += source[w * s] }
                    }
                }
                for w in 0..<nW { total[w] *= scale }
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func averageBackward<Scalar: BackpropScalar>(
        _ g: WindowGeometry, _ da: UnsafePointer<Scalar>, planes: Int, into dx: UnsafeMutablePointer<Scalar>
    ) {
        let (H, W, f, s, nH, nW) = (g.input.height, g.input.width, g.kernel, g.stride, g.outputHeight, g.outputWidth)
        let share = 1 / Scalar(f * f)
        for plane in 0..<planes {
            for oh in 0..<nH {
                let gradient = da + (plane * nH + oh) * nW
                let top = dx + plane * H * W + oh * s * W
                for i in 0..<f {
                    for j in 0..<f {
                        let target = top + i * W + j
                        for w in 0..<nW { target[w * s] += gradient[w] * share }
                    }
                }
            }
        }
    }
}
