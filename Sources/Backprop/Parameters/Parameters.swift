/// A network's parameters: named tensors (``ParameterTensor``) that are views into one
/// contiguous slab, in layer order.
///
/// Gradients (``Gradients``) and optimizer moments use the same layout, so an optimizer step
/// is one pass over the slab, and adding the gradients of shards or ranks is one call over one
/// buffer. Nothing here knows what a dense layer is.
public struct Parameters<Scalar: BackpropScalar>: Sendable, Equatable {
    /// The tensors, in slab order.
    public let tensors: [ParameterTensor]
    /// Every parameter, tensor after tensor (each column-major).
    public internal(set) var slab: ContiguousArray<Scalar>
    /// `tensors` grouped by layer: the indices of layer `l`'s tensors at index `l − 1`.
    let layerTensors: [Range<Int>]

    /// A zero-filled slab for the given layers' declarations.
    init(specs: [[ParameterSpec]], moduleIndices: [Int]) {
        var tensors: [ParameterTensor] = []
        var layerTensors: [Range<Int>] = []
        var offset = 0
        for (index, layerSpecs) in specs.enumerated() {
            let first = tensors.count
            for spec in layerSpecs {
                let count = spec.shape.rows * spec.shape.columns
                tensors.append(ParameterTensor(
                    name: "\(moduleIndices[index]).\(spec.name)", symbol: "\(spec.symbol)\(index + 1)",
                    shape: spec.shape,
                    fileShape: spec.fileShape, decays: spec.decays, isTrainable: spec.isTrainable,
                    isCount: spec.isCount, layer: index + 1, offset: offset))
                offset += count
            }
            layerTensors.append(first..<tensors.count)
        }
        self.tensors = tensors
        self.layerTensors = layerTensors
        self.slab = ContiguousArray(repeating: 0, count: offset)
    }

    private init(tensors: [ParameterTensor], layerTensors: [Range<Int>], slab: ContiguousArray<Scalar>) {
        self.tensors = tensors
        self.layerTensors = layerTensors
        self.slab = slab
    }

    /// The number of elements in the slab (parameters and state).
    public var count: Int { slab.count }
    /// The number of trainable numbers (state such as running statistics left out).
    public var trainableCount: Int { tensors.reduce(0) { $0 + ($1.isTrainable ? $1.count : 0) } }

    /// The tensor called `name` (`"0.weight"`) or with course symbol `name` (`"W1"`).
    public func tensor(named name: String) -> ParameterTensor? {
        tensors.first { $0.name == name || $0.symbol == name }
    }

    /// Layer `l`'s tensors (1-based `l`), in the layer's declaration order.
    public func tensors(layer l: Int) -> ArraySlice<ParameterTensor> { tensors[layerTensors[l - 1]] }

    /// Whether layer `l` (1-based) has weights: a decaying tensor, whose `‖dW[l]‖` a training
    /// history records (``Gradients/weightNorm(layer:)``). Pooling, flatten and batch norm have
    /// none, and their histories record no norm rather than a 0.
    public func hasWeights(layer l: Int) -> Bool { tensors(layer: l).contains(where: \.decays) }

    /// A copy of one tensor's values as a matrix.
    public func matrix(_ tensor: ParameterTensor) -> Matrix<Scalar> {
        Matrix(rows: tensor.shape.rows, columns: tensor.shape.columns, columnMajor: slab[tensor.range])
    }

    /// Replaces one tensor's values.
    /// - Throws: when the shape differs from the tensor's.
    public mutating func set(_ tensor: ParameterTensor, to value: Matrix<Scalar>) throws {
        guard value.shape == tensor.shape else {
            throw BackpropError.shapeMismatch(operation: "replacing \(tensor.symbol) (\(tensor.name))", left: tensor.shape, right: value.shape)
        }
        slab.replaceSubrange(tensor.range, with: value.elements)
    }

    /// Whether every parameter is finite.
    public var isFinite: Bool { slab.withUnsafeBufferPointer(\.allFinite) }

    /// The first tensor holding a NaN or an infinity.
    public func firstNonFinite() -> ParameterTensor? {
        tensors.first { tensor in !slab.withUnsafeBufferPointer { $0.slice(tensor.range).allFinite } }
    }

    /// `Σ ‖θ‖²` over the tensors that decay (the weights), accumulated in `Double`.
    public func decayingSquaredNorm() -> Double {
        var total = 0.0
        for tensor in tensors where tensor.decays {
            total += slab.withUnsafeBufferPointer { $0.slice(tensor.range).sumOfSquares }
        }
        return total
    }

    /// Calls `body` with read-only views of every tensor, valid for the call only.
    public func withViews<R>(_ body: (ParameterViews<Scalar>) throws -> R) rethrows -> R {
        try slab.withUnsafeBufferPointer { try body(ParameterViews(base: $0.baseAddress, tensors: tensors)) }
    }

    /// Calls `body` with writable views of layer `l`'s tensors (1-based), valid for the call
    /// only: how a layer updates the state it keeps (running statistics).
    mutating func withMutableViews<R>(layer l: Int, _ body: (MutableParameterViews<Scalar>) throws -> R) rethrows -> R {
        let range = layerTensors[l - 1]
        let tensors = self.tensors
        return try slab.withUnsafeMutableBufferPointer {
            try body(MutableParameterViews(base: $0.baseAddress, tensors: tensors[...]).layer(range))
        }
    }

    /// The same parameters in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> Parameters<Other> {
        Parameters<Other>(tensors: tensors, layerTensors: layerTensors, slab: ContiguousArray(slab.lazy.map { Other($0) }))
    }

    /// A slab of the same layout filled with zeros (gradients, optimizer moments).
    func zeroSlab() -> ContiguousArray<Scalar> { ContiguousArray(repeating: 0, count: slab.count) }
}

/// Read-only views of a slab's tensors, handed to a layer's forward and backward passes.
public struct ParameterViews<Scalar: BackpropScalar> {
    let base: UnsafePointer<Scalar>?
    /// The tensors the views cover (a layer sees its own).
    public let tensors: ArraySlice<ParameterTensor>

    init(base: UnsafePointer<Scalar>?, tensors: ArraySlice<ParameterTensor>) {
        self.base = base
        self.tensors = tensors
    }

    init(base: UnsafePointer<Scalar>?, tensors: [ParameterTensor]) {
        self.init(base: base, tensors: tensors[...])
    }

    /// The views of layer `l`'s tensors (in a network-wide view).
    func layer(_ range: Range<Int>) -> ParameterViews { ParameterViews(base: base, tensors: tensors[range]) }

    /// The `i`-th tensor of these views (0-based, in declaration order).
    public subscript(i: Int) -> TensorView<Scalar> {
        let tensor = tensors[tensors.startIndex + i]
        return TensorView(base: base! + tensor.offset, rows: tensor.shape.rows, columns: tensor.shape.columns)
    }
}

/// Writable views of a slab's tensors: the gradients a layer's backward pass writes, or the
/// parameters an initialiser draws.
public struct MutableParameterViews<Scalar: BackpropScalar> {
    let base: UnsafeMutablePointer<Scalar>?
    /// The tensors the views cover.
    public let tensors: ArraySlice<ParameterTensor>

    init(base: UnsafeMutablePointer<Scalar>?, tensors: ArraySlice<ParameterTensor>) {
        self.base = base
        self.tensors = tensors
    }

    func layer(_ range: Range<Int>) -> MutableParameterViews {
        MutableParameterViews(base: base, tensors: tensors[range])
    }

    /// The `i`-th tensor of these views (0-based, in declaration order).
    public subscript(i: Int) -> MutableTensorView<Scalar> {
        let tensor = tensors[tensors.startIndex + i]
        return MutableTensorView(base: base! + tensor.offset, rows: tensor.shape.rows, columns: tensor.shape.columns)
    }
}
