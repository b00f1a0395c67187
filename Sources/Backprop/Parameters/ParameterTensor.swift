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

    /// A parameter declaration.
    public init(name: String, symbol: String, shape: Shape, decays: Bool, isVector: Bool = false) {
        self.name = name
        self.symbol = symbol
        self.shape = shape
        self.decays = decays
        self.isVector = isVector
    }
}
