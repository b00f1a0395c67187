/// One training step's buffers, with the batch's columns split across worker threads.
///
/// Data parallelism inside one batch, the same arithmetic a data-parallel run across machines
/// does: each shard takes a contiguous run of the batch's columns, runs the forward and backward
/// passes on them on its own thread (with a single-threaded BLAS), using the **whole batch's m**
/// as the normalizer, and the shards' `dW`, `db` are then added, always in shard order, into the
/// first shard's buffers. The L2 term is added by the first shard only.
///
/// A batch too small to be worth splitting (little arithmetic per step, like the course's 2-4-1
/// network) has one shard, and the step is exactly the single-threaded one. With more than one
/// shard the sums are taken in a different order, so results are reproducible bit for bit for
/// a given thread count, and agree with one thread to rounding.
struct ShardedWorkspace<Scalar: BackpropScalar>: Sendable {
    /// The shards' buffers; shard 0's `dW`, `db` hold the batch's gradients after ``step``.
    private(set) var shards: [GradientWorkspace<Scalar>]
    /// The batch size the buffers hold.
    var examples: Int { shards.reduce(0) { $0 + $1.examples } }

    /// Below this much arithmetic per batch (in floating-point operations, forward and
    /// backward), a step stays on one thread: the hand-off costs more than it saves.
    static var minimumWork: Double { 16e6 }
    /// The fewest examples a shard takes.
    static var minimumColumns: Int { 16 }

    /// Buffers for `network` and batches of `m` examples, split across at most `workers` threads
    /// when a batch has at least `minimumWork` floating-point operations.
    init(network: Network<Scalar>, examples m: Int, workers: Int, minimumWork: Double = Self.minimumWork) {
        let count = Self.shardCount(network: network, examples: m, workers: workers, minimumWork: minimumWork)
        shards = (0..<count).map { shard in
            GradientWorkspace(network: network, examples: ParallelFor.range(shard, of: count, count: m).count)
        }
    }

    /// How many shards a batch of `m` examples gets.
    static func shardCount(network: Network<Scalar>, examples m: Int, workers: Int, minimumWork: Double) -> Int {
        guard workers > 1 else { return 1 }
        let weights = network.layers.reduce(0) { $0 + $1.W.count }
        // About 2 flops per weight and example forward, 4 backward (dW and dA).
        let work = 6 * Double(weights) * Double(m)
        guard work >= minimumWork else { return 1 }
        return Swift.max(1, Swift.min(workers, m / minimumColumns))
    }

    /// Whether steps run on more than one thread.
    var isParallel: Bool { shards.count > 1 }

    /// Gathers the columns `batch` of `data`, runs forward and backward on every shard, and adds
    /// the shards' gradients; returns the summed loss `Σ L` of the batch (before any 1/m).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func step(
        _ data: Dataset<Scalar>, batch: [Int], network: Network<Scalar>, dropout: DropoutMasks<Scalar>?,
        convention: Convention, l2 lambda: Double
    ) -> Double {
        precondition(batch.count == examples, "batch of \(batch.count) into a workspace for \(examples)")
        let (m, count) = (examples, shards.count)
        if count == 1 {
            shards[0].gather(data, batch[...])
            shards[0].forward(network, dropout: dropout)
            return shards[0].backward(network, convention: convention, l2: lambda, dropout: dropout)
        }
        // One BLAS thread per shard while the shards run (OpenBLAS's own threads, spinning
        // between a batch's small GEMMs, cost more than they give); the BLAS gets
        // LinearAlgebra.threadCount back for everything else (setting it costs nanoseconds).
        let backend = LinearAlgebra.backend
        backend.setThreadCount(1)
        defer { backend.setThreadCount(LinearAlgebra.threadCount) }
        let summed = withUnsafeTemporaryAllocation(of: Double.self, capacity: count) { losses in
            shards.withUnsafeMutableBufferPointer { workspaces in
                ParallelFor.parts(count) { shard in
                    let columns = ParallelFor.range(shard, of: count, count: m)
                    let masks = dropout?.columns(columns)
                    workspaces[shard].gather(data, batch[columns])
                    workspaces[shard].forward(network, dropout: masks)
                    losses.initializeElement(at: shard, to: workspaces[shard].backward(
                        network, convention: convention, l2: shard == 0 ? lambda : 0, dropout: masks, normalizer: m))
                }
            }
            return losses.reduce(0, +)  // in shard order
        }
        addShards(threads: count)
        return summed
    }

    /// `dW`, `db` of shard 0 += those of shards 1, 2, … (in that order, element by element),
    /// the elements of each large tensor split across `threads` threads.
    private mutating func addShards(threads: Int) {
        let count = shards.count
        for l in shards[0].dW.indices {
            shards.withUnsafeMutableBufferPointer { workspaces in
                workspaces[0].dW[l].withUnsafeMutableBufferPointer { total in
                    for shard in 1..<count {
                        workspaces[shard].dW[l].withUnsafeBufferPointer { part in
                            ParallelFor.ranges(count: total.count, parts: threads, grain: ParallelFor.minimumElementsPerThread) { range in
                                Self.add(UnsafeBufferPointer(rebasing: part[range]), to: UnsafeMutableBufferPointer(rebasing: total[range]))
                            }
                        }
                    }
                }
                workspaces[0].db[l].withUnsafeMutableBufferPointer { total in
                    for shard in 1..<count {
                        workspaces[shard].db[l].withUnsafeBufferPointer { part in
                            for i in total.indices { total[i] += part[i] }
                        }
                    }
                }
            }
        }
    }

    /// `total += part`, elementwise (a function of its buffers, not a closure capturing them, so
    /// the loop vectorises).
    private static func add(_ part: UnsafeBufferPointer<Scalar>, to total: UnsafeMutableBufferPointer<Scalar>) {
        for i in 0..<total.count { total[i] += part[i] }
    }

    /// The batch's parameter gradients (after ``step``).
    var dW: [Matrix<Scalar>] { shards[0].dW }
    var db: [Matrix<Scalar>] { shards[0].db }
    /// The parameter gradients as the optimizer takes them.
    var gradients: [(dW: Matrix<Scalar>, db: Matrix<Scalar>)] { shards[0].gradients }

    /// The number of examples of the batch whose predicted class is the labelled one.
    func correctPredictions(depth L: Int) -> Int {
        shards.reduce(0) { $0 + $1.correctPredictions(depth: L) }
    }
}
