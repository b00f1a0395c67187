/// `σ(z) = 1 / (1 + e^{−z})`; `σ′(z) = σ(z)(1 − σ(z)) = A(1 − A)`.
///
/// Computed without overflow for large `|z|`, on the library's SIMD kernel (within 2 ulp of
/// libm, the same bits wherever a value sits in a buffer).
struct Sigmoid: ActivationFunction {
    var name: String { "sigmoid" }
    var pyTorchModule: String { "Sigmoid()" }
    var symbol: String { "σ" }
    var latex: String { "\\sigma" }
    func numpy(_ argument: String) -> String { "sigmoid(\(argument))" }

    func value<T: BackpropScalar>(_ z: T) -> T { VectorMath.apply(.sigmoid, z) }
    func derivative<T: BackpropScalar>(z: T, a: T) -> T { a * (1 - a) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard let source = z.baseAddress, let target = a.baseAddress else { return }
        VectorMath.apply(.sigmoid, source, into: target, count: a.count)
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>, rows: Int) {
        for i in 0..<d.count { d[i] = g[i] * (a[i] * (1 - a[i])) }
    }

    func addONNXNodes<Scalar: BackpropScalar>(to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int) {
        builder.addNode("Sigmoid", inputs: [input], output: output, name: "sigmoid\(l)")
    }

    func derivativeTerm(z: ExplanationTerm, a: ExplanationTerm) -> ExplanationTerm? {
        .hadamard(a, .difference(.scalar(.number(1)), a))
    }
}
