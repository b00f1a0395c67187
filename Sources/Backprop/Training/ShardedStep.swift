/// One training step's passes, with the batch's columns split across worker threads.
///
/// Data parallelism inside one batch, the same arithmetic a data-parallel run across machines
/// does: each shard takes a contiguous run of the batch's columns and runs the one forward and
/// backward pass (``Pass``) on them, producing sums over its examples; the shards' gradient slabs
/// and ``StepTotals`` are then added, always in shard order, into the first shard's. Scaling by
/// 1/M and the L2 term come after, once (``Gradients/finalize(examples:convention:l2:parameters:)``).
///
/// A dense layer's `dW = dZ A_prevᵀ` is not a per-shard product: after the shards' backward
/// passes, each thread computes a run of `dW`'s columns for the whole batch, adding the shards'
/// products in shard order (``wholeBatchWeights``): the bits of per-shard `dW`s added in shard
/// order, without a `dW` per shard to zero, write and add.
///
/// A batch too small to be worth splitting (little arithmetic per step, like the course's 2-4-1
/// network) has one shard. With more than one shard the sums are taken in a different order,
/// so results are reproducible bit for bit for a given thread count, and agree with one thread
/// to rounding.
struct ShardedStep<Scalar: BackpropScalar>: Sendable {
    /// The shards' passes; shard 0's gradients hold the batch's after ``step``.
    private(set) var shards: [Pass<Scalar>]
    /// The batch size the buffers hold.
    var examples: Int { shards.reduce(0) { $0 + $1.examples } }
    /// Per layer: whether its `dW` is computed once for the whole batch after the shards'
    /// backward passes (split by its columns across the threads) instead of by each shard.
    let wholeBatchWeights: [Bool]
    /// The runs of the gradient slab that the shards sum (all but those `dW`s), in slab order.
    private let shardSummed: [Range<Int>]

    /// Below this much arithmetic per batch (in floating-point operations, forward and
    /// backward), a step stays on one thread: the hand-off costs more than it saves.
    static var minimumWork: Double { 16e6 }
    /// The fewest examples a shard takes.
    static var minimumColumns: Int { 16 }

    /// Buffers for `network` and batches of `m` examples, split across at most `workers` threads
    /// when a batch has at least `minimumWork` floating-point operations.
    ///
    /// With `wholeBatchWeights: false` every shard computes its own `dW` (the reference the
    /// tests hold the split product to).
    init(
        network: Network<Scalar>, examples m: Int, workers: Int, minimumWork: Double = Self.minimumWork,
        wholeBatchWeights splitting: Bool = true
    ) {
        let count = Self.shardCount(network: network, examples: m, workers: workers, minimumWork: minimumWork)
        let sizes = (0..<count).map { ParallelFor.range($0, of: count, count: m).count }
        shards = sizes.map { Pass(network: network, examples: $0) }
        let whole = splitting ? Self.wholeBatchWeights(network, shardSizes: sizes) : Array(repeating: false, count: network.depth)
        wholeBatchWeights = whole
        let tensors = network.parameters.tensors
        let excluded = Set(whole.indices.filter { whole[$0] }.map { Self.weightIndex(network, layer: $0) })
        // Neighbouring tensors make one run: a network with no whole-batch dW sums one slab.
        var runs: [Range<Int>] = []
        for index in tensors.indices where !excluded.contains(index) {
            let range = tensors[index].range
            if let last = runs.last, last.upperBound == range.lowerBound {
                runs[runs.count - 1] = last.lowerBound..<range.upperBound
            } else {
                runs.append(range)
            }
        }
        shardSummed = runs
        // The other shards never write those dW: NaN there makes any read of them show.
        for index in excluded {
            for shard in shards.indices.dropFirst() {
                shards[shard].gradients.slab.replaceSubrange(tensors[index].range, with: repeatElement(.nan, count: tensors[index].count))
            }
        }
    }

    /// Which layers' `dW` a step computes for the whole batch: dense layers (batch norm around
    /// them or not: the product comes after every shard's backward pass), whose per-shard `dW`
    /// is a BLAS product (the thin ones ``SmallProduct`` takes stay per shard, on its direct
    /// kernel), with a block of ``ColumnRuns/block`` columns for each thread, and whose shape the
    /// backend computes in column runs with the bits of per-shard products
    /// (``ColumnRuns/keepBits(_:rows:columns:depths:parts:offset:on:)``).
    static func wholeBatchWeights(_ network: Network<Scalar>, shardSizes: [Int]) -> [Bool] {
        let tensors = network.parameters.tensors
        let count = shardSizes.count
        guard count > 1 else {
            return Array(repeating: false, count: network.depth)
        }
        return network.layers.enumerated().map { index, layer in
            guard let dense = layer as? Dense else { return false }
            let (rows, columns) = (dense.outputSize, dense.inputSize)
            return columns >= ColumnRuns.block * count
                && shardSizes.allSatisfy { $0 > 0 && !SmallProduct.handles(m: rows, n: columns, k: $0) }
                && ColumnRuns.keepBits(
                    Scalar.self, rows: rows, columns: columns, depths: shardSizes, parts: count,
                    offset: tensors[weightIndex(network, layer: index)].offset)
        }
    }

    /// The slab index of layer `index`'s (0-based) first tensor: a dense layer's `W`.
    private static func weightIndex(_ network: Network<Scalar>, layer index: Int) -> Int {
        network.parameters.layerTensors[index].lowerBound
    }

    /// Whether the shards' sums of the tensor at `range` are added (not a whole-batch `dW`).
    private func isShardSummed(_ range: Range<Int>) -> Bool {
        shardSummed.contains { $0.contains(range.lowerBound) }
    }

    /// How many shards a batch of `m` examples gets.
    static func shardCount(network: Network<Scalar>, examples m: Int, workers: Int, minimumWork: Double) -> Int {
        guard workers > 1 else { return 1 }
        // About 2 flops per multiply-add and example forward, 4 backward (dW and dA); a dense
        // layer's multiply-adds are its parameters, a convolution's its weights × positions.
        let work = 6 * Double(network.layers.reduce(0) { $0 + $1.multiplyAddsPerExample }) * Double(m)
        guard work >= minimumWork else { return 1 }
        return Swift.max(1, Swift.min(workers, m / minimumColumns))
    }

    /// Whether these buffers are the ones `init(network:examples:workers:)` would build for
    /// `network` (the trainer's: its shapes do not change), `m` examples and `workers` threads.
    func fits(network: Network<Scalar>, examples m: Int, workers: Int) -> Bool {
        examples == m && shards.count == Self.shardCount(network: network, examples: m, workers: workers, minimumWork: Self.minimumWork)
    }

    /// Whether steps run on more than one thread.
    var isParallel: Bool { shards.count > 1 }

    /// Gathers the columns `batch` of `data`, runs forward and backward on every shard with the
    /// convention's seed factor for a batch of `M` examples, and adds the shards' gradients and
    /// totals into shard 0's. Returns the batch's totals; the gradients are sums (see ``gradients``).
    ///
    /// A layer that mixes examples (batch norm) normalizes with the whole batch's statistics:
    /// the shards' moments are combined in shard order, then across processes by `reducer`,
    /// before any shard goes on (and likewise its backward sums), so a sharded step equals the
    /// unsharded one to rounding.
    ///
    /// With `overlap`, a step on one shard hands each layer's finished gradients to
    /// ``GradientReducer/beginAllReduce(_:layer:)`` while the layers below are computed (the
    /// trainer then finishes the reduction).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func step(
        _ data: Dataset<Scalar>, batch: [Int], network: Network<Scalar>, dropout: DropoutMasks<Scalar>?,
        convention: Convention, examples M: Int, reducer: any GradientReducer = SingleProcess(),
        overlap: Bool = false, addingShards: Bool = true
    ) throws -> StepTotals {
        precondition(batch.count == examples, "batch of \(batch.count) into a workspace for \(examples)")
        let (m, count) = (examples, shards.count)
        let seed: Scalar = convention.scales(examples: M).seedDivisor
        if count == 1 {
            shards[0].gather(data, batch[...])
            try shards[0].forward(network, dropout: dropout, combine: { try reducer.allReduce(&$0) })
            let loss = try shards[0].backward(
                network, seedDivisor: seed, combine: { try reducer.allReduce(sums: &$0) },
                finished: { l, gradients in if overlap { try reducer.beginAllReduce(gradients, layer: l) } })
            return StepTotals(summedLoss: loss, correct: shards[0].correctPredictions(), examples: m)
        }
        if network.layers.contains(where: \.mixesExamples) {
            let totals = try layerByLayer(data, batch: batch, network: network, dropout: dropout, seed: seed, reducer: reducer)
            if addingShards { addShards(threads: count) }
            return totals
        }
        let totals = withUnsafeTemporaryAllocation(of: StepTotals.self, capacity: count) { parts in
            shards.withUnsafeMutableBufferPointer { passes in
                LinearAlgebra.concurrently(count) { shard in
                    let columns = ParallelFor.range(shard, of: count, count: m)
                    let masks = dropout?.columns(columns)
                    passes[shard].gather(data, batch[columns])
                    passes[shard].forward(network, dropout: masks)
                    let loss = passes[shard].backward(network, seedDivisor: seed, wholeBatchWeights: wholeBatchWeights)
                    parts.initializeElement(at: shard, to: StepTotals(
                        summedLoss: loss, correct: passes[shard].correctPredictions(), examples: columns.count))
                }
            }
            var total = StepTotals()
            for part in parts { total += part }  // in shard order
            return total
        }
        if wholeBatchWeights.contains(true) { formWholeBatchWeightGradients(network) }
        if addingShards { addShards(threads: count) }
        return totals
    }

    /// `dW[l]` of every layer in ``wholeBatchWeights``, for the whole batch, into shard 0's
    /// slab. Thread `t` takes a run `J` of `dW`'s columns (``ColumnRuns``; contiguous,
    /// column-major) and adds the shards' `dZ_s · A_s[J, :]ᵀ` in shard order: `β = 0` for shard
    /// 0, then `β = 1`: the bits of per-shard products added in shard order, which
    /// ``ColumnRuns/keepBits(_:rows:columns:depths:parts:offset:on:)`` checked for the shape.
    private mutating func formWholeBatchWeightGradients(_ network: Network<Scalar>) {
        let (count, whole) = (shards.count, wholeBatchWeights)
        let layers = network.layers.indices.compactMap { index -> (index: Int, offset: Int, rows: Int, columns: Int)? in
            guard whole[index] else { return nil }
            let tensor = network.parameters.tensors[Self.weightIndex(network, layer: index)]
            return (index, tensor.offset, tensor.shape.rows, tensor.shape.columns)
        }
        let backend = LinearAlgebra.backend
        shards.withUnsafeMutableBufferPointer { passes in
            // Shard 0's slab, moved out for the call: the threads write it while reading the passes.
            var total = Gradients<Scalar>(tensors: [], slab: [])
            swap(&total, &passes[0].gradients)
            defer { swap(&total, &passes[0].gradients) }
            let passes = UnsafeBufferPointer(passes)
            total.slab.withUnsafeMutableBufferPointer { slab in
                guard let slab = slab.baseAddress else { return }
                LinearAlgebra.concurrently(count) { thread in
                    for layer in layers {
                        let J = ColumnRuns.run(thread, of: count, columns: layer.columns)
                        let dW = slab + layer.offset + J.lowerBound * layer.rows
                        for shard in 0..<count {
                            // Read in place through the buffer (a copy of the whole Pass per
                            // product would retain each of its arrays on every thread).
                            let input = layer.index == 0 ? passes[shard].X : passes[shard].layers[layer.index - 1].output
                            passes[shard].layers[layer.index].gradients[0].withUnsafeBufferPointer { dZ in
                                input.withUnsafeBufferPointer { A in
                                    guard let dZ = dZ.baseAddress, let A = A.baseAddress else { return }
                                    Scalar.gemm(
                                        on: backend, .none, .transposed, m: layer.rows, n: J.count, k: passes[shard].examples,
                                        alpha: 1, a: dZ, lda: layer.rows, b: A + J.lowerBound, ldb: layer.columns,
                                        beta: shard == 0 ? 0 : 1, c: dW, ldc: layer.rows)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A step of a network with a layer that mixes examples: every shard runs the layers up to
    /// the next such layer, and there all shards stop while their statistics are combined (the
    /// SyncBatchNorm way), forward and backward.
    ///
    /// One job on the threads per run of layers between two stops, not one per layer: a job
    /// finishes the mixing layer it starts at (with the batch's moments, or its backward sums),
    /// goes through the layers after it, and ends with its shard's part of the next stop's
    /// statistics; the forward's last job also starts the backward pass. Each shard does the
    /// same operations in the same order as layer by layer, with a third of the waits in a
    /// 784-256-128-10 network with two batch norms (6 jobs a step instead of 16).
    private mutating func layerByLayer(
        _ data: Dataset<Scalar>, batch: [Int], network: Network<Scalar>, dropout: DropoutMasks<Scalar>?,
        seed: Scalar, reducer: any GradientReducer
    ) throws -> StepTotals {
        let (m, count, L, whole) = (examples, shards.count, network.depth, wholeBatchWeights)
        try shards.withUnsafeMutableBufferPointer { passes in
            var begin = 0
            var resumed: (index: Int, moments: BatchMoments)?
            while true {
                let (first, finish) = (begin, resumed)
                let next = (first..<L).first { Pass<Scalar>.mixing(network, $0, .training) != nil }
                let mixing = next.flatMap { Pass<Scalar>.mixing(network, $0, .training) }
                var parts = [BatchMoments](repeating: BatchMoments(units: 0), count: count)
                parts.withUnsafeMutableBufferPointer { parts in
                    LinearAlgebra.concurrently(count) { shard in
                        if first == 0 {
                            let columns = ParallelFor.range(shard, of: count, count: m)
                            passes[shard].gather(data, batch[columns])
                            passes[shard].dropout = dropout?.columns(columns)
                        }
                        if let finish { passes[shard].forwardLayer(finish.index, network, mode: .training, moments: finish.moments) }
                        for index in first..<(next ?? L) { passes[shard].forwardLayer(index, network, mode: .training) }
                        if let next, let mixing {
                            parts[shard] = passes[shard].forwardMoments(next, mixing)
                        } else {
                            passes[shard].beginBackward(network)
                        }
                    }
                }
                guard let next else { break }
                var moments = parts[0]
                for part in parts.dropFirst() { moments.combine(part) }  // in shard order
                try reducer.allReduce(&moments)
                (begin, resumed) = (next + 1, (next, moments))
            }
            // Backward, layer l = L down to 1; a stop where layer l − 1 mixes examples.
            var top = L
            var finishing: (l: Int, layer: any BatchStatisticsLayer, sums: [Double])?
            while true {
                let (from, finish) = (top, finishing)
                let next = stride(from: from, through: 1, by: -1).first { Pass<Scalar>.mixing(network, $0 - 1, .training) != nil }
                let mixing = next.flatMap { Pass<Scalar>.mixing(network, $0 - 1, .training) }
                var parts = [[Double]](repeating: [], count: count)
                parts.withUnsafeMutableBufferPointer { parts in
                    LinearAlgebra.concurrently(count) { shard in
                        if let finish { passes[shard].finishBackward(finish.l, finish.layer, network, sums: finish.sums) }
                        for l in stride(from: from, to: next ?? 0, by: -1) {
                            passes[shard].backwardLayer(l, network, seedDivisor: seed, weightGradient: !whole[l - 1])
                        }
                        if let next, let mixing { parts[shard] = passes[shard].backwardSums(next, mixing, network, seedDivisor: seed) }
                    }
                }
                guard let next, let mixing else { break }
                var sums = parts[0]
                for part in parts.dropFirst() {  // in shard order
                    for i in sums.indices { sums[i] += part[i] }
                }
                try reducer.allReduce(sums: &sums)
                (top, finishing) = (next - 1, (next, mixing, sums))
            }
        }
        if whole.contains(true) { formWholeBatchWeightGradients(network) }
        var total = StepTotals()
        for (shard, pass) in shards.enumerated() {
            total += StepTotals(summedLoss: pass.summedLoss, correct: pass.correctPredictions(), examples: ParallelFor.range(shard, of: count, count: m).count)
        }
        return total
    }

    /// After the optimizer step: each layer that mixes examples updates its running state
    /// (batch norm's running mean and variance) once, from the batch's moments.
    func updateState(_ network: inout Network<Scalar>) {
        for (index, layer) in network.layers.enumerated() where layer.mixesExamples {
            // (The cheap property first: a dynamic cast per layer and batch showed in the
            // course network's profile.)
            guard let mixing = layer as? any BatchStatisticsLayer, let moments = shards[0].layers[index].moments else { continue }
            network.parameters.withMutableViews(layer: index + 1) { mixing.updateState(batch: moments, state: $0) }
        }
    }

    /// Shard 0's gradient slab += those of shards 1, 2, … (in that order, element by element)
    /// over the runs the shards sum, each split across `threads` threads.
    private mutating func addShards(threads: Int) {
        let (count, tensors) = (shards.count, shardSummed)
        shards.withUnsafeMutableBufferPointer { passes in
            passes[0].gradients.slab.withUnsafeMutableBufferPointer { total in
                for shard in 1..<count {
                    passes[shard].gradients.slab.withUnsafeBufferPointer { part in
                        for tensor in tensors {
                            ParallelFor.ranges(count: tensor.count, parts: threads, grain: ParallelFor.minimumElementsPerThread) { piece in
                                let range = (tensor.lowerBound + piece.lowerBound)..<(tensor.lowerBound + piece.upperBound)
                                Self.add(part.slice(range), to: total.slice(range))
                            }
                        }
                    }
                }
            }
        }
    }

    /// After a ``step(_:batch:network:dropout:convention:examples:reducer:overlap:addingShards:)``
    /// that left the shards' sums apart: adds them and applies the 1/M
    /// (``Gradients/finalize(examples:convention:l2:parameters:)``'s rule) on the tensors that
    /// do not decay (the biases: a few hundred elements), so they can be checked before the
    /// update; ``finishAndUpdate(_:network:examples:convention:l2:learningRate:threads:)``
    /// does the rest.
    mutating func finishUndecayed(examples M: Int, convention: Convention) {
        let factors = Gradients<Scalar>.finalizing(examples: M, convention: convention, l2: 0)
        let ranges = gradients.tensors.filter { !$0.decays }.map(\.range)
        let summed = ranges.map(isShardSummed)
        withShardSlabs { total, parts in
            for (range, summed) in zip(ranges, summed) {
                let parts = summed ? parts : []
                Self.finish(range, total, parts, theta: UnsafeBufferPointer(start: nil, count: 0), decays: false, factors)
            }
        }
    }

    /// The decaying tensors' shard sums added (a whole-batch `dW` has none to add), finalized
    /// and handed to `optimizer` in one pass
    /// over memory: per run of ``Optimizer/fusedChunk`` elements, on the thread that updates
    /// it (``Optimizer/update(_:gradients:learningRate:threads:finishing:)``). The same bits
    /// as adding the shards, finalizing and updating one after another.
    mutating func finishAndUpdate(
        _ optimizer: inout Optimizer<Scalar>, network: inout Network<Scalar>, examples M: Int,
        convention: Convention, l2 lambda: Double, learningRate: Double, threads: Int
    ) {
        let factors = Gradients<Scalar>.finalizing(examples: M, convention: convention, l2: lambda)
        let decaying = gradients.tensors.filter(\.decays).map(\.range)
        let runs = decaying.map { (range: $0, summed: isShardSummed($0)) }
        withShardSlabs { total, parts in
            optimizer.update(&network, gradients: UnsafeBufferPointer(total), learningRate: learningRate, threads: threads) { chunk, theta in
                for run in runs where run.range.overlaps(chunk) {
                    Self.finish(run.range.clamped(to: chunk), total, run.summed ? parts : [], theta: theta, decays: true, factors)
                }
            }
        }
    }

    /// Over `range`: shards 1, 2, … (`parts`) added into shard 0's slab `total`, in shard order,
    /// then finalized there.
    @inline(__always)
    private static func finish(
        _ range: Range<Int>, _ total: UnsafeMutableBufferPointer<Scalar>, _ parts: [UnsafeBufferPointer<Scalar>],
        theta: UnsafeBufferPointer<Scalar>, decays: Bool, _ factors: (c: Scalar, decay: Scalar?)
    ) {
        let g = total.slice(range)
        for part in parts { add(part.slice(range), to: g) }
        Gradients<Scalar>.finalize(g, theta: decays ? theta.slice(range) : theta, decays: decays, factors)
    }

    /// `body` with shard 0's gradient slab (written) and the others' (read), in shard order.
    private mutating func withShardSlabs(_ body: (UnsafeMutableBufferPointer<Scalar>, [UnsafeBufferPointer<Scalar>]) -> Void) {
        func gather(_ passes: UnsafeMutableBufferPointer<Pass<Scalar>>, from index: Int, _ parts: [UnsafeBufferPointer<Scalar>]) {
            guard index < passes.count else {
                passes[0].gradients.slab.withUnsafeMutableBufferPointer { total in body(total, parts) }
                return
            }
            passes[index].gradients.slab.withUnsafeBufferPointer { gather(passes, from: index + 1, parts + [$0]) }
        }
        shards.withUnsafeMutableBufferPointer { gather($0, from: 1, []) }
    }

    /// `total += part`, elementwise (a function of its buffers, not a closure capturing them, so
    /// the loop vectorises).
    private static func add(_ part: UnsafeBufferPointer<Scalar>, to total: UnsafeMutableBufferPointer<Scalar>) {
        for i in 0..<total.count { total[i] += part[i] }
    }

    /// The batch's gradients (sums after ``step``; finalized in place by the trainer).
    var gradients: Gradients<Scalar> {
        get { shards[0].gradients }
        _modify { yield &shards[0].gradients }
    }
}
