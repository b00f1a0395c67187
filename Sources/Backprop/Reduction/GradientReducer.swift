/// What a step adds up besides the gradients: `[Σ loss, correct count, example count]`.
public struct StepTotals: Sendable, Hashable {
    /// `Σ_i L(a_i, y_i)`, no 1/m.
    public var summedLoss: Double
    /// Examples whose predicted class is the labelled one.
    public var correct: Int
    /// Examples seen: the M that ``Gradients/finalize(examples:convention:l2:parameters:)`` divides by.
    public var examples: Int

    /// Totals from their parts.
    public init(summedLoss: Double = 0, correct: Int = 0, examples: Int = 0) {
        self.summedLoss = summedLoss
        self.correct = correct
        self.examples = examples
    }

    /// Adds another partition's totals.
    public static func += (lhs: inout StepTotals, rhs: StepTotals) {
        lhs.summedLoss += rhs.summedLoss
        lhs.correct += rhs.correct
        lhs.examples += rhs.examples
    }
}

/// The seam where partial results of one step are added: thread shards inside a process
/// (always, in shard order), then the participants of a data-parallel run (MPI ranks).
///
/// Each participant holds unscaled sums over its own examples; after ``allReduce(_:totals:)``
/// every participant holds the sums over all of them, and one
/// ``Gradients/finalize(examples:convention:l2:parameters:)`` with the global M follows. That
/// is exact for any split of the batch, even or not.
public protocol GradientReducer: Sendable {
    /// The number of participants (1 for a single process).
    var participants: Int { get }
    /// Replaces `gradients` and `totals` by their sums over all participants, in one call.
    func allReduce<Scalar: BackpropScalar>(_ gradients: inout Gradients<Scalar>, totals: inout StepTotals) throws
    /// Replaces `moments` by the combination of every participant's (``BatchMoments/combine(_:)``,
    /// in participant order): batch normalization's statistics of the whole batch, taken in the
    /// middle of the forward pass.
    func allReduce(_ moments: inout BatchMoments) throws
    /// Replaces `sums` by their elementwise sums over all participants: the per-unit sums a
    /// batch-normalization backward pass needs over the whole batch.
    func allReduce(sums: inout [Double]) throws
    /// This participant's index, `0..<participants` (0 for a single process): its slice of
    /// every batch, and whether it writes the run's outputs (participant 0 does).
    var rank: Int { get }
    /// Every participant's `values`, in participant order (the same count from each): how
    /// ranks compare their configurations and parameter checksums.
    func allGather(_ values: [UInt64]) throws -> [[UInt64]]
    /// Whether any participant passes `true`: how all of them agree to stop after the same batch.
    func anyParticipant(_ flag: Bool) throws -> Bool
    /// Starts adding layer `layer`'s gradients across participants while the backward pass goes
    /// on to the layers below; ``allReduce(_:totals:)`` then finishes what was started. A
    /// reducer that does not overlap communication ignores it.
    func beginAllReduce<Scalar: BackpropScalar>(_ gradients: Gradients<Scalar>, layer: Int) throws
}

extension GradientReducer {
    /// Participant `rank`'s contiguous share of `count` positions of a batch,
    /// `⌊r·count/N⌋ ..< ⌊(r+1)·count/N⌋`: shares differ by at most one example, and a
    /// participant's may be empty when the batch has fewer examples than there are participants.
    public func share(_ rank: Int, of count: Int) -> Range<Int> {
        ParallelFor.range(rank, of: participants, count: count)
    }

    public var rank: Int { 0 }
    public func allGather(_ values: [UInt64]) throws -> [[UInt64]] { [values] }
    public func anyParticipant(_ flag: Bool) throws -> Bool { flag }
    public func beginAllReduce<Scalar: BackpropScalar>(_ gradients: Gradients<Scalar>, layer: Int) throws {}
}

/// A single process: its sums are already the whole batch's.
public struct SingleProcess: GradientReducer {
    /// A reducer with one participant.
    public init() {}
    public var participants: Int { 1 }
    public func allReduce<Scalar: BackpropScalar>(_ gradients: inout Gradients<Scalar>, totals: inout StepTotals) throws {}
    public func allReduce(_ moments: inout BatchMoments) throws {}
    public func allReduce(sums: inout [Double]) throws {}
}
