import Testing
@testable import Backprop

/// A sharded step whose gradients are added, finalized and applied in the optimizer's one pass
/// (ShardedStep.finishAndUpdate) gives the bits of doing those one after another.
struct FusedUpdateTests {
    static func train<T: BackpropScalar>(
        _: T.Type, optimizer: OptimizerAlgorithm, convention: Convention, l2: Double, fused: Bool
    ) throws -> Trainer<T> {
        // 6 · (400·128 + 128·10) · 64 ≈ 20 MFLOP a batch, over the 16 MFLOP threshold: with 2
        // threads every batch has two shards; 64 batches an epoch, so 3 in 4 are not sampled
        // for the full check and take the fused pass.
        let data: Dataset<T> = Generators.random(inputs: 400, outputs: 10, examples: 4096, loss: .categoricalCrossEntropy, seed: 7)
        var c = TrainingConfiguration()
        c.optimizer = optimizer
        c.learningRate = optimizer == .gradientDescent ? 0.05 : 0.002
        c.batchSize = 64
        c.epochs = 2
        c.l2 = l2
        c.convention = convention
        let network = try Network<T>(sizes: [400, 128, 10], hidden: .relu, output: .softmax, seed: 3)
        var trainer = try Trainer(network: network, configuration: c)
        trainer.threads = 2
        trainer.fusesUpdate = fused
        _ = try trainer.fit(training: data)
        #expect(trainer.shardCount == 2)
        // 2 epochs × 64 batches, every 4th sampled for the full check: 96 fused steps, or none.
        #expect(trainer.fusedSteps == (fused ? 96 : 0))
        return trainer
    }

    @Test("Fused and separate passes: the same parameters, moments and history", arguments: [
        (OptimizerAlgorithm.gradientDescent, Convention.deferred, 0.0),
        (.gradientDescent, .absorbed, 0.5),
        (.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), .deferred, 0.5),
        (.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01), .absorbed, 0.0),
        (.momentum(beta: 0.9), .deferred, 0.1),
    ])
    func sameBits(optimizer: OptimizerAlgorithm, convention: Convention, l2: Double) throws {
        let fused = try Self.train(Float.self, optimizer: optimizer, convention: convention, l2: l2, fused: true)
        let separate = try Self.train(Float.self, optimizer: optimizer, convention: convention, l2: l2, fused: false)
        let a = fused.network.parameters.slab, b = separate.network.parameters.slab
        #expect(a.count == b.count)
        let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(a.count) parameters differ")
        for (x, y) in [(fused.optimizer.velocity, separate.optimizer.velocity), (fused.optimizer.squares, separate.optimizer.squares)] {
            #expect(x.count == y.count)
            #expect(zip(x, y).filter { $0.bitPattern != $1.bitPattern }.count == 0)
        }
        #expect(fused.history.map(\.trainLoss) == separate.history.map(\.trainLoss))
        #expect(fused.history.map(\.gradientNorms) == separate.history.map(\.gradientNorms))
        // Training moved the parameters (a pass that skipped the update would match nothing).
        let start = try Network<Float>(sizes: [400, 128, 10], hidden: .relu, output: .softmax, seed: 3).parameters.slab
        #expect(zip(a, start).filter { $0 != $1 }.count > a.count / 2)
    }
}
