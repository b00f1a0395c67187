/// `softmax(z)_i = e^{z_i − max z} / Σ_j e^{z_j − max z}`, per column (output layers).
///
/// It mixes a column's entries, so its backward step is the Jacobian–vector product
/// `dZ = A ⊙ (dA − Σ_rows(dA ⊙ A))`. With cross-entropy it is never needed: the loss hands back
/// `dZ = A − Y` directly.
struct Softmax: ActivationFunction {
    var name: String { "softmax" }
    var isElementwise: Bool { false }
    var pyTorchModule: String { "Softmax(dim=1)" }
    var latex: String { "\\operatorname{softmax}" }
    func numpy(_ argument: String) -> String { "softmax(\(argument))" }

    func value<T: BackpropScalar>(_ z: T) -> T { preconditionFailure("softmax is not elementwise") }
    func derivative<T: BackpropScalar>(z: T, a: T) -> T { preconditionFailure("softmax is not elementwise") }

    /// Each column with its maximum subtracted first (no overflow).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard rows > 0 else { return }
        if let source = z.baseAddress, let target = a.baseAddress, source != UnsafePointer(target) {
            target.update(from: source, count: a.count)
        }
        for column in stride(from: 0, to: a.count, by: rows) {
            var largest = -T.infinity
            for i in 0..<rows { largest = Swift.max(largest, a[column + i]) }
            let total = VectorMath.exponentiate(UnsafeMutableBufferPointer(rebasing: a[column..<column + rows]), minus: largest)
            let inverse = 1 / total
            for i in 0..<rows { a[column + i] *= inverse }
        }
    }

    /// `d = a ⊙ (g − Σ_rows g ⊙ a)`, column by column (the sum accumulated in `Double`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>, rows: Int) {
        guard rows > 0 else { return }
        for column in stride(from: 0, to: d.count, by: rows) {
            var weighted = 0.0
            for i in column..<column + rows { weighted += Double(g[i] * a[i]) }
            let w = T(weighted)
            for i in column..<column + rows { d[i] = a[i] * (g[i] - w) }
        }
    }

    func addONNXNodes<Scalar: BackpropScalar>(to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int) {
        builder.addNode("Softmax", inputs: [input], output: output, name: "softmax\(l)", attributes: [.int("axis", 1)])
    }

    func derivativeTerm(z: ExplanationTerm, a: ExplanationTerm) -> ExplanationTerm? { nil }
}
