/// The gradient of the cost with respect to every parameter: one slab in the layout of the
/// network's ``Parameters``, so a tensor's gradient sits at its parameter's offset.
///
/// A backward pass fills it with sums; ``finalize(examples:convention:l2:parameters:)`` applies
/// the 1/M and the L2 term once, after any reduction across shards or ranks.
public struct Gradients<Scalar: BackpropScalar>: Sendable, Equatable {
    /// The tensors, in slab order (the parameters' own descriptions).
    public let tensors: [ParameterTensor]
    /// Every gradient, tensor after tensor.
    public internal(set) var slab: ContiguousArray<Scalar>

    /// Zero gradients for `parameters`.
    public init(zerosLike parameters: Parameters<Scalar>) {
        tensors = parameters.tensors
        slab = parameters.zeroSlab()
    }

    /// Gradients from given tensors, one per parameter.
    /// - Throws: when a tensor is missing or misshapen.
    public init(_ values: [String: Matrix<Scalar>], for parameters: Parameters<Scalar>) throws {
        self.init(zerosLike: parameters)
        for tensor in tensors {
            guard let value = values[tensor.gradientSymbol] ?? values[tensor.name] else {
                throw BackpropError.invalidArgument("no gradient for \(tensor.symbol) (\(tensor.name)); expected \(tensor.gradientSymbol)")
            }
            guard value.shape == tensor.shape else {
                throw BackpropError.shapeMismatch(operation: "\(tensor.gradientSymbol) against its parameter", left: value.shape, right: tensor.shape)
            }
            slab.replaceSubrange(tensor.range, with: value.elements)
        }
    }

    /// One tensor's gradient as a matrix.
    public func matrix(_ tensor: ParameterTensor) -> Matrix<Scalar> {
        Matrix(rows: tensor.shape.rows, columns: tensor.shape.columns, columnMajor: slab[tensor.range])
    }

    /// The gradient called `"dW1"` (course) or named like its parameter (`"0.weight"`, `"W1"`).
    public subscript(name: String) -> Matrix<Scalar>? {
        tensors.first { $0.gradientSymbol == name || $0.name == name || $0.symbol == name }.map(matrix)
    }

    /// `‖dW‖₂` over layer `l`'s decaying tensors (its weights): the per-layer gradient norm a
    /// training history records (0 for a layer without weights, whose norm the history leaves
    /// out: ``Parameters/hasWeights(layer:)``).
    public func weightNorm(layer l: Int) -> Double {
        var total = 0.0
        for tensor in tensors where tensor.layer == l && tensor.decays {
            total += slab.withUnsafeBufferPointer { $0.slice(tensor.range).sumOfSquares }
        }
        return total.squareRoot()
    }

    /// The same gradients in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> Gradients<Other> {
        Gradients<Other>(tensors: tensors, slab: ContiguousArray(slab.lazy.map { Other($0) }))
    }

    init(tensors: [ParameterTensor], slab: ContiguousArray<Scalar>) {
        self.tensors = tensors
        self.slab = slab
    }

    /// `self ← other`, element by element, in the storage this value already has.
    mutating func assign(_ other: Gradients) {
        precondition(other.slab.count == slab.count, "gradients of \(other.slab.count) values assigned to \(slab.count)")
        slab.withUnsafeMutableBufferPointer { target in
            other.slab.withUnsafeBufferPointer { source in target.baseAddress!.update(from: source.baseAddress!, count: source.count) }
        }
    }

    /// `self ← self + other`, element by element (gradient accumulation).
    mutating func add(_ other: Gradients) {
        precondition(other.slab.count == slab.count, "gradients of \(other.slab.count) values added to \(slab.count)")
        slab.withUnsafeMutableBufferPointer { target in
            other.slab.withUnsafeBufferPointer { source in Self.add(source, to: target) }
        }
    }

    private static func add(_ source: UnsafeBufferPointer<Scalar>, to target: UnsafeMutableBufferPointer<Scalar>) {
        for i in 0..<target.count { target[i] += source[i] }
    }

    /// A 64-bit checksum of the slab's bits (FNV-1a over its 64-bit words): equal gradients or
    /// parameters give equal checksums, bit for bit.
    var checksum: UInt64 { Self.checksum(slab) }

    static func checksum(_ values: ContiguousArray<Scalar>) -> UInt64 {
        values.withUnsafeBytes { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            let words = bytes.count / 8
            for i in 0..<words {
                hash = (hash ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x100_0000_01b3
            }
            for i in (words * 8)..<bytes.count { hash = (hash ^ UInt64(bytes[i])) &* 0x100_0000_01b3 }
            return hash
        }
    }

    /// Writable views of every tensor, for a backward pass.
    mutating func withMutableViews<R>(_ body: (MutableParameterViews<Scalar>) throws -> R) rethrows -> R {
        let tensors = self.tensors
        return try slab.withUnsafeMutableBufferPointer { try body(MutableParameterViews(base: $0.baseAddress, tensors: tensors[...])) }
    }
}
