/// A stack of layers ending in an output activation and a loss: the course's L-layer network,
/// or any sequence of ``Layer`` kinds.
///
/// Layer `l` (1-based, as in the course) is `layers[l − 1]`. The shapes follow the course:
/// `X = A[0]` is `(n_x, m)`, `W[l]` is `(n_l, n_{l−1})`, `b[l]` is `(n_l, 1)`. The parameters are
/// one slab of named tensors (``parameters``), in layer order.
public struct Network<Scalar: BackpropScalar>: Sendable, Equatable {
    /// The layers, input side first.
    public let layers: [any Layer]
    /// The loss on the output activation.
    public let loss: Loss
    /// Every trainable number, as named tensors in one slab.
    public internal(set) var parameters: Parameters<Scalar>

    /// A network of `layers` with zero parameters (to be filled by the caller).
    /// - Throws: when consecutive layers do not fit, when a hidden layer uses softmax, when the
    ///   last layer has no activation, when the loss does not suit the output activation, or
    ///   (``BackpropError/tooLarge(_:)``) when the parameters would not fit `budget`.
    public init(layers: [any Layer], loss: Loss, budget: MemoryBudget = .standard) throws {
        try Self.validate(layers, loss: loss)
        try Self.requireParameters(of: layers, within: budget)
        self.layers = layers
        self.loss = loss
        var module = 0
        var modules: [Int] = []
        for layer in layers {
            modules.append(module)
            module += Swift.max(layer.pyTorchModules.count, 1)
        }
        self.parameters = Parameters(specs: layers.map(\.parameterSpecs), moduleIndices: modules)
    }

    /// A network of `layers` with freshly drawn parameters.
    ///
    /// - Parameters:
    ///   - layers: the layer kinds, input side first.
    ///   - loss: the loss on the last layer's activation.
    ///   - initializer: defaults to He when the first activation is ReLU-family, Xavier otherwise.
    ///   - seed: fixes every parameter (see ``SeededGenerator``); layers draw in order.
    ///   - budget: the memory the parameters may take.
    public init(
        layers: [any Layer], loss: Loss, initializer: Initializer?, seed: UInt64 = 1, budget: MemoryBudget = .standard
    ) throws {
        try self.init(layers: layers, loss: loss, budget: budget)
        let initializer = initializer ?? Initializer.default(for: layers.lazy.compactMap(\.activation).first ?? .identity)
        var generator = SeededGenerator(seed: seed)
        let tensors = parameters.layerTensors
        parameters.slab.withUnsafeMutableBufferPointer { slab in
            let views = MutableParameterViews<Scalar>(base: slab.baseAddress, tensors: parameters.tensors[...])
            for (index, layer) in layers.enumerated() {
                layer.initialize(views.layer(tensors[index]), with: initializer, using: &generator)
            }
        }
    }

    /// A network from ready-made dense layers (their `W`, `b` copied into the slab).
    /// - Throws: as the zero-parameter initialiser over layer kinds does, and when a layer has no units.
    public init(layers: [DenseLayer<Scalar>], loss: Loss) throws {
        if let empty = layers.firstIndex(where: { $0.outputSize == 0 || $0.inputSize == 0 }) {
            throw BackpropError.invalidArgument("layer \(empty + 1) has no units (W\(empty + 1) is \(layers[empty].W.shape))")
        }
        try self.init(layers: layers.map(\.kind), loss: loss)
        for (index, layer) in layers.enumerated() {
            try setParameters(layer: index + 1, W: layer.W, b: layer.b)
        }
    }

    /// A freshly initialised dense network.
    ///
    /// - Parameters:
    ///   - sizes: `[n_x, n_1, …, n_L]`, e.g. `[2, 4, 1]` for the course's planar network.
    ///   - hidden: the activation of layers `1 … L−1`.
    ///   - output: the activation of layer `L`.
    ///   - loss: defaults to ``Loss/natural(for:)`` of `output`.
    ///   - initializer: defaults to He for ReLU-family hidden layers, Xavier otherwise.
    ///   - seed: fixes every weight (see ``SeededGenerator``).
    ///   - batchNorm: puts a ``BatchNorm`` between each hidden dense layer's `Z` and its
    ///     activation (`Linear, BatchNorm1d, g` in PyTorch terms).
    ///   - biasBeforeBatchNorm: whether those dense layers keep their bias; it is redundant
    ///     (batch norm subtracts the mean, and β takes its place), so by default they have none.
    ///   - budget: the memory the parameters may take; checked before anything is allocated.
    public init(
        sizes: [Int], hidden: Activation, output: Activation, loss: Loss? = nil,
        initializer: Initializer? = nil, seed: UInt64 = 1,
        batchNorm: Bool = false, biasBeforeBatchNorm: Bool = false, budget: MemoryBudget = .standard
    ) throws {
        guard sizes.count >= 2 else {
            throw BackpropError.invalidArgument("layer sizes need an input and an output, e.g. 2,4,1; got \(sizes.count) number(s)")
        }
        if let bad = sizes.first(where: { $0 <= 0 }) {
            throw BackpropError.invalidArgument("layer sizes must be positive; got \(bad)")
        }
        let layers: [any Layer] = (1..<sizes.count).flatMap { l -> [any Layer] in
            guard batchNorm, l < sizes.count - 1 else {
                return [Dense(inputSize: sizes[l - 1], outputSize: sizes[l], activation: l == sizes.count - 1 ? output : hidden)]
            }
            return [Dense(inputSize: sizes[l - 1], outputSize: sizes[l], activation: nil, hasBias: biasBeforeBatchNorm),
                    BatchNorm(units: sizes[l], activation: hidden)]
        }
        try self.init(
            layers: layers, loss: loss ?? Loss.natural(for: output),
            initializer: initializer ?? Initializer.default(for: hidden), seed: seed, budget: budget)
    }

    /// Throws ``BackpropError/tooLarge(_:)`` when the parameters of `layers` overflow or do not fit `budget`.
    private static func requireParameters(of layers: [any Layer], within budget: MemoryBudget) throws {
        let sizes = [layers[0].inputSize] + layers.map(\.outputSize)
        let name = "the network \(NetworkFootprint.name(sizes))"
        var count = 0
        for spec in layers.lazy.flatMap(\.parameterSpecs) {
            count = try CheckedSize.add(count, try CheckedSize.multiply(spec.shape.rows, spec.shape.columns, name), name)
        }
        try budget.require(elements: count, of: Scalar.self, for: name, purpose: "its weights")
    }

    private static func validate(_ layers: [any Layer], loss: Loss) throws {
        guard let last = layers.last else {
            throw BackpropError.invalidArgument("a network needs at least one layer")
        }
        if let empty = layers.firstIndex(where: { $0.outputSize <= 0 || $0.inputSize <= 0 }) {
            throw BackpropError.invalidArgument("layer \(empty + 1) (\(layers[empty])) has no units")
        }
        for l in 1..<layers.count where layers[l].inputSize != layers[l - 1].outputSize {
            throw BackpropError.shapeMismatch(
                operation: "W\(l + 1) · A\(l) (layer sizes)", left: Shape(layers[l].outputSize, layers[l].inputSize),
                right: Shape(layers[l - 1].outputSize, 1))
        }
        try ImageLayers.validate(layers)
        for (index, layer) in layers.dropLast().enumerated() where layer.activation.map({ !$0.isElementwise }) ?? false {
            throw BackpropError.invalidArgument("softmax is an output activation; hidden layer \(index + 1) cannot use it")
        }
        guard let output = last.activation else {
            throw BackpropError.invalidArgument("the last layer (\(last)) must end in an activation the loss can take")
        }
        try loss.validate(output: output)
    }

    public static func == (lhs: Network, rhs: Network) -> Bool {
        lhs.loss == rhs.loss && lhs.parameters == rhs.parameters && lhs.layers.count == rhs.layers.count
            && zip(lhs.layers, rhs.layers).allSatisfy { $0.isSame(as: $1) }
    }

    /// `L`, the number of layers.
    public var depth: Int { layers.count }
    /// `[n_x, n_1, …, n_L]`: features into the first layer, then out of each.
    public var sizes: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }
    /// `n_x`.
    public var inputSize: Int { layers[0].inputSize }
    /// `n_y = n_L`.
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    /// The output activation `g[L]`.
    public var outputActivation: Activation { layers[layers.count - 1].activation ?? .identity }
    /// The total number of trainable numbers.
    public var parameterCount: Int { parameters.trainableCount }
    /// Whether every layer is a dense layer (the course's network; what ONNX export and the
    /// derivation checker take).
    public var isDense: Bool { layers.allSatisfy { $0 is Dense } }

    /// Layer `l` (1-based) as a dense layer with copies of its parameters.
    /// - Precondition: layer `l` is a ``Dense`` layer.
    public func layer(_ l: Int) -> DenseLayer<Scalar> {
        guard let kind = layers[l - 1] as? Dense else {
            preconditionFailure("layer \(l) is \(layers[l - 1]), not a dense layer")
        }
        let tensors = parameters.tensors(layer: l)
        let W = parameters.matrix(tensors[tensors.startIndex])
        let b = kind.hasBias ? parameters.matrix(tensors[tensors.startIndex + 1]) : Matrix(rows: kind.outputSize, columns: 1)
        return DenseLayer(kind: kind, W: W, b: b)
    }

    /// Every layer as a dense layer with copies of its parameters (``layer(_:)`` for each).
    /// - Precondition: the network ``isDense``.
    public var denseLayers: [DenseLayer<Scalar>] { (1...depth).map(layer) }

    /// Replaces `W[l]` and `b[l]` (1-based `l`) of a dense layer.
    /// - Throws: when the layer does not exist or is not dense, or when the new shapes differ
    ///   from the old ones.
    public mutating func setParameters(layer l: Int, W: Matrix<Scalar>, b: Matrix<Scalar>) throws {
        guard (1...depth).contains(l) else {
            throw BackpropError.invalidArgument("layer \(l) does not exist; layers are 1…\(depth)")
        }
        guard let kind = layers[l - 1] as? Dense else {
            throw BackpropError.invalidArgument("layer \(l) is \(layers[l - 1]), not a dense layer with W and b")
        }
        let tensors = parameters.tensors(layer: l)
        try parameters.set(tensors[tensors.startIndex], to: W)
        if kind.hasBias {
            try parameters.set(tensors[tensors.startIndex + 1], to: b)
        } else if b.shape != Shape(kind.outputSize, 1) || b.elements.contains(where: { $0 != 0 }) {
            throw BackpropError.invalidArgument("layer \(l) has no bias; b must be zeros \(Shape(kind.outputSize, 1))")
        }
    }

    /// Replaces the tensor called `name` (`"0.weight"` or `"W1"`).
    /// - Throws: when there is no such tensor or the shape differs.
    public mutating func setParameter(_ name: String, to value: Matrix<Scalar>) throws {
        guard let tensor = parameters.tensor(named: name) else {
            throw BackpropError.invalidArgument("no parameter named \(name); the parameters are \(parameters.tensors.map(\.name).joined(separator: ", "))")
        }
        try parameters.set(tensor, to: value)
    }

    /// The same network in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> Network<Other> {
        Network<Other>(layers: layers, loss: loss, parameters: parameters.converted())
    }

    private init(layers: [any Layer], loss: Loss, parameters: Parameters<Scalar>) {
        self.layers = layers
        self.loss = loss
        self.parameters = parameters
    }
}

extension Initializer {
    /// He for ReLU-family hidden layers, Xavier for the rest.
    public static func `default`(for hidden: Activation) -> Initializer {
        hidden.prefersHeInitialization ? .he : .xavier
    }
}
