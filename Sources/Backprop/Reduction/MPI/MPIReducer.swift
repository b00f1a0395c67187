import Foundation

/// The ranks of an MPI job as a ``GradientReducer``: every rank's unscaled sums are added,
/// and every rank ends with the same totals, bit for bit, so one 1/M for the global batch
/// follows (§9 of the guide: exact for any split of the batch, even or not) and the ranks take
/// identical optimizer steps.
///
/// Every rank must end with the *same bits*, or the ranks' parameters drift apart. MPI does not
/// promise that of `MPI_Allreduce` (Open MPI 4.1's, on 3 ranks and a megabyte of floats, hands
/// different ranks different roundings), so sums are formed where each element is added up
/// exactly once, on one rank, and then copied to all:
/// - ``Order/allreduce``: large arrays (the gradient slab, a layer at a time) by
///   `MPI_Ireduce_scatter_block` (rank r adds up the r-th piece) then `MPI_Iallgather` (every
///   rank gets every piece): the two halves of a ring allreduce, 2(N − 1)/N of the bytes per
///   rank, and nonblocking, so layer `l`'s gradients travel (``beginAllReduce(_:layer:)``) while
///   layer `l − 1` is being computed. Small arrays (the step totals, batch-norm sums) are
///   gathered and added in rank order. The sums equal one process's to rounding.
/// - ``Order/rankOrder``: everything is gathered (`MPI_Allgather`) and added in rank order,
///   `((s₀ + s₁) + s₂) + …`, the order one process adds its thread shards in. N ranks of one
///   thread then equal, bit for bit, one process whose batches are split into the same N
///   shards. It moves N − 1 times the slab per rank and step, so it is for proving exactness,
///   not for speed.
///
/// The step totals `[Σ loss, correct, examples]` travel in `Double` (a `Float` Σ loss would
/// round), batch-norm moments are gathered and combined by Chan's formula in rank order, and
/// counts are exact. Calls are made from the thread that drives training only.
public final class MPIReducer: GradientReducer, @unchecked Sendable {
    // @unchecked: the mutable buffers and request list below are touched only by the one
    // thread that drives training (MPI_THREAD_SERIALIZED), never by the worker shards.

    /// How sums are added across ranks.
    public enum Order: String, Sendable, CaseIterable {
        /// Reduce-scatter then allgather, nonblocking, a layer at a time (fast; equal to one
        /// process to rounding).
        case allreduce
        /// Gathered and added in rank order (bit for bit the order of a process's thread shards).
        case rankOrder = "rank-order"
    }

    /// The loaded library.
    public let library: MPILibrary
    public let rank: Int
    public let participants: Int
    /// The order of addition.
    public let order: Order
    /// Seconds this rank spent blocked in MPI calls (the exposed communication); callers reset it.
    public var waitingSeconds: Double = 0

    /// One array being summed: its slab range, a copy padded to a multiple of the rank count,
    /// the piece this rank adds up, and the request of the phase it is in.
    private struct Bucket {
        var range: Range<Int>
        var padded: Int
        var stride: Int
        var whole: UnsafeMutableRawPointer
        var piece: UnsafeMutableRawPointer
        var request: OpaquePointer?
        var gathering = false
    }
    private var buckets: [Bucket] = []
    /// Buffers of finished buckets, by byte count, for the next step's (no allocation per step).
    private var spare: [Int: [UnsafeMutableRawPointer]] = [:]

    /// Joins the job: `MPI_Init_thread` (serialized) unless MPI is already initialized, errors
    /// returned rather than aborting, and this rank's place in `MPI_COMM_WORLD`.
    public init(library: MPILibrary, order: Order = .allreduce) throws {
        self.library = library
        self.order = order
        if !library.isInitialized {
            var provided: Int32 = 0
            try library.check(library.initThread(nil, nil, 2 /* MPI_THREAD_SERIALIZED */, &provided), "MPI_Init_thread")
        }
        try library.check(library.setErrorHandler(library.world, library.errorsReturn), "MPI_Comm_set_errhandler")
        var value: Int32 = 0
        try library.check(library.commRank(library.world, &value), "MPI_Comm_rank")
        rank = Int(value)
        try library.check(library.commSize(library.world, &value), "MPI_Comm_size")
        participants = Int(value)
    }

    deinit {
        release()
        for buffers in spare.values { for buffer in buffers { buffer.deallocate() } }
    }

    /// Puts the buckets' buffers back for reuse.
    private func release() {
        for bucket in buckets {
            spare[bucket.padded * bucket.stride, default: []].append(bucket.whole)
            spare[bucket.padded / participants * bucket.stride, default: []].append(bucket.piece)
        }
        buckets.removeAll(keepingCapacity: true)
    }

    private func buffer(bytes: Int) -> UnsafeMutableRawPointer {
        spare[bytes]?.popLast() ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    /// The most elements one bucket holds (an MPI count is a C `int`).
    static let chunk = 1 << 28
    /// Arrays up to this many elements are gathered and added in rank order (one latency).
    static let small = 4096

    private func timed<R>(_ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { waitingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        return try body()
    }

    private func type<Scalar: BackpropScalar>(of _: Scalar.Type) -> OpaquePointer {
        Scalar.self == Float.self ? library.float : library.double
    }

    /// Every rank's copy of `values` (`participants × values.count` elements, rank after rank).
    private func gather<Scalar: BackpropScalar>(_ values: UnsafeBufferPointer<Scalar>) throws -> [Scalar] {
        var all = [Scalar](repeating: 0, count: values.count * participants)
        try all.withUnsafeMutableBytes { target in
            try library.check(library.allgather(values.baseAddress, Int32(values.count), type(of: Scalar.self), target.baseAddress, Int32(values.count), type(of: Scalar.self), library.world), "MPI_Allgather")
        }
        return all
    }

    /// `values ← s₀ + s₁ + …` added in rank order, gathered in pieces that bound the memory.
    private func sumInRankOrder<Scalar: BackpropScalar>(_ values: UnsafeMutableBufferPointer<Scalar>) throws {
        let piece = Swift.max(1, (1 << 24) / Swift.max(participants, 1))
        var start = 0
        while start < values.count {
            let count = Swift.min(piece, values.count - start)
            let all = try gather(UnsafeBufferPointer(rebasing: values[start..<(start + count)]))
            for i in 0..<count {
                var total = all[i]
                for r in 1..<participants { total += all[r * count + i] }
                values[start + i] = total
            }
            start += count
        }
    }

    /// Starts summing `values` (elements `range` of a slab) across ranks: a copy, padded with
    /// zeros to a multiple of the rank count, goes to `MPI_Ireduce_scatter_block`.
    private func start<Scalar: BackpropScalar>(_ values: UnsafeBufferPointer<Scalar>, range: Range<Int>) throws {
        try gatherNewest(Scalar.self)
        let n = participants
        let padded = (values.count + n - 1) / n * n
        let stride = MemoryLayout<Scalar>.stride
        let whole = buffer(bytes: padded * stride)
        let piece = buffer(bytes: padded / n * stride)
        let typed = whole.bindMemory(to: Scalar.self, capacity: padded)
        typed.update(from: values.baseAddress!, count: values.count)
        (typed + values.count).initialize(repeating: 0, count: padded - values.count)
        var bucket = Bucket(range: range, padded: padded, stride: stride, whole: whole, piece: piece, request: nil)
        buckets.append(bucket)
        try timed {
            try library.check(library.ireduceScatterBlock(whole, piece, Int32(padded / n), type(of: Scalar.self), library.sum, library.world, &bucket.request), "MPI_Ireduce_scatter_block")
        }
        buckets[buckets.count - 1] = bucket
    }

    /// Moves the newest bucket from its reduce-scatter (waited for) to its allgather.
    ///
    /// Collectives on one communicator are matched in the order each rank starts them, so the
    /// order is fixed by the program, never by which transfer happens to finish first: each
    /// bucket's allgather starts just before the next bucket's reduce-scatter (or at the end).
    private func gatherNewest<Scalar: BackpropScalar>(_: Scalar.Type) throws {
        guard let index = buckets.indices.last, !buckets[index].gathering else { return }
        try timed { try library.check(library.waitall(1, &buckets[index].request, nil), "MPI_Wait (reduce-scatter)") }
        let count = Int32(buckets[index].padded / participants)
        let (piece, whole) = (buckets[index].piece, buckets[index].whole)
        try library.check(library.iallgather(piece, count, type(of: Scalar.self), whole, count, type(of: Scalar.self), library.world, &buckets[index].request), "MPI_Iallgather")
        buckets[index].gathering = true
    }

    /// Lets the library move the transfers in flight on (Open MPI progresses a nonblocking
    /// collective only inside MPI calls); starts nothing.
    private func progress() throws {
        for index in buckets.indices {
            var done: Int32 = 0
            try library.check(library.test(&buckets[index].request, &done, nil), "MPI_Test")
        }
    }

    /// Waits for every bucket and copies the sums back into `slab`.
    private func finish<Scalar: BackpropScalar>(into slab: UnsafeMutableBufferPointer<Scalar>) throws {
        defer { release() }
        try gatherNewest(Scalar.self)
        for index in buckets.indices {
            try timed { try library.check(library.waitall(1, &buckets[index].request, nil), "MPI_Wait (allgather)") }
            let bucket = buckets[index]
            (slab.baseAddress! + bucket.range.lowerBound).update(
                from: bucket.whole.assumingMemoryBound(to: Scalar.self), count: bucket.range.count)
        }
    }

    /// `values ← Σ over ranks of values`, the same bits on every rank.
    private func add<Scalar: BackpropScalar>(_ values: UnsafeMutableBufferPointer<Scalar>) throws {
        guard participants > 1, values.count > 0 else { return }
        if order == .rankOrder || values.count <= Self.small {
            try timed { try sumInRankOrder(values) }
            return
        }
        precondition(buckets.isEmpty, "a blocking sum while layer buckets are in flight")
        for lower in stride(from: 0, to: values.count, by: Self.chunk) {
            let range = lower..<Swift.min(lower + Self.chunk, values.count)
            try start(UnsafeBufferPointer(rebasing: values[range]), range: range)
        }
        try finish(into: values)
    }

    public func beginAllReduce<Scalar: BackpropScalar>(_ gradients: Gradients<Scalar>, layer: Int) throws {
        guard participants > 1, order == .allreduce else { return }
        let ranges = gradients.tensors.filter { $0.layer == layer }.map(\.range)
        guard let lower = ranges.map(\.lowerBound).min(), let upper = ranges.map(\.upperBound).max(),
              upper - lower > Self.small, upper - lower <= Self.chunk else { return }
        try gradients.slab.withUnsafeBufferPointer { slab in
            try start(UnsafeBufferPointer(rebasing: slab[lower..<upper]), range: lower..<upper)
        }
        try progress()
    }

    public func allReduce<Scalar: BackpropScalar>(_ gradients: inout Gradients<Scalar>, totals: inout StepTotals) throws {
        guard participants > 1 else { return }
        // Finish the layer buckets started during the backward pass, then sum the rest.
        let started = buckets.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        try gradients.slab.withUnsafeMutableBufferPointer { slab in
            try finish(into: slab)
            var next = 0
            for range in started + [slab.count..<slab.count] {
                if range.lowerBound > next { try add(UnsafeMutableBufferPointer(rebasing: slab[next..<range.lowerBound])) }
                next = Swift.max(next, range.upperBound)
            }
        }
        var parts = [totals.summedLoss, Double(totals.correct), Double(totals.examples)]
        try parts.withUnsafeMutableBufferPointer { try add($0) }
        guard let correct = Int(exactly: parts[1].rounded()), let examples = Int(exactly: parts[2].rounded()) else {
            throw BackpropError.invalidArgument("the ranks' summed counts (\(parts[1]) correct of \(parts[2])) are not whole numbers")
        }
        totals = StepTotals(summedLoss: parts[0], correct: correct, examples: examples)
    }

    public func allReduce(_ moments: inout BatchMoments) throws {
        guard participants > 1 else { return }
        let units = moments.units
        var mine = [Double(moments.count)] + moments.mean + moments.centredSquares
        let all = try timed { try mine.withUnsafeMutableBufferPointer { try gather(UnsafeBufferPointer($0)) } }
        let width = mine.count
        var combined = BatchMoments(units: units)
        for r in 0..<participants {
            let part = all[(r * width)..<((r + 1) * width)]
            let base = part.startIndex
            combined.combine(BatchMoments(
                count: Int(exactly: part[base].rounded()) ?? 0, mean: Array(part[(base + 1)..<(base + 1 + units)]),
                centredSquares: Array(part[(base + 1 + units)..<(base + width)])))
        }
        mine.removeAll()
        moments = combined
    }

    public func allReduce(sums: inout [Double]) throws {
        try sums.withUnsafeMutableBufferPointer { try add($0) }
    }

    public func allGather(_ values: [UInt64]) throws -> [[UInt64]] {
        guard participants > 1 else { return [values] }
        var all = [UInt64](repeating: 0, count: values.count * participants)
        try timed {
            try values.withUnsafeBytes { mine in
                try all.withUnsafeMutableBytes { target in
                    try library.check(library.allgather(mine.baseAddress, Int32(values.count), library.uint64, target.baseAddress, Int32(values.count), library.uint64, library.world), "MPI_Allgather")
                }
            }
        }
        return (0..<participants).map { Array(all[($0 * values.count)..<(($0 + 1) * values.count)]) }
    }

    public func anyParticipant(_ flag: Bool) throws -> Bool {
        var votes = [flag ? 1.0 : 0.0]
        try allReduce(sums: &votes)
        return votes[0] > 0
    }
}
