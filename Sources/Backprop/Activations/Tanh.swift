import BackpropKernels

/// `tanh z`; `tanh′(z) = 1 − tanh²(z) = 1 − A²`, on the library's SIMD kernel.
struct Tanh: ActivationFunction {
    var name: String { "tanh" }
    var pyTorchModule: String { "Tanh()" }
    var latex: String { "\\tanh" }
    func numpy(_ argument: String) -> String { "np.tanh(\(argument))" }

    /// libm's, which may differ from the vectorised layer kernel in the last place (≤ 2 ulp).
    func value<T: BackpropScalar>(_ z: T) -> T { T.tanh(z) }
    func derivative<T: BackpropScalar>(z: T, a: T) -> T { 1 - a * a }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard let source = z.baseAddress, let target = a.baseAddress else { return }
        VectorMath.apply(.tanh, source, into: target, count: a.count)
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard let gradient = g.baseAddress, let output = a.baseAddress, let target = d.baseAddress else { return }
        let (gr, ar, dr) = (UnsafeRawPointer(gradient), UnsafeRawPointer(output), UnsafeMutableRawPointer(target))
        if T.self == Float.self {
            bp_tanh_backward_f32(gr.assumingMemoryBound(to: Float.self), ar.assumingMemoryBound(to: Float.self),
                                 dr.assumingMemoryBound(to: Float.self), d.count)
        } else if T.self == Double.self {
            bp_tanh_backward_f64(gr.assumingMemoryBound(to: Double.self), ar.assumingMemoryBound(to: Double.self),
                                 dr.assumingMemoryBound(to: Double.self), d.count)
        } else {
            Self.referenceBackward(g, a: a, into: d)
        }
    }

    /// The backward loop in Swift: the reference of `bp_tanh_backward_f32` and `_f64`, which
    /// give its bits at every level (`ActivationKernelTests`).
    static func referenceBackward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>) {
        for i in 0..<d.count { d[i] = g[i] * (1 - a[i] * a[i]) }
    }

    func addONNXNodes<Scalar: BackpropScalar>(to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int) {
        builder.addNode("Tanh", inputs: [input], output: output, name: "tanh\(l)")
    }

    func derivativeTerm(z: ExplanationTerm, a: ExplanationTerm) -> ExplanationTerm? {
        .difference(.scalar(.number(1)), .square(a))
    }
}
