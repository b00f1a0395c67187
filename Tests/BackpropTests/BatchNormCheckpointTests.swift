import Foundation
import Testing
@testable import Backprop

/// Checkpoints of batch-norm networks: the running statistics travel with the parameters, and
/// a run stopped, saved, loaded and resumed ends bit for bit where the uninterrupted run ends
/// (γ, β, the weights, running_mean, running_var, num_batches_tracked and the losses).
struct BatchNormCheckpointTests {
    /// Every element's bits, state included.
    static func bits<S: BackpropScalar>(_ network: Network<S>) -> [UInt64] {
        network.parameters.slab.map { Double($0).bitPattern }
    }

    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-\(name)-\(UUID().uuidString).safetensors")
    }

    /// The running state of every batch-norm layer, by name.
    static func state<S: BackpropScalar>(_ network: Network<S>) -> [String: Matrix<S>] {
        Dictionary(uniqueKeysWithValues: network.parameters.tensors.filter { !$0.isTrainable }.map { ($0.name, network.parameters.matrix($0)) })
    }

    @Test("Resumed at an epoch boundary (Double, Adam, a last batch of 4): bit-identical, running state included")
    func resumeAtEpochBoundary() throws {
        let data: Dataset<Double> = Generators.moons(examples: 100, seed: 5)
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.01
        c.batchSize = 16
        c.epochs = 4
        let start = try Network<Double>(sizes: [2, 6, 5, 1], hidden: .tanh, output: .sigmoid, seed: 9, batchNorm: true)
        var whole = try Trainer(network: start, configuration: c)
        _ = try whole.fit(training: data)

        var firstHalf = c
        firstHalf.epochs = 2
        var interrupted = try Trainer(network: start, configuration: firstHalf)
        _ = try interrupted.fit(training: data)
        let url = Self.temporaryURL("bn-resume")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(interrupted, to: url)

        // The file holds the running state as PyTorch buffers: 7 batches an epoch, 2 epochs.
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file["1.num_batches_tracked"]?.dtype == "I64")
        #expect(file["1.num_batches_tracked"]?.values == [14])
        #expect(file["4.num_batches_tracked"]?.values == [14])
        let saved = Self.state(interrupted.network)
        #expect(saved["1.running_var"].map { !$0.elements.allSatisfy { $0 == 1 } } == true, "the running variance moved from 1")
        #expect(saved["4.running_mean"].map { !$0.elements.allSatisfy { $0 == 0 } } == true, "the running mean moved from 0")

        var resumed: Trainer<Double> = try Checkpoint.load(from: url, configuration: c)
        #expect(Self.bits(resumed.network) == Self.bits(interrupted.network), "the checkpoint restores every tensor, state included")
        _ = try resumed.fit(training: data)
        #expect(resumed.epochsCompleted == 4)
        #expect(Self.bits(resumed.network) == Self.bits(whole.network))
        for (name, value) in Self.state(whole.network) {
            #expect(bitwiseEqual(Self.state(resumed.network)[name]!, value), "\(name)")
        }
        #expect(Self.state(whole.network)["1.num_batches_tracked"]![0, 0] == 28)
        #expect(resumed.history.map(\.trainLoss) == whole.history.map(\.trainLoss))
        // Eval mode reads the running state: the resumed model predicts the same bits.
        #expect(bitwiseEqual(try resumed.network.predict(data.X), try whole.network.predict(data.X)))
    }

    @Test("Interrupted mid-epoch (Float, momentum, the bias kept before batch norm): bit-identical after resuming")
    func resumeMidEpoch() throws {
        let data: Dataset<Float> = Generators.spirals(examples: 90, seed: 6)
        var c = TrainingConfiguration()
        c.optimizer = .momentum(beta: 0.9)
        c.learningRate = 0.05
        c.batchSize = 20
        c.epochs = 3
        let start = try Network<Float>(
            sizes: [2, 8, 6, data.Y.rows], hidden: .relu, output: .softmax, seed: 4, batchNorm: true, biasBeforeBatchNorm: true)
        var whole = try Trainer(network: start, configuration: c)
        _ = try whole.fit(training: data)

        var interrupted = try Trainer(network: start, configuration: c)
        var batches = 0
        // 5 batches an epoch (the last of 10): stop after the 7th, in epoch 2.
        let reason = try interrupted.fit(training: data, onBatch: { _ in
            batches += 1
            return batches < 7
        })
        #expect(reason == .interrupted)
        #expect(interrupted.partialEpoch?.epoch == 2 && interrupted.partialEpoch?.batches == 2)
        #expect(Self.state(interrupted.network)["1.num_batches_tracked"]![0, 0] == 7)
        let url = Self.temporaryURL("bn-mid")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(interrupted, to: url)
        var resumed: Trainer<Float> = try Checkpoint.load(from: url, configuration: c)
        #expect(resumed.partialEpoch == interrupted.partialEpoch)
        #expect(Self.bits(resumed.network) == Self.bits(interrupted.network))
        _ = try resumed.fit(training: data)
        #expect(Self.bits(resumed.network) == Self.bits(whole.network))
        #expect(Self.state(resumed.network)["4.num_batches_tracked"]![0, 0] == 15)
        #expect(resumed.history.map(\.trainLoss) == whole.history.map(\.trainLoss))
    }

    @Test("Batches split across two thread shards: the resumed run ends on the uninterrupted one's bits")
    func shardedResume() throws {
        // 6 · 7,104 weights · 512 examples ≈ 21.8 MFLOP a batch, above the 16 MFLOP threshold:
        // with 2 threads every batch is split in two, and batch norm reduces its moments.
        let data: Dataset<Double> = Generators.random(inputs: 64, outputs: 10, examples: 1024, loss: .categoricalCrossEntropy, seed: 43)
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.01
        c.batchSize = 512
        c.epochs = 3
        let start = try Network<Double>(sizes: [64, 96, 10], hidden: .relu, output: .softmax, seed: 44, batchNorm: true)
        func trainer(_ configuration: TrainingConfiguration) throws -> Trainer<Double> {
            var t = try Trainer(network: start, configuration: configuration)
            t.threads = 2
            return t
        }
        var whole = try trainer(c)
        _ = try whole.fit(training: data)
        #expect(whole.shardCount == 2)
        var firstHalf = c
        firstHalf.epochs = 1
        var interrupted = try trainer(firstHalf)
        _ = try interrupted.fit(training: data)
        let url = Self.temporaryURL("bn-sharded")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(interrupted, to: url)
        var resumed: Trainer<Double> = try Checkpoint.load(from: url, configuration: c)
        resumed.threads = 2
        _ = try resumed.fit(training: data)
        #expect(resumed.shardCount == 2)
        #expect(Self.bits(resumed.network) == Self.bits(whole.network))
        #expect(Self.state(whole.network)["1.num_batches_tracked"]![0, 0] == 6)
    }
}
