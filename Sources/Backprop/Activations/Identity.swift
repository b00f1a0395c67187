/// `z`; derivative `1` (a linear output, e.g. for regression with MSE).
struct Identity: ActivationFunction {
    var name: String { "identity" }
    var pyTorchModule: String { "Identity()" }
    var latex: String { "\\operatorname{id}" }
    func numpy(_ argument: String) -> String { argument }

    func value<T: BackpropScalar>(_ z: T) -> T { z }
    func derivative<T: BackpropScalar>(z: T, a: T) -> T { 1 }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard let source = z.baseAddress, let target = a.baseAddress, source != UnsafePointer(target) else { return }
        target.update(from: source, count: a.count)
    }

    func backward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard let source = g.baseAddress, let target = d.baseAddress, source != UnsafePointer(target) else { return }
        target.update(from: source, count: d.count)
    }

    /// The layer's `Gemm` writes its output directly.
    var hasONNXNode: Bool { false }
    func addONNXNodes<Scalar: BackpropScalar>(to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int) {}

    func derivativeTerm(z: ExplanationTerm, a: ExplanationTerm) -> ExplanationTerm? { nil }
}
