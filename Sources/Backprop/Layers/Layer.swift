/// A kind of layer: its forward and backward passes side by side, over buffers the caller owns.
///
/// A layer value describes the layer's structure (sizes, activation, options); its parameters
/// live in the network's ``Parameters`` slab, declared by ``parameterSpecs`` and handed back as
/// views. Activations are `(features, m)` matrices, one example per column: a layer whose
/// examples are images reads its `features` as `n_H · n_W · n_C` in its own layout, a layer
/// without parameters declares none, and a layer that mixes examples (batch statistics) says so
/// in ``mixesExamples`` so that sharding knows to reduce its statistics.
///
/// The backward pass writes **unscaled** parameter gradients for whatever its seed carries:
/// the network's one place for the 1/m (``Convention/scales(examples:)``) decides the seed and
/// the factor ``Gradients`` are finalized with.
///
/// A new kind is a new type conforming to this protocol; nothing in the library changes. To load
/// saved networks that use it, pass it in the ``LayerKinds`` given to the loader.
public protocol Layer: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The kind's name in saved files (`"dense"`).
    static var kind: String { get }
    /// Features per example going in (the rows of `A[l−1]`).
    var inputSize: Int { get }
    /// Features per example coming out (the rows of `A[l]`).
    var outputSize: Int { get }
    /// The parameters the layer owns, in slab order.
    var parameterSpecs: [ParameterSpec] { get }
    /// The names of the tensors the forward pass keeps beside its output, as the ledger shows
    /// them (`["Z"]` for a dense layer).
    var savedNames: [String] { get }
    /// The shapes of those tensors for a batch of `m` examples.
    func savedShapes(examples m: Int) -> [Shape]
    /// The names of the intermediate gradients the backward pass keeps (`["dZ"]`).
    var gradientNames: [String] { get }
    /// The shapes of those gradients for a batch of `m` examples.
    func gradientShapes(examples m: Int) -> [Shape]
    /// The output nonlinearity, when the layer ends in one that a loss can fuse with
    /// (its pre-activation is then ``savedNames``' first tensor). `nil` by default.
    var activation: Activation? { get }
    /// Whether an example's output depends on other examples of the batch (batch norm).
    /// `false` by default.
    var mixesExamples: Bool { get }
    /// The multiply-adds one example costs in the forward pass: a dense layer's weights, a
    /// convolution's weights once per output position. Sharding judges by it whether a batch is
    /// worth splitting across threads. The layer's ``parameterCount`` by default.
    var multiplyAddsPerExample: Int { get }
    /// The PyTorch modules this layer is, in `nn.Sequential` order (its parameters belong to the
    /// first): `["Linear(2, 4)", "Tanh()"]`.
    var pyTorchModules: [String] { get }

    /// Draws the layer's initial parameters.
    func initialize<Scalar: BackpropScalar>(
        _ parameters: MutableParameterViews<Scalar>, with initializer: Initializer,
        using generator: inout SeededGenerator)

    /// The forward pass: writes `A` for `input` into `output`, and what the backward pass
    /// needs into `saved` (shapes from ``savedShapes(examples:)``).
    func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>)

    /// The output for `input` in inference mode, keeping nothing for a backward pass. The default
    /// runs ``forward(_:parameters:mode:saved:output:)`` into fresh buffers; a kind may do better
    /// (a dense layer applies its activation in place).
    func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>) -> Matrix<Scalar>

    /// ``infer(_:parameters:)`` into `output`, reusing its storage when it already has the
    /// shape `(outputSize, m)` and is not shared, so an inference loop that keeps its buffers
    /// (``InferenceBuffers``) allocates nothing per call. The default assigns the result of
    /// ``infer(_:parameters:)``; dense, batch-norm and flatten layers write in place.
    func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, into output: inout Matrix<Scalar>)

    /// The backward pass: from `seed` (the gradient of the cost with respect to `output`, or the
    /// loss itself for an output layer) to the parameter gradients (written, not added) and, when
    /// `inputGradient` is not `nil`, the gradient with respect to `input`.
    func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?)
}

extension Layer {
    public var activation: Activation? { nil }
    public var mixesExamples: Bool { false }
    public var multiplyAddsPerExample: Int { parameterCount }
    public var savedNames: [String] { [] }
    public func savedShapes(examples m: Int) -> [Shape] { [] }
    public var gradientNames: [String] { [] }
    public func gradientShapes(examples m: Int) -> [Shape] { [] }

    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>) -> Matrix<Scalar> {
        let m = input.columns
        var saved = savedShapes(examples: m).map { Matrix<Scalar>(shape: $0) }
        var output = Matrix<Scalar>(rows: outputSize, columns: m)
        forward(input, parameters: parameters, mode: .inference, saved: &saved, output: &output)
        return output
    }

    public func infer<Scalar: BackpropScalar>(_ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, into output: inout Matrix<Scalar>) {
        output = infer(input, parameters: parameters)
    }

    /// The number of trainable numbers.
    public var parameterCount: Int { parameterSpecs.reduce(0) { $0 + $1.shape.rows * $1.shape.columns } }

    /// Whether `other` is the same kind with the same structure.
    func isSame(as other: any Layer) -> Bool { (other as? Self) == self }
}

/// Whether a pass trains (batch statistics, dropout) or infers (running statistics).
public enum PassMode: Sendable, Hashable {
    case training
    case inference
}

/// Where a layer's backward pass starts.
public enum BackwardSeed<Scalar: BackpropScalar> {
    /// `dA[l]`, the gradient with respect to the layer's output, from the layer above.
    case outputGradient(Matrix<Scalar>)
    /// The network's output layer: `dZ[L] = (∂L/∂Z[L]) / divisor`, from ``Loss`` with the labels.
    case loss(Loss, labels: Matrix<Scalar>, divisor: Scalar)

    /// The gradient with respect to the pre-activation `Z` of an activation `g` with output
    /// `A`: from the loss for the output layer, `dA ⊙ g′(Z)` otherwise (written into `dZ`).
    public func preActivationGradient(through g: Activation, Z: Matrix<Scalar>, A: Matrix<Scalar>, into dZ: inout Matrix<Scalar>) {
        switch self {
        case let .loss(loss, Y, divisor):
            loss.outputGradient(Z: Z, A: A, Y: Y, output: g, divisor: divisor, into: &dZ)
        case let .outputGradient(dA):
            g.backward(dA, Z: Z, A: A, into: &dZ)
        }
    }
}
