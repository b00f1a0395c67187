/// `z` for `z > 0`, else `slope · z`; derivative `1` or `slope`.
struct LeakyReLU: ActivationFunction {
    let slope: Double

    var name: String { slope == 0.01 ? "leaky_relu" : "leaky_relu:\(slope)" }
    var prefersHeInitialization: Bool { true }
    var pyTorchModule: String { "LeakyReLU(\(slope))" }
    var symbol: String { "leaky_relu" }
    var latex: String { "\\operatorname{leaky}_{\(ExplanationScalar.spell(slope))}" }
    func numpy(_ argument: String) -> String {
        "np.where(\(argument) > 0, \(argument), \(ExplanationScalar.spell(slope)) * \(argument))"
    }

    func value<T: BackpropScalar>(_ z: T) -> T { z > 0 ? z : T(slope) * z }
    func derivative<T: BackpropScalar>(z: T, a: T) -> T { z > 0 ? 1 : T(slope) }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>, rows: Int) {
        let s = T(slope)
        for i in 0..<a.count {
            let zi = z[i]
            a[i] = zi > 0 ? zi : s * zi
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backward<T: BackpropScalar>(_ g: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>, rows: Int) {
        let s = T(slope)
        for i in 0..<d.count {
            let gi = g[i]
            d[i] = z[i] > 0 ? gi : s * gi
        }
    }

    func addONNXNodes<Scalar: BackpropScalar>(to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int) {
        if Scalar.self == Float.self {
            // Backprop computes with Float(slope), which is exactly the float32 attribute.
            builder.addNode("LeakyRelu", inputs: [input], output: output, name: "leaky_relu\(l)",
                attributes: [.float("alpha", Float(slope))])
            return
        }
        // z > 0 ? z : slope · z, with the slope in double (as Backprop computes it).
        if !builder.hasInitializer("zero") { builder.addInitializer("zero", shape: [], values: [0]) }
        builder.addInitializer("leaky_slope\(l)", shape: [], values: [Scalar(slope)])
        builder.addNode("Greater", inputs: [input, "zero"], output: "Z\(l)_positive", name: "leaky_relu\(l)_greater")
        builder.addNode("Mul", inputs: [input, "leaky_slope\(l)"], output: "Z\(l)_scaled", name: "leaky_relu\(l)_mul")
        builder.addNode("Where", inputs: ["Z\(l)_positive", input, "Z\(l)_scaled"], output: output, name: "leaky_relu\(l)_where")
    }

    func derivativeTerm(z: ExplanationTerm, a: ExplanationTerm) -> ExplanationTerm? { .positiveOr(z, slope: slope) }
}
