import Foundation
import Testing
@testable import Backprop

/// N ranks as N threads of one test process: a ``GradientReducer`` whose every operation is an
/// allgather through shared memory, added in rank order. It stands in for MPI, so the trainer's
/// data-parallel arithmetic (shares of the global batch, one 1/M, dropout columns, batch-norm
/// moments, validation sums, stop votes and checks) is tested without `mpirun`.
private final class ThreadRanks: @unchecked Sendable {
    // @unchecked: every field is read and written under `condition`.
    let count: Int
    private let condition = NSCondition()
    private var slots: [[Double]?]
    private var generation = 0
    private var taken = 0

    init(count: Int) {
        self.count = count
        slots = Array(repeating: nil, count: count)
    }

    /// Every rank's `values`, in rank order: a barrier that swaps what each rank brought.
    func gather(_ values: [Double], rank: Int) -> [[Double]] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        slots[rank] = values
        if slots.allSatisfy({ $0 != nil }) { condition.broadcast() }
        while generation == mine && slots.contains(where: { $0 == nil }) { condition.wait() }
        let result = slots.map { $0 ?? [] }
        taken += 1
        if taken == count {
            // The last rank out opens the next round.
            taken = 0
            slots = Array(repeating: nil, count: count)
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return result
    }

    /// Runs `body(rank)` on `count` threads at once and returns their results in rank order.
    func run<R: Sendable>(_ body: @escaping @Sendable (Int) throws -> R) -> [Result<R, any Error>] {
        let results = ResultBox<R>(count: count)
        let group = DispatchGroup()
        for rank in 0..<count {
            group.enter()
            let thread = Thread {
                results.set(rank, Result { try body(rank) })
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        return results.values.map { $0! }
    }
}

private final class ResultBox<R: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<R, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<R, any Error>) { lock.withLock { values[index] = value } }
}

/// One rank's view of ``ThreadRanks``; `perturb` makes it report a wrong parameter checksum (a
/// rank whose parameters drifted).
private struct ThreadRank: GradientReducer {
    let ranks: ThreadRanks
    let rank: Int
    var perturbChecksum = false
    var participants: Int { ranks.count }

    private func sum(_ values: [Double]) -> [Double] {
        let all = ranks.gather(values, rank: rank)
        var total = all[0]
        for part in all.dropFirst() { for i in total.indices { total[i] += part[i] } }
        return total
    }

    func allReduce<Scalar: BackpropScalar>(_ gradients: inout Gradients<Scalar>, totals: inout StepTotals) throws {
        let summed = sum(gradients.slab.map(Double.init) + [totals.summedLoss, Double(totals.correct), Double(totals.examples)])
        let n = gradients.slab.count
        gradients.slab = ContiguousArray(summed[0..<n].map { Scalar($0) })
        totals = StepTotals(summedLoss: summed[n], correct: Int(summed[n + 1]), examples: Int(summed[n + 2]))
    }

    func allReduce(_ moments: inout BatchMoments) throws {
        let all = ranks.gather([Double(moments.count)] + moments.mean + moments.centredSquares, rank: rank)
        let units = moments.units
        var combined = BatchMoments(units: units)
        for part in all {
            combined.combine(BatchMoments(count: Int(part[0]), mean: Array(part[1...units]), centredSquares: Array(part[(units + 1)...])))
        }
        moments = combined
    }

    func allReduce(sums: inout [Double]) throws { sums = sum(sums) }

    func allGather(_ values: [UInt64]) throws -> [[UInt64]] {
        var mine = values
        if perturbChecksum && values.count == 1 { mine[0] ^= 1 }
        return ranks.gather(mine.map { Double(bitPattern: $0) }, rank: rank).map { $0.map(\.bitPattern) }
    }

    func anyParticipant(_ flag: Bool) throws -> Bool { sum([flag ? 1 : 0])[0] > 0 }
}

@Suite("Data-parallel training (ranks as threads)")
struct DistributedTests {
    private static func configuration(_ change: (inout TrainingConfiguration) -> Void = { _ in }) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.epochs = 3
        c.batchSize = 70  // 400 examples: batches of 70 and a last one of 50; 3 and 4 divide neither
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.01
        c.seed = 9
        change(&c)
        return c
    }

    private static func network(batchNorm: Bool = false) throws -> Network<Double> {
        try Network<Double>(sizes: [2, 8, 6, 1], hidden: .relu, output: .sigmoid, seed: 4, batchNorm: batchNorm)
    }

    private static let data: Dataset<Double> = Generators.moons(examples: 400, seed: 2)

    /// Trains on one process and on `ranks` thread ranks; returns the largest relative
    /// difference of any parameter tensor.
    private static func difference(ranks n: Int, batchNorm: Bool = false, validation: Bool = false,
                                   _ change: @escaping @Sendable (inout TrainingConfiguration) -> Void) throws -> Double {
        let split = try data.split(validation: 0.25, seed: 3)
        let (training, held) = validation ? (split.train, Optional(split.validation)) : (data, nil)
        var single = try Trainer(network: try network(batchNorm: batchNorm), configuration: configuration(change))
        _ = try single.fit(training: training, validation: held)
        let ranks = ThreadRanks(count: n)
        let results = ranks.run { rank -> Network<Double> in
            var trainer = try Trainer(network: try network(batchNorm: batchNorm), configuration: configuration(change))
            trainer.threads = 1
            trainer.reducer = ThreadRank(ranks: ranks, rank: rank)
            _ = try trainer.fit(training: training, validation: held)
            return trainer.network
        }
        let networks = try results.map { try $0.get() }
        for other in networks.dropFirst() {
            #expect(other.parameters.slab.elementsEqual(networks[0].parameters.slab) { $0.bitPattern == $1.bitPattern },
                    "every rank ends with rank 0's parameters, bit for bit")
        }
        var worst = 0.0
        for tensor in single.network.parameters.tensors {
            let a = single.network.parameters.slab[tensor.range], b = networks[0].parameters.slab[tensor.range]
            let scale = Swift.max(a.map(abs).max() ?? 0, .leastNormalMagnitude)
            worst = Swift.max(worst, zip(a, b).map { abs($0 - $1) }.max()! / scale)
        }
        return worst
    }

    @Test("N ranks end on one process's parameters to 1e-12 (uneven batches, L2, dropout, both conventions, SGD and Adam)",
          arguments: [1, 2, 3, 4])
    func ranksEqualOneProcess(ranks: Int) throws {
        #expect(try Self.difference(ranks: ranks) { _ in } <= 1e-12)
        #expect(try Self.difference(ranks: ranks) { $0.l2 = 0.5; $0.convention = .absorbed } <= 1e-12)
        #expect(try Self.difference(ranks: ranks) { $0.keepProbabilities = [0.8]; $0.optimizer = .gradientDescent; $0.learningRate = 0.3 } <= 1e-12)
        #expect(try Self.difference(ranks: ranks, batchNorm: true) { _ in } <= 1e-12)
        #expect(try Self.difference(ranks: ranks, validation: true) { $0.earlyStoppingPatience = 2; $0.epochs = 8 } <= 1e-12)
    }

    @Test("A last batch with fewer examples than ranks leaves some ranks empty, and still equals one process")
    func emptyShares() throws {
        #expect(try Self.difference(ranks: 4) { $0.batchSize = 398 } <= 1e-12)  // last batch: 2 examples
        #expect(try Self.difference(ranks: 4, batchNorm: true) { $0.batchSize = 398 } <= 1e-12)
    }

    @Test("Gradient accumulation over K mini-batches equals one batch K times larger, also with dropout and ranks")
    func accumulation() throws {
        for (k, b) in [(2, 35), (7, 10), (3, 24)] {
            var reference = try Trainer(network: try Self.network(), configuration: Self.configuration { $0.batchSize = k * b; $0.keepProbabilities = [0.9] })
            _ = try reference.fit(training: Self.data)
            var accumulated = try Trainer(network: try Self.network(), configuration: Self.configuration {
                $0.batchSize = b; $0.accumulationSteps = k; $0.keepProbabilities = [0.9]
            })
            _ = try accumulated.fit(training: Self.data)
            let scale = reference.network.parameters.slab.map(abs).max()!
            let worst = zip(reference.network.parameters.slab, accumulated.network.parameters.slab).map { abs($0 - $1) }.max()!
            #expect(worst / scale <= 1e-12, "K = \(k), B = \(b)")
            #expect(accumulated.optimizer.step == reference.optimizer.step)
        }
        #expect(throws: BackpropError.self) { try Self.configuration { $0.accumulationSteps = 2; $0.batchSize = nil }.validate() }
        #expect(throws: BackpropError.self) { try Self.configuration { $0.accumulationSteps = 0 }.validate() }
    }

    @Test("Shares of a batch are contiguous, cover it, and differ by at most one example")
    func shares() {
        let reducer = ThreadRank(ranks: ThreadRanks(count: 3), rank: 0)
        #expect((0..<3).map { reducer.share($0, of: 10) } == [0..<3, 3..<6, 6..<10])
        #expect((0..<3).map { reducer.share($0, of: 2) } == [0..<0, 0..<1, 1..<2])
        #expect((0..<3).map { reducer.share($0, of: 70).count } == [23, 23, 24])
    }

    @Test("A rank whose parameters drift from rank 0's is named after the epoch it is caught")
    func drift() throws {
        let ranks = ThreadRanks(count: 2)
        let results = ranks.run { rank -> Int in
            var trainer = try Trainer(network: try Self.network(), configuration: Self.configuration())
            trainer.threads = 1
            trainer.reducer = ThreadRank(ranks: ranks, rank: rank, perturbChecksum: rank == 1)
            _ = try trainer.fit(training: Self.data)
            return trainer.epochsCompleted
        }
        for result in results {
            #expect(throws: BackpropError.self) { try result.get() }
            if case let .failure(error) = result {
                // 6 steps an epoch: the checksums are compared every ⌈100/6⌉ = 17 epochs and after the last.
                #expect("\(error)".contains("after epoch 3 the parameters of rank 1 differ from rank 0's"), "\(error)")
            }
        }
    }

    @Test("Ranks started with different options or seeds are refused before the first step, naming the rank")
    func mismatchedRanks() throws {
        let ranks = ThreadRanks(count: 3)
        let results = ranks.run { rank -> Int in
            let network = try Network<Double>(sizes: [2, 8, 6, 1], hidden: .relu, output: .sigmoid, seed: rank == 2 ? 5 : 4)
            var trainer = try Trainer(network: network, configuration: Self.configuration { $0.learningRate = rank == 1 ? 0.02 : 0.01 })
            trainer.reducer = ThreadRank(ranks: ranks, rank: rank)
            _ = try trainer.fit(training: Self.data)
            return trainer.optimizer.step
        }
        for result in results {
            if case let .failure(error) = result {
                #expect("\(error)".contains("rank 1 was started with different training options"), "\(error)")
            } else {
                Issue.record("a mismatched rank trained")
            }
        }
    }

    @Test("A stop asked on one rank stops every rank after the same batch")
    func stopTogether() throws {
        let ranks = ThreadRanks(count: 3)
        let results = ranks.run { rank -> (PartialEpoch?, Int) in
            var trainer = try Trainer(network: try Self.network(), configuration: Self.configuration())
            trainer.threads = 1
            trainer.reducer = ThreadRank(ranks: ranks, rank: rank)
            let reason = try trainer.fit(training: Self.data, onBatch: { p in !(rank == 2 && p.epoch == 2 && p.batch == 3) })
            #expect(reason == .interrupted)
            return (trainer.partialEpoch, trainer.optimizer.step)
        }
        for result in results {
            let (partial, steps) = try result.get()
            #expect(partial?.epoch == 2 && partial?.batches == 3)
            #expect(steps == 6 + 3)
        }
    }
}
