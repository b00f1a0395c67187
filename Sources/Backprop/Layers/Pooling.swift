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
    /// run of `m·C` planes, pooled plane by plane.
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
        let count = g.outputPositions
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { a in
                if mode == .max {
                    saved[0].withUnsafeMutableBufferPointer { winner in
                        // The window origins of one plane, as offsets and as values, and rows for one entry and the best so far.
                        LayerScratch.with(Int.self, count: 4 * count) { origins in
                            let values = UnsafeMutableRawPointer(origins + count).bindMemory(to: Scalar.self, capacity: 3 * count)
                            Self.fillOrigins(origins, values, geometry: g)
                            Self.maxForward(g, x.baseAddress!, planes: planes, origins: origins, originValues: values,
                                            entry: values + count, spare: values + 2 * count, into: a.baseAddress!, winners: winner.baseAddress!)
                        }
                    }
                } else {
                    Self.averageForward(g, x.baseAddress!, planes: planes, into: a.baseAddress!)
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
        let (g, m, mode) = (geometry, input.columns, self.mode)
        let (n, outputs) = (inputSize, outputSize)
        dA.withUnsafeBufferPointer { da in
            inputGradient!.withUnsafeMutableBufferPointer { dx in
                dx.update(repeating: 0)
                guard m > 0 else { return }
                if mode == .max {
                    saved[0].withUnsafeBufferPointer { winner in
                        Self.maxBackward(da.baseAddress!, winners: winner.baseAddress!, examples: m, inputs: n, outputs: outputs,
                                         into: dx.baseAddress!)
                    }
                } else {
                    Self.averageBackward(g, da.baseAddress!, planes: m * inputImage.channels, into: dx.baseAddress!)
                }
            }
        }
    }

    // MARK: Kernels
    //
    // The forward kernels run over `planes` consecutive `H × W` input planes and their
    // `n_H × n_W` output planes (an example's channels follow one another, and so do the
    // examples), on plain pointers. A winner is kept as its index in the example's C·H·W
    // column, a whole number held exactly in `Scalar`.

    /// `origins[o]` and `values[o]`: where output `o = h·n_W + w` of a plane has its window's
    /// first entry, `h·s·W + w·s`.
    static func fillOrigins<Scalar: BackpropScalar>(
        _ origins: UnsafeMutablePointer<Int>, _ values: UnsafeMutablePointer<Scalar>, geometry g: WindowGeometry
    ) {
        for h in 0..<g.outputHeight {
            for w in 0..<g.outputWidth {
                let o = h * g.outputWidth + w
                origins[o] = (h * g.input.width + w) * g.stride
                values[o] = Scalar(origins[o])
            }
        }
    }

    /// Max pooling, a plane at a time: for each window entry `(i, j)` in row-major order, the
    /// entry of every window is gathered into a contiguous row (`entry`), then kept where it is
    /// larger, or NaN where the best is not (PyTorch's max pooling propagates NaN), by a
    /// branch-free pass over contiguous rows that vectorises; ties keep the earlier entry.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maxForward<Scalar: BackpropScalar>(
        _ g: WindowGeometry, _ x: UnsafePointer<Scalar>, planes: Int, origins: UnsafePointer<Int>,
        originValues: UnsafePointer<Scalar>, entry: UnsafeMutablePointer<Scalar>, spare: UnsafeMutablePointer<Scalar>,
        into a: UnsafeMutablePointer<Scalar>, winners: UnsafeMutablePointer<Scalar>
    ) {
        let (C, H, W, f, count) = (g.input.channels, g.input.height, g.input.width, g.kernel, g.outputPositions)
        for plane in 0..<planes {
            let source = x + plane &* H &* W
            let (best, winner) = (a + plane &* count, winners + plane &* count)
            // The best so far alternates between `best` and `spare`: a pass that wrote back into
            // the row it read would become conditional stores, which do not vectorise.
            var (current, next) = (best, spare)
            gatherEntry(source, origins, into: current, count: count)
            for o in 0..<count { winner[o] = 0 }
            for i in 0..<f {
                for j in 0..<f where i != 0 || j != 0 {
                    gatherEntry(source + (i &* W &+ j), origins, into: entry, count: count)
                    keepLarger(entry, offset: Scalar(i &* W &+ j), best: current, into: next, winner: winner, count: count)
                    swap(&current, &next)
                }
            }
            if current != best { best.update(from: current, count: count) }
            let channelStart = Scalar((plane % C) &* H &* W)
            for o in 0..<count { winner[o] += channelStart + originValues[o] }
        }
    }

    /// `row[o] = source[origins[o]]`.
    @inline(__always)
    static func gatherEntry<Scalar: BackpropScalar>(
        _ source: UnsafePointer<Scalar>, _ origins: UnsafePointer<Int>, into row: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        for o in 0..<count { row[o] = source[origins[o]] }
    }

    /// `next[o], winner[o] = entry[o], offset` where `entry[o]` is larger than `best[o]`, or NaN
    /// where `best[o]` is not; `next[o] = best[o]` elsewhere.
    @inline(__always)
    static func keepLarger<Scalar: BackpropScalar>(
        _ entry: UnsafePointer<Scalar>, offset: Scalar, best: UnsafePointer<Scalar>, into next: UnsafeMutablePointer<Scalar>,
        winner: UnsafeMutablePointer<Scalar>, count: Int
    ) {
        for o in 0..<count {
            let (v, b, w) = (entry[o], best[o], winner[o])
            let take = !(v <= b) && b == b
            next[o] = take ? v : b
            // w + [take]·(offset − w), exact for these whole numbers: written as a select, the
            // compiler makes it a conditional store, which does not vectorise.
            winner[o] = w + (take ? 1 : 0) * (offset - w)
        }
    }

    /// `dA_prev[winner] += dA` for every output of every example. The winner's index is read
    /// from its bits (`w + 2^p` has `w` as its significand, `p` the significand width), not by a
    /// conversion, where every index is below `2^p`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func maxBackward<Scalar: BackpropScalar>(
        _ da: UnsafePointer<Scalar>, winners: UnsafePointer<Scalar>, examples m: Int, inputs n: Int, outputs: Int,
        into dx: UnsafeMutablePointer<Scalar>
    ) {
        let width = Scalar.significandBitCount
        guard width < Int.bitWidth - 1, n <= 1 << width else {
            for e in 0..<m {
                for k in (e * outputs)..<((e + 1) * outputs) { dx[e * n + Int(winners[k])] += da[k] }
            }
            return
        }
        let shift = Scalar(1 << width)
        for e in 0..<m {
            let (target, gradient, winner) = (dx + e * n, da + e * outputs, winners + e * outputs)
            for k in 0..<outputs {
                target[Int(truncatingIfNeeded: (winner[k] + shift).significandBitPattern)] += gradient[k]
            }
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
