import BackpropKernels

/// `max(0, z)`; derivative `1` for `z > 0`, else `0` (the subgradient at 0 is 0, as PyTorch).
/// NaN stays NaN, so a poisoned input is not silently zeroed.
struct ReLU: ActivationFunction {
    var name: String { "relu" }
    var prefersHeInitialization: Bool { true }
    var pyTorchModule: String { "ReLU()" }
    var latex: String { "\\operatorname{relu}" }
    func numpy(_ argument: String) -> String { "np.maximum(0, \(argument))" }

    func value<T: BackpropScalar>(_ z: T) -> T { z > 0 || z.isNaN ? z : 0 }
    func derivative<T: BackpropScalar>(z: T, a: T) -> T { z > 0 ? 1 : 0 }

    /// `a = max(z, 0)`, NaN kept (a NaN must reach the non-finite check, not turn into 0). Each
    /// value is loaded before it is chosen, so the choice is a blend, not a branch.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard let source = z.baseAddress, let target = a.baseAddress else { return }
        if T.self == Float.self {
            bp_relu_f32(Self.float(source), Self.float(target), a.count)
        } else if T.self == Double.self {
            bp_relu_f64(Self.double(source), Self.double(target), a.count)
        } else {
            Self.referenceForward(z, into: a)
        }
    }

    /// The forward loop in Swift: the reference the C kernels (`bp_relu_f32`, `bp_relu_f64`)
    /// reproduce bit for bit at every level (`ActivationKernelTests`).
    static func referenceForward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>) {
        for i in 0..<a.count {
            let zi = z[i]
            a[i] = zi > 0 || zi != zi ? zi : 0
        }
    }

    /// `g = z > 0 ? g : 0`, as `g · [z > 0]`.
    ///
    /// The product, not a choice: `g = z > 0 ? g : 0` in place compiles to a conditional
    /// store, which neither vectorises nor predicts (about half a ReLU layer's units are off).
    /// The product differs only where a switched-off unit's gradient is already infinite or
    /// NaN (it stays NaN instead of becoming 0) and in the sign of a zero.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard let gradient = g.baseAddress, let source = z.baseAddress, let target = d.baseAddress else { return }
        if T.self == Float.self {
            bp_relu_backward_f32(Self.float(gradient), Self.float(source), Self.float(target), d.count)
        } else if T.self == Double.self {
            bp_relu_backward_f64(Self.double(gradient), Self.double(source), Self.double(target), d.count)
        } else {
            Self.referenceBackward(g, z: z, into: d)
        }
    }

    /// The backward loop in Swift, the reference of `bp_relu_backward_f32` and `_f64`.
    static func referenceBackward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>) {
        for i in 0..<d.count {
            let on: T = z[i] > 0 ? 1 : 0
            d[i] = g[i] * on
        }
    }

    private static func float<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Float> { UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
    private static func float<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self) }
    private static func double<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Double> { UnsafeRawPointer(p).assumingMemoryBound(to: Double.self) }
    private static func double<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Double> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: Double.self) }

    func addONNXNodes<Scalar: BackpropScalar>(to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int) {
        builder.addNode("Relu", inputs: [input], output: output, name: "relu\(l)")
    }

    func derivativeTerm(z: ExplanationTerm, a: ExplanationTerm) -> ExplanationTerm? { .positive(z) }
}
