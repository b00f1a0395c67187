import Testing
@testable import Backprop

/// The trainer keeps a step workspace per batch size: an epoch that ends with a smaller batch
/// does not rebuild the full batches' buffers (and the last batch's) every epoch.
struct WorkspaceReuseTests {
    static func train(epochs: Int, examples: Int, threads: Int) throws -> Trainer<Float> {
        // 4096 + 40 examples in batches of 64: 64 full batches (two shards on two threads, over
        // the 16 MFLOP threshold) and a last one of 40 (one shard).
        let data: Dataset<Float> = Generators.random(inputs: 400, outputs: 10, examples: examples, loss: .categoricalCrossEntropy, seed: 11)
        var c = TrainingConfiguration()
        c.learningRate = 0.05
        c.batchSize = 64
        c.epochs = epochs
        let network = try Network<Float>(sizes: [400, 128, 10], hidden: .relu, output: .softmax, seed: 5)
        var trainer = try Trainer(network: network, configuration: c)
        trainer.threads = threads
        _ = try trainer.fit(training: data)
        return trainer
    }

    @Test("Three epochs with a smaller last batch build two workspaces, on one thread or two")
    func twoWorkspaces() throws {
        for threads in [1, 2] {
            let trainer = try Self.train(epochs: 3, examples: 4136, threads: threads)
            #expect(trainer.workspacesBuilt == 2, "\(threads) threads")
            #expect(trainer.history.count == 3)
        }
        // Every batch the same size: one.
        #expect(try Self.train(epochs: 3, examples: 4096, threads: 2).workspacesBuilt == 1)
    }

    @Test("Reused workspaces give the bits of workspaces built anew each epoch")
    func sameBits() throws {
        let data: Dataset<Float> = Generators.random(inputs: 400, outputs: 10, examples: 4136, loss: .categoricalCrossEntropy, seed: 11)
        var c = TrainingConfiguration()
        c.learningRate = 0.05
        c.batchSize = 64
        c.epochs = 3
        let network = try Network<Float>(sizes: [400, 128, 10], hidden: .relu, output: .softmax, seed: 5)
        var kept = try Trainer(network: network, configuration: c)
        var rebuilt = kept
        kept.threads = 2
        rebuilt.threads = 2
        for _ in 0..<3 {
            let record = try #require(try kept.trainEpoch(data, validation: nil, onBatch: { _ in true }))
            kept.history.append(record)
            rebuilt.dropWorkspaces()
            let again = try #require(try rebuilt.trainEpoch(data, validation: nil, onBatch: { _ in true }))
            rebuilt.history.append(again)
        }
        #expect(kept.workspacesBuilt == 2)
        #expect(rebuilt.workspacesBuilt == 6)
        #expect(kept.network.parameters.slab == rebuilt.network.parameters.slab)
        #expect(kept.history.map(\.trainLoss) == rebuilt.history.map(\.trainLoss))
    }
}
