/// The mini-batches of one epoch: a seeded shuffle of the m examples cut into batches of
/// `batchSize`; the last batch holds the remainder (and is scaled by its own m). A batch size
/// of at least m means full-batch gradient descent, in the data's own order.
public struct MiniBatches: Sequence, Sendable {
    /// Example indices of each batch, in order.
    public let batches: [[Int]]

    /// The batches for one epoch.
    /// - Parameters:
    ///   - m: the number of examples.
    ///   - batchSize: examples per batch; `nil` or `≥ m` for full-batch.
    ///   - generator: shuffles the examples (not used for full-batch).
    public init(examples m: Int, batchSize: Int?, using generator: inout SeededGenerator) {
        precondition(batchSize.map { $0 > 0 } ?? true, "batch size must be positive")
        guard let batchSize, batchSize < m else {
            batches = [Array(0..<m)]
            return
        }
        let order = generator.permutation(m)
        batches = stride(from: 0, to: m, by: batchSize).map { Array(order[$0..<Swift.min($0 + batchSize, m)]) }
    }

    public func makeIterator() -> IndexingIterator<[[Int]]> { batches.makeIterator() }

    /// The number of batches.
    public var count: Int { batches.count }
}
