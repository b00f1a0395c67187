/// One named tensor of a network's parameters (`0.weight`, `0.bias`, …) and where it sits in
/// the network's parameter slab (and, at the same offset, in every gradient and optimizer slab).
public struct ParameterTensor: Sendable, Hashable {
    /// The PyTorch `state_dict` name, e.g. `"2.weight"`.
    public let name: String
    /// The course's symbol with its layer number, e.g. `"W2"`; the gradient is `"d" + symbol`.
    public let symbol: String
    /// The tensor as a column-major matrix: `(n_l, n_{l−1})` for a dense weight, `(n_l, 1)` for
    /// a bias.
    public let shape: Shape
    /// The shape in a saved file (row-major, PyTorch's): `[out, in]` for a weight, `[out]` for
    /// a bias.
    public let fileShape: [Int]
    /// Whether L2 and weight decay apply (weights do; biases, scales and shifts do not).
    public let decays: Bool
    /// Whether the optimizer trains it. A tensor that is not trainable is state the forward
    /// pass keeps (PyTorch's *buffers*: batch norm's running statistics); its gradient is zero,
    /// the gradient check skips it, and files save it like any other tensor.
    public let isTrainable: Bool
    /// Whether it holds a count, saved as a 64-bit integer (`num_batches_tracked`).
    public let isCount: Bool
    /// The 1-based layer that owns it.
    public let layer: Int
    /// The first element's index in the slab.
    public let offset: Int

    /// The number of elements.
    public var count: Int { shape.rows * shape.columns }
    /// The elements' indices in the slab.
    public var range: Range<Int> { offset..<(offset + count) }
    /// The gradient's course name, `"dW2"`.
    public var gradientSymbol: String { "d" + symbol }
}

/// What a layer declares about one of its parameters; the network turns it into a
/// ``ParameterTensor`` by numbering the layer and placing it in the slab.
public struct ParameterSpec: Sendable, Hashable {
    /// The name inside the layer's module, `"weight"` or `"bias"` (PyTorch's).
    public let name: String
    /// The course's letter, `"W"` or `"b"`; the layer number is appended.
    public let symbol: String
    /// The shape as a column-major matrix.
    public let shape: Shape
    /// Whether L2 and weight decay apply to it.
    public let decays: Bool
    /// Whether the file stores it as a vector `[rows]` (a bias) rather than `[rows, columns]`.
    public let isVector: Bool
    /// Whether the optimizer trains it (see ``ParameterTensor/isTrainable``).
    public let isTrainable: Bool
    /// Whether it is a count, saved as a 0-dimensional 64-bit integer (see ``ParameterTensor/isCount``).
    public let isCount: Bool
    /// The dimensions in a saved file when they are not the matrix's: a convolution's
    /// `(out_c, in_c, kH, kW)` for its `(out_c, in_c·kH·kW)` weight matrix (same elements,
    /// same row-major order).
    public private(set) var fileDimensions: [Int]? = nil

    /// A parameter declaration.
    public init(name: String, symbol: String, shape: Shape, decays: Bool, isVector: Bool = false) {
        self.init(name: name, symbol: symbol, shape: shape, decays: decays, isVector: isVector, isTrainable: true, isCount: false)
    }

    /// A trained parameter stored as a `shape` matrix whose file form has `fileDimensions`
    /// (their product must be `shape.count`, row-major order kept).
    public init(name: String, symbol: String, shape: Shape, fileDimensions: [Int], decays: Bool) {
        precondition(fileDimensions.reduce(1, *) == shape.count, "file dimensions \(fileDimensions) for a \(shape) parameter")
        self.init(name: name, symbol: symbol, shape: shape, decays: decays, isVector: false, isTrainable: true, isCount: false)
        self.fileDimensions = fileDimensions
    }

    /// A declaration of state the layer keeps beside its parameters and updates itself
    /// (PyTorch's buffers, `running_mean`): saved and loaded, never trained.
    public static func state(name: String, symbol: String, shape: Shape, isVector: Bool = true) -> ParameterSpec {
        ParameterSpec(name: name, symbol: symbol, shape: shape, decays: false, isVector: isVector, isTrainable: false, isCount: false)
    }

    /// A declaration of a count the layer keeps (PyTorch's `num_batches_tracked`): a `(1, 1)`
    /// tensor saved as a 0-dimensional int64.
    public static func count(name: String, symbol: String) -> ParameterSpec {
        ParameterSpec(name: name, symbol: symbol, shape: Shape(1, 1), decays: false, isVector: false, isTrainable: false, isCount: true)
    }

    private init(name: String, symbol: String, shape: Shape, decays: Bool, isVector: Bool, isTrainable: Bool, isCount: Bool) {
        self.name = name
        self.symbol = symbol
        self.shape = shape
        self.decays = decays
        self.isVector = isVector
        self.isTrainable = isTrainable
        self.isCount = isCount
    }

    /// The shape in a saved file: `[]` for a count, `[rows]` for a vector, `[rows, columns]`.
    var fileShape: [Int] { fileDimensions ?? (isCount ? [] : isVector ? [shape.rows] : [shape.rows, shape.columns]) }
}
