import Testing
@testable import Backprop

/// The trainer keeps a step workspace per batch size: an epoch that ends with a smaller batch
/// does not rebuild the full batches' buffers (and the last batch's) every epoch.
struct WorkspaceReuseTests {
    /// `examples` random examples (4096 + 40: 64 full batches of 64, two shards on two threads
    /// over the 16 MFLOP threshold, and a last one of 40 on one shard) and an untrained trainer
    /// for 3 epochs on `threads` threads.
    static func setUp(examples: Int, threads: Int) throws -> (Dataset<Float>, Trainer<Float>) {
        let data: Dataset<Float> = Generators.random(inputs: 400, outputs: 10, examples: examples, loss: .categoricalCrossEntropy, seed: 11)
        var c = TrainingConfiguration()
        c.learningRate = 0.05
        c.batchSize = 64
        c.epochs = 3
        let network = try Network<Float>(sizes: [400, 128, 10], hidden: .relu, output: .softmax, seed: 5)
        var trainer = try Trainer(network: network, configuration: c)
        trainer.threads = threads
        return (data, trainer)
    }

    @Test("Three epochs with a smaller last batch build two workspaces, on one thread or two")
    func twoWorkspaces() throws {
        for (examples, threads, built) in [(4136, 1, 2), (4136, 2, 2), (4096, 2, 1)] {
            let (data, untrained) = try Self.setUp(examples: examples, threads: threads)
            var trainer = untrained
            _ = try trainer.fit(training: data)
            #expect(trainer.history.count == 3)
            #expect(trainer.workspacesBuilt == built, "\(examples) examples, \(threads) threads")
        }
    }

    @Test("Reused workspaces give the bits of workspaces built anew each epoch")
    func sameBits() throws {
        // A last batch of 56, over the threshold too: every step sharded, so its products run
        // on a single-threaded BLAS whatever other tests train meanwhile (a one-shard step's
        // products use the BLAS's threads, and OpenBLAS's bits depend on their count).
        let (data, untrained) = try Self.setUp(examples: 4152, threads: 2)
        var kept = untrained
        var rebuilt = untrained
        for _ in 0..<3 {
            kept.history.append(try #require(try kept.trainEpoch(data, validation: nil, onBatch: { _ in true })))
            rebuilt.dropWorkspaces()
            rebuilt.history.append(try #require(try rebuilt.trainEpoch(data, validation: nil, onBatch: { _ in true })))
        }
        #expect(kept.workspacesBuilt == 2)
        #expect(rebuilt.workspacesBuilt == 6)
        #expect(kept.network.parameters.slab == rebuilt.network.parameters.slab)
        #expect(kept.history.map(\.trainLoss) == rebuilt.history.map(\.trainLoss))
    }
}
