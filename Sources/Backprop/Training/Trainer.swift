/// The training loop: data → batches → forward (cache) → loss → backward (ledger) → optimizer.
///
/// A trainer owns the network, the optimizer state and the history, so a checkpoint of those
/// three plus ``epochsCompleted`` resumes a run exactly (each epoch's shuffle and dropout masks
/// come from ``TrainingConfiguration/epochSeed(_:)``).
///
/// Threads: a batch with enough arithmetic (an MNIST-size MLP at batch 128, not the course's
/// 2-4-1 network) is split by columns into as many shards as ``LinearAlgebra/threadCount``,
/// each run on its own thread with the BLAS set to one thread while the shards run, the shards'
/// gradients added in shard order (data parallelism inside one batch, the same sum-then-scale
/// arithmetic as across machines). Results are bit-reproducible for a given thread count and
/// agree across thread counts to rounding.
public struct Trainer<Scalar: BackpropScalar>: Sendable {
    /// The network being trained.
    public var network: Network<Scalar>
    /// The optimizer and its moment buffers.
    public var optimizer: Optimizer<Scalar>
    /// The settings.
    public let configuration: TrainingConfiguration
    /// One record per completed epoch.
    public var history: [EpochRecord] = []
    /// The best validation loss so far and the weights that had it (early stopping).
    public private(set) var best: (loss: Double, epoch: Int, network: Network<Scalar>)?
    /// Buffers reused from batch to batch: the last batch's.
    private var workspace: ShardedStep<Scalar>?
    /// The other batch size's buffers, kept: an epoch whose last batch is smaller (MNIST's 60,000
    /// in batches of 128 ends with 96) would otherwise build both anew every epoch, with their
    /// allocations, page faults and the column-run check.
    private var spareWorkspace: ShardedStep<Scalar>?
    /// The one batch of full-batch training, `0..<m` in order.
    private var wholeBatch: MiniBatches?
    /// The window's summed gradients while mini-batches are accumulated.
    private var accumulated: Gradients<Scalar>?
    /// Where partial sums of a step are added across processes (``SingleProcess`` unless a
    /// data-parallel run sets one).
    public var reducer: any GradientReducer = SingleProcess()
    /// Whether a data-parallel step sends each layer's gradients while the layers below are
    /// still being computed (``GradientReducer/beginAllReduce(_:layer:)``), rather than all of
    /// them after the backward pass. It changes when bytes travel, not the sums.
    public var overlapsCommunication = true
    /// The threads a batch may be split across; `nil`: ``LinearAlgebra/threadCount``.
    var threads: Int?
    /// Whether a sharded step may add and finalize its gradients inside the optimizer's pass
    /// (``ShardedStep/finishAndUpdate(_:network:examples:convention:l2:learningRate:threads:)``);
    /// off only in tests, which compare the two.
    var fusesUpdate = true
    /// How many steps took the fused pass (for tests, which check that it ran).
    private(set) var fusedSteps = 0
    /// How many step workspaces were built (for tests: one per batch size, not per epoch).
    private(set) var workspacesBuilt = 0
    /// How many shards the last batch was split into (0 before the first batch).
    var shardCount: Int { workspace?.shards.count ?? 0 }
    /// The part of an epoch done before an interruption; the next epoch run resumes after it.
    public var partialEpoch: PartialEpoch?

    /// The number of epochs already trained.
    public var epochsCompleted: Int { history.count }

    /// A trainer starting from `network` with a fresh optimizer.
    public init(network: Network<Scalar>, configuration: TrainingConfiguration) throws {
        try configuration.validate()
        if let keep = configuration.keepProbabilities, keep.count != 1, keep.count != network.hiddenActivationLayers.count {
            throw BackpropError.invalidArgument("dropout needs one keep probability or \(network.hiddenActivationLayers.count), got \(keep.count)")
        }
        self.network = network
        self.optimizer = Optimizer(configuration.optimizer)
        self.configuration = configuration
    }

    /// Why ``fit(training:validation:onBatch:onEpoch:)`` returned.
    public enum StopReason: Sendable, Equatable {
        /// Every epoch ran.
        case completed
        /// The validation loss stopped improving; the best weights (from `bestEpoch`) were restored.
        case earlyStopping(bestEpoch: Int)
        /// `onBatch` asked to stop (e.g. Ctrl-C) after a batch; ``partialEpoch`` holds the
        /// epoch's progress, so a checkpoint saved now resumes after that batch.
        case interrupted
    }

    /// Trains until the configured epoch count, early stopping, or an interruption.
    ///
    /// - Parameters:
    ///   - training: the examples trained on, shuffled each epoch.
    ///   - validation: examples measured after each epoch (early stopping reads their loss).
    ///   - onBatch: called after every batch; return `false` to stop after this batch.
    ///   - onEpoch: called after every completed epoch with the trainer as it then is (its
    ///     `history.last` is the epoch's record), e.g. to save a checkpoint.
    /// - Throws: ``BackpropError/nonFinite(_:)`` naming the epoch, the batch and the first
    ///   layer whose gradient is not finite; the network keeps its last good parameters.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func fit(
        training: Dataset<Scalar>, validation: Dataset<Scalar>? = nil,
        onBatch: (BatchProgress) -> Bool = { _ in true },
        onEpoch: (Trainer) -> Void = { _ in }
    ) throws -> StopReason {
        try check(training: training, validation: validation)
        if reducer.participants > 1 { try checkRanksAgree(training: training, validation: validation) }
        while epochsCompleted < configuration.epochs {
            guard let record = try trainEpoch(training, validation: validation, onBatch: onBatch) else {
                return .interrupted
            }
            history.append(record)
            onEpoch(self)
            if let patience = configuration.earlyStoppingPatience, let loss = record.validationLoss {
                if best == nil || loss < best!.loss {
                    best = (loss, record.epoch, network)
                } else if record.epoch - best!.epoch >= patience {
                    network = best!.network
                    return .earlyStopping(bestEpoch: best!.epoch)
                }
            }
        }
        return .completed
    }

    /// One pass over the training data; `nil` when `onBatch` asked to stop.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func trainEpoch(
        _ data: Dataset<Scalar>, validation: Dataset<Scalar>?, onBatch: (BatchProgress) -> Bool
    ) throws -> EpochRecord? {
        let epoch = epochsCompleted + 1
        let clock = ContinuousClock()
        let start = clock.now
        var generator = SeededGenerator(seed: configuration.epochSeed(epoch - 1))
        // Each optimizer step takes one window of the shuffle: `accumulationSteps` mini-batches
        // (one without accumulation), each split across the ranks of a data-parallel run.
        // Full-batch training (the course's) takes the examples in order every epoch: the one
        // batch is built once, not once per step.
        let whole = (configuration.examplesPerStep ?? data.count) >= data.count
        let batches: MiniBatches
        if whole, let cached = wholeBatch, cached.batches.first?.count == data.count {
            batches = cached
        } else {
            batches = MiniBatches(examples: data.count, batchSize: configuration.examplesPerStep, using: &generator)
            if whole { wholeBatch = batches }
        }
        let (rank, ranks) = (reducer.rank, reducer.participants)
        let micro = configuration.batchSize
        /// This rank's contiguous share of the window's positions `piece`.
        func share(_ piece: Range<Int>) -> Range<Int> {
            let mine = reducer.share(rank, of: piece.count)
            return (piece.lowerBound + mine.lowerBound)..<(piece.lowerBound + mine.upperBound)
        }
        func pieces(of window: Int) -> [Range<Int>] {
            let size = Swift.min(micro ?? window, window)
            return stride(from: 0, to: window, by: size).map { $0..<Swift.min($0 + size, window) }
        }
        let learningRate = configuration.schedule.rate(initial: configuration.learningRate, epoch: epoch - 1)
        // Resume mid-epoch after an interruption: the same shuffle, the batches already done
        // skipped (their dropout masks drawn again, so later masks are the same), the running
        // sums carried over.
        let resumed = partialEpoch.flatMap { $0.epoch == epoch ? $0 : nil }
        partialEpoch = nil
        if let resumed, resumed.batches > batches.count || resumed.examples > data.count {
            throw BackpropError.invalidArgument(
                "the checkpoint's partial epoch \(epoch) has \(resumed.batches) batches (\(resumed.examples) examples) done, but an epoch of \(data.name) has \(batches.count) (\(data.count)); resume with the data and batch size it was saved with")
        }
        var (lossSum, correct, seen) = (resumed?.lossSum ?? 0, resumed?.correct ?? 0, resumed?.examples ?? 0)
        var normSums = resumed?.gradientNormSums ?? Array(repeating: 0.0, count: network.depth)
        var normSamples = resumed?.gradientNormSamples ?? 0
        let secondsBefore = resumed?.seconds ?? 0
        let skip = resumed?.batches ?? 0
        // Gradient norms and the full finiteness check of dW read every parameter gradient, so
        // they run on about 16 batches an epoch; db and the cost are checked on every batch.
        let sampleEvery = Swift.max(1, batches.count / 16)
        // Batches big enough to be worth it are split across `workers` threads (see the type's
        // documentation and ShardedStep).
        let workers = threads ?? LinearAlgebra.threadCount
        let firstShare = share(pieces(of: batches.batches[0].count)[0]).count
        var workspace = takeWorkspace(examples: firstShare, workers: workers)
        defer { self.workspace = workspace }
        for (index, batch) in batches.batches.enumerated() {
            if index < skip {
                if let keep = configuration.keepProbabilities {
                    _ = try DropoutMasks(keepProbabilities: keep, network: network, examples: batch.count, using: &generator)
                }
                continue
            }
            // One mask for the whole window, as one process draws it; each rank and mini-batch
            // takes its columns.
            let masks = try configuration.keepProbabilities.map {
                try DropoutMasks(keepProbabilities: $0, network: network, examples: batch.count, using: &generator)
            }
            // Sums over the window, added across mini-batches, shards and ranks, then one 1/M and L2.
            let parts = pieces(of: batch.count)
            let sampled = index % sampleEvery == 0
            // One process, one piece, several shards, no full check: the shards' dW (those not
            // already one whole-batch product) are added and finalized inside the optimizer's
            // pass (ShardedStep.finishAndUpdate), the biases first, so they are checked before
            // anything changes. The same bits.
            let fused = fusesUpdate && ranks == 1 && parts.count == 1 && !sampled && workspace.isParallel
                && workspace.examples == share(parts[0]).count
            var totals = StepTotals()
            for (j, piece) in parts.enumerated() {
                let mine = share(piece)
                if workspace.examples != mine.count {
                    self.workspace = workspace
                    workspace = takeWorkspace(examples: mine.count, workers: workers)
                }
                let indices = mine.count == batch.count ? batch : Array(batch[mine])
                totals += try workspace.step(
                    data, batch: indices, network: network, dropout: masks.map { mine.count == batch.count ? $0 : $0.columns(mine) },
                    convention: configuration.convention, examples: batch.count, reducer: reducer,
                    overlap: overlapsCommunication && ranks > 1 && parts.count == 1, addingShards: !fused)
                workspace.updateState(&network)
                if parts.count > 1 {
                    if accumulated?.slab.count != workspace.gradients.slab.count {
                        accumulated = Gradients(zerosLike: network.parameters)
                    }
                    if j == 0 { accumulated!.assign(workspace.gradients) } else { accumulated!.add(workspace.gradients) }
                }
            }
            // The window's sums end in the workspace (a swap, not a copy).
            if parts.count > 1 { swap(&workspace.gradients, &accumulated!) }
            if fused {
                workspace.finishUndecayed(examples: totals.examples, convention: configuration.convention)
            } else {
                try reducer.allReduce(&workspace.gradients, totals: &totals)
                workspace.gradients.finalize(
                    examples: totals.examples, convention: configuration.convention, l2: configuration.l2,
                    parameters: network.parameters)
            }
            let cost = network.cost(summedLoss: totals.summedLoss, examples: totals.examples, l2: configuration.l2)
            do {
                try checkFinite(workspace.gradients, cost: cost, all: sampled, epoch: epoch, batch: index + 1)
            } catch {
                // The batches before this one were applied: record them, so a checkpoint saved
                // now says where the parameters really are and resumes from there.
                if index > 0 {
                    partialEpoch = PartialEpoch(
                        epoch: epoch, batches: index, lossSum: lossSum, correct: correct, examples: seen,
                        gradientNormSums: normSums, gradientNormSamples: normSamples,
                        seconds: secondsBefore + (clock.now - start).seconds)
                }
                throw error
            }
            if sampled {
                for l in 0..<network.depth { normSums[l] += workspace.gradients.weightNorm(layer: l + 1) }
                normSamples += 1
            }
            if fused {
                workspace.finishAndUpdate(
                    &optimizer, network: &network, examples: totals.examples, convention: configuration.convention,
                    l2: configuration.l2, learningRate: learningRate, threads: workers)
                fusedSteps += 1
            } else {
                optimizer.update(&network, gradients: workspace.gradients, learningRate: learningRate, threads: workers)
            }

            lossSum += cost * Double(totals.examples)
            correct += totals.correct
            seen += totals.examples
            let progress = BatchProgress(
                epoch: epoch, batch: index + 1, batchCount: batches.count, totalEpochs: configuration.epochs,
                loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen), examples: seen,
                seconds: secondsBefore + (clock.now - start).seconds)
            // Every rank stops after the same batch when any was asked to (a Ctrl-C reaches them
            // at different moments).
            var stop = !onBatch(progress)
            if ranks > 1 { stop = try reducer.anyParticipant(stop) }
            if stop {
                partialEpoch = PartialEpoch(
                    epoch: epoch, batches: index + 1, lossSum: lossSum, correct: correct, examples: seen,
                    gradientNormSums: normSums, gradientNormSamples: normSamples, seconds: progress.seconds)
                return nil
            }
        }
        // A finite gradient times a large learning rate can still overflow a parameter: an epoch
        // whose parameters are not all finite never reaches `onEpoch` (and its checkpoint).
        if let tensor = network.parameters.firstNonFinite() {
            throw BackpropError.nonFinite(
                "epoch \(epoch), batch \(batches.count): after the update the parameters of layer \(tensor.layer) (\(tensor.symbol)) are not finite; try a smaller learning rate")
        }
        let seconds = secondsBefore + (clock.now - start).seconds
        var record = EpochRecord(
            epoch: epoch, learningRate: learningRate, trainLoss: lossSum / Double(seen),
            trainAccuracy: Double(correct) / Double(seen), validationLoss: nil, validationAccuracy: nil,
            gradientNorms: normSums.enumerated().map { l, sum in
                network.parameters.hasWeights(layer: l + 1) ? sum / Double(Swift.max(normSamples, 1)) : nil
            }, seconds: seconds)
        if let validation {
            let result = try evaluate(validation)
            record.validationLoss = result.loss
            record.validationAccuracy = result.accuracy
        }
        if ranks > 1, epoch % agreementInterval(batchesPerEpoch: batches.count) == 0 || epoch == configuration.epochs {
            try checkParametersAgree(after: epoch)
        }
        return record
    }

    /// Throws what ``fit(training:validation:onBatch:onEpoch:)`` would refuse before training:
    /// data that does not fit the network, labels the loss cannot take, or batches too small
    /// for a layer that normalizes over the batch. Call it to fail before writing anything.
    public func check(training: Dataset<Scalar>, validation: Dataset<Scalar>? = nil) throws {
        try checkData(training, role: "training")
        if let validation { try checkData(validation, role: "validation") }
        try checkBatchStatistics(examples: training.count)
    }

    private func checkData(_ data: Dataset<Scalar>, role: String) throws {
        guard data.count > 0 else { throw BackpropError.invalidArgument("the \(role) set (\(data.name)) is empty") }
        guard data.X.rows == network.inputSize else {
            throw BackpropError.shapeMismatch(operation: "\(role) X (\(data.name)) against W1 (X rows must equal W1 columns)", left: data.X.shape, right: Shape(network.layers[0].outputSize, network.inputSize))
        }
        guard data.Y.rows == network.outputSize else {
            throw BackpropError.shapeMismatch(operation: "\(role) Y (\(data.name)) against the output layer (Y rows must equal n_L)", left: data.Y.shape, right: Shape(network.outputSize, data.count))
        }
        guard data.X.isFinite else { throw BackpropError.nonFinite("the \(role) set (\(data.name)) has a NaN or infinite feature") }
        try network.loss.validate(labels: data.Y, source: "the \(role) set (\(data.name))")
    }

    /// A layer that normalizes over the batch needs at least two examples in every batch
    /// (with one, `σ² = 0` for every unit and the normalized value is 0 whatever the input;
    /// PyTorch refuses it too).
    private func checkBatchStatistics(examples m: Int) throws {
        guard let index = network.layers.firstIndex(where: \.mixesExamples) else { return }
        let size = Swift.min(configuration.batchSize ?? m, m)
        let last = m % size == 0 ? size : m % size
        guard Swift.min(size, last) < 2 else { return }
        let which = size < 2
            ? "a batch size of \(size)"
            : "\(m) examples in batches of \(size), which leaves a last batch of one example"
        throw BackpropError.invalidArgument(
            "layer \(index + 1) (\(network.layers[index])) normalizes over the batch and needs at least 2 examples per batch in training, but the run has \(which) (σ² would be 0 for every unit); choose another batch size")
    }

    /// Forgets the stored workspaces (for tests, which compare reused ones with new ones).
    mutating func dropWorkspaces() {
        (workspace, spareWorkspace) = (nil, nil)
    }

    /// Buffers for batches of `m` examples on `workers` threads: ``workspace`` or
    /// ``spareWorkspace`` when one was built for them, else new ones. Both stored ones are taken
    /// out; the one not returned stays the spare.
    private mutating func takeWorkspace(examples m: Int, workers: Int) -> ShardedStep<Scalar> {
        var chosen: ShardedStep<Scalar>?
        let kept = [workspace, spareWorkspace].compactMap { $0 }
        (workspace, spareWorkspace) = (nil, nil)
        for candidate in kept {
            if chosen == nil && candidate.fits(network: network, examples: m, workers: workers) {
                chosen = candidate
            } else {
                spareWorkspace = candidate
            }
        }
        if let chosen { return chosen }
        workspacesBuilt += 1
        return ShardedStep(network: network, examples: m, workers: workers)
    }

    private func checkFinite(
        _ gradients: Gradients<Scalar>, cost: Double, all: Bool, epoch: Int, batch: Int
    ) throws {
        let bad = gradients.tensors.first { tensor in
            (all || !tensor.decays) && !gradients.slab.withUnsafeBufferPointer { $0.slice(tensor.range).allFinite }
        }
        if let bad {
            let parameters = network.parameters.isFinite
                ? "the parameters keep their last finite values"
                : "the parameters had already become non-finite in an earlier update"
            throw BackpropError.nonFinite(
                "epoch \(epoch), batch \(batch): the gradient of layer \(bad.layer) (\(bad.gradientSymbol)) is not finite (cost \(cost)); \(parameters); try a smaller learning rate")
        }
        if !cost.isFinite {
            throw BackpropError.nonFinite("epoch \(epoch), batch \(batch): the cost is \(cost); try a smaller learning rate")
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
