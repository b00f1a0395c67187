/// One activation, as one block: its value and derivative, its whole-layer kernels, its name,
/// its PyTorch module, its ONNX nodes and how an explanation writes it. ``Activation`` wraps a
/// block; adding an activation is one new file conforming to this protocol, and one line in
/// ``Activation/named`` so its name parses.
///
/// The kernels are functions of their buffers (not closures capturing them), so each loop is a
/// straight run over memory the compiler can vectorise.
protocol ActivationFunction: Sendable {
    /// The name ``Activation/init(name:)`` reads back (`"relu"`, `"leaky_relu:0.2"`).
    var name: String { get }
    /// Whether `g` acts on each element alone (everything but softmax).
    var isElementwise: Bool { get }
    /// Whether a hidden layer of it is best started with He's initialisation (ReLU family).
    var prefersHeInitialization: Bool { get }
    /// The PyTorch module that computes it.
    var pyTorchModule: String { get }

    /// `g(z)` for one element (elementwise activations only).
    func value<T: BackpropScalar>(_ z: T) -> T
    /// `g′(z)` for one element, given `z` and `a = g(z)` (elementwise activations only).
    func derivative<T: BackpropScalar>(z: T, a: T) -> T
    /// `a = g(z)` over a layer's column-major buffer of `rows`-row columns (`a` may be `z`).
    func forward<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>, rows: Int)
    /// `dZ = dA ⊙ g′(z)` (softmax: its Jacobian–vector product), given `z` and `a = g(z)`;
    /// `dZ` may be `dA`'s own memory (each element, or column, is read before it is written).
    func backward<T: BackpropScalar>(
        _ dA: UnsafeBufferPointer<T>, z: UnsafeBufferPointer<T>, a: UnsafeBufferPointer<T>,
        into dZ: UnsafeMutableBufferPointer<T>, rows: Int)

    /// Whether export writes a node for it (identity writes none).
    var hasONNXNode: Bool { get }
    /// Adds the ONNX nodes that compute `output = g(input)` for layer `l`.
    func addONNXNodes<Scalar: BackpropScalar>(to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int)

    /// `g′` written as the course writes it, from `A` where that is how it is written; `nil`
    /// where there is no elementwise derivative to write (identity: it is 1; softmax).
    func derivativeTerm(z: ExplanationTerm, a: ExplanationTerm) -> ExplanationTerm?
    /// The function's symbol in plain text (`σ`).
    var symbol: String { get }
    /// The function's symbol in LaTeX.
    var latex: String { get }
    /// The NumPy spelling of `g(argument)`.
    func numpy(_ argument: String) -> String
}

extension ActivationFunction {
    var isElementwise: Bool { true }
    var prefersHeInitialization: Bool { false }
    var hasONNXNode: Bool { true }
    var symbol: String { name }
}
