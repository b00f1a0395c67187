/// A stack of dense layers ending in an output activation and a loss: the course's L-layer
/// network.
///
/// Layer `l` (1-based, as in the course) is `layers[l − 1]`. The shapes follow the course:
/// `X = A[0]` is `(n_x, m)`, `W[l]` is `(n_l, n_{l−1})`, `b[l]` is `(n_l, 1)`.
public struct Network<Scalar: BackpropScalar>: Sendable, Equatable {
    /// The layers, input side first.
    public private(set) var layers: [DenseLayer<Scalar>]
    /// The loss on the output activation.
    public let loss: Loss

    /// A network from ready-made layers.
    /// - Throws: when consecutive layers do not fit (`W[l]` columns ≠ `W[l−1]` rows), when a
    ///   hidden layer uses softmax, or when the loss does not suit the output activation.
    public init(layers: [DenseLayer<Scalar>], loss: Loss) throws {
        guard let last = layers.last else {
            throw BackpropError.invalidArgument("a network needs at least one layer")
        }
        if let empty = layers.firstIndex(where: { $0.outputSize == 0 || $0.inputSize == 0 }) {
            throw BackpropError.invalidArgument("layer \(empty + 1) has no units (W\(empty + 1) is \(layers[empty].W.shape))")
        }
        for l in 1..<layers.count where layers[l].inputSize != layers[l - 1].outputSize {
            throw BackpropError.shapeMismatch(
                operation: "W\(l + 1) · A\(l) (layer sizes)", left: layers[l].W.shape,
                right: Shape(layers[l - 1].outputSize, 1))
        }
        for (index, layer) in layers.dropLast().enumerated() where !layer.activation.isElementwise {
            throw BackpropError.invalidArgument("softmax is an output activation; hidden layer \(index + 1) cannot use it")
        }
        try loss.validate(output: last.activation)
        self.layers = layers
        self.loss = loss
    }

    /// A freshly initialised network.
    ///
    /// - Parameters:
    ///   - sizes: `[n_x, n_1, …, n_L]`, e.g. `[2, 4, 1]` for the course's planar network.
    ///   - hidden: the activation of layers `1 … L−1`.
    ///   - output: the activation of layer `L`.
    ///   - loss: defaults to ``Loss/natural(for:)`` of `output`.
    ///   - initializer: defaults to He for ReLU-family hidden layers, Xavier otherwise.
    ///   - seed: fixes every weight (see ``SeededGenerator``).
    public init(
        sizes: [Int], hidden: Activation, output: Activation, loss: Loss? = nil,
        initializer: Initializer? = nil, seed: UInt64 = 1
    ) throws {
        guard sizes.count >= 2 else {
            throw BackpropError.invalidArgument("layer sizes need an input and an output, e.g. 2,4,1; got \(sizes.count) number(s)")
        }
        if let bad = sizes.first(where: { $0 <= 0 }) {
            throw BackpropError.invalidArgument("layer sizes must be positive; got \(bad)")
        }
        let initializer = initializer ?? Initializer.default(for: hidden)
        var generator = SeededGenerator(seed: seed)
        var layers: [DenseLayer<Scalar>] = []
        for l in 1..<sizes.count {
            let W: Matrix<Scalar> = initializer.weights(fanIn: sizes[l - 1], fanOut: sizes[l], using: &generator)
            layers.append(try DenseLayer(
                W: W, b: Matrix(rows: sizes[l], columns: 1),
                activation: l == sizes.count - 1 ? output : hidden))
        }
        try self.init(layers: layers, loss: loss ?? Loss.natural(for: output))
    }

    /// `L`, the number of layers with parameters.
    public var depth: Int { layers.count }
    /// `[n_x, n_1, …, n_L]`.
    public var sizes: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }
    /// `n_x`.
    public var inputSize: Int { layers[0].inputSize }
    /// `n_y = n_L`.
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    /// The output activation `g[L]`.
    public var outputActivation: Activation { layers[layers.count - 1].activation }
    /// The total number of trainable numbers.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Layer `l`, 1-based as in the course.
    public func layer(_ l: Int) -> DenseLayer<Scalar> { layers[l - 1] }

    /// Replaces `W[l]` and `b[l]` (1-based `l`).
    /// - Throws: when the new shapes differ from the old ones.
    public mutating func setParameters(layer l: Int, W: Matrix<Scalar>, b: Matrix<Scalar>) throws {
        guard (1...depth).contains(l) else {
            throw BackpropError.invalidArgument("layer \(l) does not exist; layers are 1…\(depth)")
        }
        let old = layers[l - 1]
        guard W.shape == old.W.shape else {
            throw BackpropError.shapeMismatch(operation: "replacing W\(l)", left: old.W.shape, right: W.shape)
        }
        guard b.shape == old.b.shape else {
            throw BackpropError.shapeMismatch(operation: "replacing b\(l)", left: old.b.shape, right: b.shape)
        }
        layers[l - 1].W = W
        layers[l - 1].b = b
    }

    /// Updates every layer's parameters in place, input side first (`body` gets the 1-based
    /// layer number). Shapes must not change.
    public mutating func updateParameters(_ body: (Int, inout Matrix<Scalar>, inout Matrix<Scalar>) -> Void) {
        for index in layers.indices {
            // Through an inout layer, W and b are two separate accesses and neither is copied.
            func update(_ layer: inout DenseLayer<Scalar>) {
                let shapes = (layer.W.shape, layer.b.shape)
                body(index + 1, &layer.W, &layer.b)
                precondition(layer.W.shape == shapes.0 && layer.b.shape == shapes.1,
                    "updateParameters must not change parameter shapes")
            }
            update(&layers[index])
        }
    }

    /// The same network in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> Network<Other> {
        // Sizes and the loss were validated when this network was made.
        try! Network<Other>(layers: layers.map { $0.converted() }, loss: loss)
    }
}

extension Initializer {
    /// He for ReLU-family hidden layers, Xavier for the rest.
    public static func `default`(for hidden: Activation) -> Initializer {
        switch hidden {
        case .relu, .leakyReLU: .he
        default: .xavier
        }
    }
}
