/// Hands images over to dense layers: `C × H × W` per example in, `C·H·W` features out.
///
/// An image example already is a column in C·H·W order (``ImageShape``), so the output is the
/// input, element for element: PyTorch's `nn.Flatten()` on an NCHW batch orders each example
/// `(c, h, w)` just so. Forward copies `A_prev` to `A`; backward copies `dA` to `dA_prev`.
public struct Flatten: ImageLayer {
    public static let kind = "flatten"

    /// The image flattened.
    public let inputImage: ImageShape

    /// Flattens `input`.
    /// - Throws: when the shape is not positive or overflows.
    public init(input: ImageShape) throws {
        guard input.channels > 0, input.height > 0, input.width > 0, input.featureCount != Int.max else {
            throw BackpropError.invalidArgument("flatten: the input \(input) is not a positive image shape")
        }
        self.inputImage = input
    }

    private enum CodingKeys: String, CodingKey { case inputImage = "input" }

    public init(from decoder: any Decoder) throws {
        try self.init(input: decoder.container(keyedBy: CodingKeys.self).decode(ImageShape.self, forKey: .inputImage))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inputImage, forKey: .inputImage)
    }

    public var outputImage: ImageShape? { nil }
    public var inputSize: Int { inputImage.featureCount }
    public var outputSize: Int { inputImage.featureCount }
    public var parameterSpecs: [ParameterSpec] { [] }
    public var description: String { "flatten \(inputImage)→\(outputSize)" }
    public var pyTorchModules: [String] { ["Flatten()"] }

    public func initialize<Scalar: BackpropScalar>(
        _ parameters: MutableParameterViews<Scalar>, with initializer: Initializer, using generator: inout SeededGenerator
    ) {}

    public func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        precondition(input.shape == output.shape, "shape mismatch in flatten: \(input.shape) into \(output.shape)")
        input.withUnsafeBufferPointer { x in output.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: x) } }
    }

    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>) -> Matrix<Scalar> { input }

    /// A copy into `output`'s own storage: sharing the input's, as ``infer(_:parameters:)``
    /// does, would make the layer below copy its buffer on the next call of a loop that reuses
    /// them (``InferenceBuffers``).
    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, into output: inout Matrix<Scalar>) {
        output.prepareOutput(rows: input.rows, columns: input.columns)
        var saved: [Matrix<Scalar>] = []
        forward(input, parameters: parameters, mode: .inference, saved: &saved, output: &output)
    }

    public func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?
    ) {
        guard inputGradient != nil, case let .outputGradient(dA) = seed else { return }
        dA.withUnsafeBufferPointer { d in inputGradient!.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: d) } }
    }
}
