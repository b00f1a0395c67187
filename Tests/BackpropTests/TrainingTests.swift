import Foundation
import Testing
@testable import Backprop

@Suite("Training")
struct TrainingTests {
    @Test("The training workspace computes the ledger's dW and db bit for bit",
          arguments: Architecture.several, [Convention.deferred, .absorbed])
    func workspaceMatchesLedger(architecture: Architecture, convention: Convention) throws {
        let network: Network<Double> = try architecture.network(seed: 11)
        let data: Dataset<Double> = architecture.data(examples: 13, seed: 12)
        var generator = SeededGenerator(seed: 13)
        let masks: DropoutMasks<Double>? = network.depth > 1
            ? try DropoutMasks(keepProbabilities: [0.7], network: network, examples: 13, using: &generator) : nil
        let ledger = try network.gradients(data.X, data.Y, convention: convention, l2: 0.3, dropout: masks)
        var step = ShardedStep(network: network, examples: 13, workers: 1)
        var totals = try step.step(data, batch: Array(0..<13), network: network, dropout: masks, convention: convention, examples: 13)
        try SingleProcess().allReduce(&step.gradients, totals: &totals)
        step.gradients.finalize(examples: totals.examples, convention: convention, l2: 0.3, parameters: network.parameters)
        #expect(totals.summedLoss == ledger.summedLoss)
        #expect(totals.examples == 13)
        #expect(totals.correct == Metrics.correctCount(predictions: ledger[layer: network.depth].A, labels: data.Y))
        #expect(step.gradients == ledger.gradients, "the training step and the ledger are one pass")
        for l in 1...network.depth {
            #expect(bitwiseEqual(step.gradients["dW\(l)"]!, ledger[layer: l].dW), "dW\(l)")
            #expect(bitwiseEqual(step.gradients["db\(l)"]!, ledger[layer: l].db), "db\(l)")
        }
    }

    @Test("A batch split into shards across threads gives the ledger's dW, db and loss (to rounding), the same every run",
          arguments: [1, 2, 3], [Convention.deferred, .absorbed])
    func shardedStepMatchesLedger(workers: Int, convention: Convention) throws {
        let network = try Network<Double>(sizes: [5, 9, 7, 3], hidden: .relu, output: .softmax, seed: 31)
        let data: Dataset<Double> = Generators.random(inputs: 5, outputs: 3, examples: 50, loss: .categoricalCrossEntropy, seed: 32)
        let batch = Array((0..<50).reversed())  // not in order: the gather must follow the indices
        var generator = SeededGenerator(seed: 33)
        let masks = try DropoutMasks(keepProbabilities: [0.8, 0.6], network: network, examples: 50, using: &generator)
        let ledger = try network.gradients(data.X.columns(batch), data.Y.columns(batch), convention: convention, l2: 0.3, dropout: masks)
        var results: [Gradients<Double>] = []
        for _ in 0..<2 {
            var step = ShardedStep(network: network, examples: 50, workers: workers, minimumWork: 0)
            #expect(step.shards.map(\.examples) == (workers == 1 ? [50] : workers == 2 ? [25, 25] : [16, 17, 17]))
            let totals = try step.step(data, batch: batch, network: network, dropout: masks, convention: convention, examples: 50)
            step.gradients.finalize(examples: totals.examples, convention: convention, l2: 0.3, parameters: network.parameters)
            #expect(abs(totals.summedLoss - ledger.summedLoss) <= 1e-12 * abs(ledger.summedLoss))
            #expect(totals.examples == 50)
            for l in 1...network.depth {
                #expect(maxRelativeDifference(step.gradients["dW\(l)"]!, ledger[layer: l].dW) < 1e-13, "dW\(l)")
                #expect(maxRelativeDifference(step.gradients["db\(l)"]!, ledger[layer: l].db) < 1e-13, "db\(l)")
            }
            #expect(totals.correct == Metrics.correctCount(predictions: ledger[layer: 3].A, labels: data.Y.columns(batch)))
            results.append(step.gradients)
        }
        #expect(results[0].slab.elementsEqual(results[1].slab) { $0.bitPattern == $1.bitPattern })
    }

    @Test("Dropout masks are drawn row by row, layer 1 first, into column-major storage: bands of rows change nothing",
          arguments: [1, 7, 300, 20_000])
    func dropoutDrawOrder(examples m: Int) throws {
        // 256 rows: one band for a small batch, several (with a short last one) at m = 300, one row a band at m = 20,000.
        let network = try Network<Float>(sizes: [3, 256, 5, 2], hidden: .relu, output: .softmax, seed: 1)
        var generator = SeededGenerator(seed: 9)
        let masks = try DropoutMasks(keepProbabilities: [0.7, 0.4], network: network, examples: m, using: &generator)
        var reference = SeededGenerator(seed: 9)
        for (l, keep) in [(0, 0.7), (1, 0.4)] {
            let rows = network.layers[l].outputSize
            let mask = try #require(masks.masks[l])
            #expect(mask.shape == Shape(rows, m))
            var mismatches = 0
            for i in 0..<rows {
                for j in 0..<m where mask[i, j] != (reference.nextUniform() < keep ? 1 : 0) { mismatches += 1 }
            }
            #expect(mismatches == 0, "layer \(l + 1), m = \(m)")
        }
        #expect(masks.masks[2] == nil)
        // The generator is left where the plain loop leaves it.
        #expect(generator.next() == reference.next())
    }

    @Test("The gradient check passes with a dropout mask held fixed")
    func dropoutGradientCheck() throws {
        let network = try Network<Double>(sizes: [3, 6, 5, 2], hidden: .tanh, output: .softmax, seed: 21)
        let data: Dataset<Double> = Generators.random(inputs: 3, outputs: 2, examples: 11, loss: .categoricalCrossEntropy, seed: 22)
        var generator = SeededGenerator(seed: 23)
        let masks = try DropoutMasks(keepProbabilities: [0.6, 0.8], network: network, examples: 11, using: &generator)
        #expect(masks.masks[0] != nil && masks.masks[1] != nil && masks.masks[2] == nil)
        let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, dropout: masks)
        #expect(report.overall < 1e-7)
    }

    @Test("Mini-batches: a seeded shuffle, the last batch smaller, full batch in order")
    func miniBatches() {
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let a = MiniBatches(examples: 10, batchSize: 4, using: &g1)
        let b = MiniBatches(examples: 10, batchSize: 4, using: &g2)
        #expect(a.batches.map(\.count) == [4, 4, 2])
        #expect(a.batches == b.batches)
        #expect(a.batches.flatMap { $0 }.sorted() == Array(0..<10))
        #expect(a.batches.flatMap { $0 } != Array(0..<10))
        var g3 = SeededGenerator(seed: 5)
        #expect(MiniBatches(examples: 10, batchSize: 10, using: &g3).batches == [Array(0..<10)])
        #expect(MiniBatches(examples: 10, batchSize: nil, using: &g3).batches == [Array(0..<10)])
    }

    @Test("Adam's first step moves each parameter by α·sign(g) (bias correction makes v̂ = g, ŝ = g²)")
    func adamFirstStep() throws {
        var network = try Network<Double>(sizes: [2, 1], hidden: .identity, output: .identity, seed: 1)
        let before = network.layer(1).W
        let dW = Matrix<Double>([[0.5, -2]])
        let db = Matrix<Double>([[0.25]])
        var optimizer = Optimizer<Double>(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        optimizer.update(&network, gradients: try Gradients(["dW1": dW, "db1": db], for: network.parameters), learningRate: 0.1)
        let W = network.layer(1).W
        // v̂ = g, ŝ = g², so the step is α g / (|g| + ε).
        #expect(abs(W[0, 0] - (before[0, 0] - 0.1 * 0.5 / (0.5 + 1e-8))) < 1e-15)
        #expect(abs(W[0, 1] - (before[0, 1] + 0.1 * 2 / (2 + 1e-8))) < 1e-15)
        #expect(abs(network.layer(1).b[0, 0] - (-0.1 * 0.25 / (0.25 + 1e-8))) < 1e-15)
        #expect(optimizer.step == 1)
    }

    @Test("Momentum, RMSProp and AdamW follow the course's formulas for two steps")
    func otherOptimizers() throws {
        let g = Matrix<Double>([[0.4]]), zero = Matrix<Double>([[0.0]])
        func run(_ algorithm: OptimizerAlgorithm) throws -> Double {
            var network = try Network<Double>(layers: [DenseLayer(W: Matrix([[1.0]]), b: Matrix([[0.0]]), activation: .identity)], loss: .meanSquaredError)
            var optimizer = Optimizer<Double>(algorithm)
            optimizer.update(&network, gradients: try Gradients(["dW1": g, "db1": zero], for: network.parameters), learningRate: 0.5)
            optimizer.update(&network, gradients: try Gradients(["dW1": g, "db1": zero], for: network.parameters), learningRate: 0.5)
            return network.layer(1).W[0, 0]
        }
        // Momentum: v1 = 0.1·0.4 = 0.04, W = 1 − 0.02; v2 = 0.9·0.04 + 0.04 = 0.076, W −= 0.038.
        #expect(abs(try run(.momentum(beta: 0.9)) - (1 - 0.02 - 0.038)) < 1e-15)
        // RMSProp: s1 = 0.1·0.16, s2 = 0.9·s1 + 0.016.
        let s1 = 0.1 * 0.16, s2 = 0.9 * s1 + 0.1 * 0.16
        let rms = 1 - 0.5 * 0.4 / (s1.squareRoot() + 1e-8) - 0.5 * 0.4 / (s2.squareRoot() + 1e-8)
        #expect(abs(try run(.rmsProp(beta: 0.9, epsilon: 1e-8)) - rms) < 1e-14)
        // AdamW: each step W = (1 − αλ)W − α v̂/(√ŝ + ε); with a constant g, v̂ = g and ŝ = g².
        var w = 1.0
        for _ in 0..<2 { w = (1 - 0.5 * 0.1) * w - 0.5 * 0.4 / (0.4 + 1e-8) }
        #expect(abs(try run(.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1)) - w) < 1e-14)
    }

    @Test("Learning-rate schedules give the course's values")
    func schedules() {
        #expect(LearningRateSchedule.exponential(rate: 0.95).rate(initial: 0.1, epoch: 2) == 0.1 * 0.95 * 0.95)
        #expect(LearningRateSchedule.inverseTime(decayRate: 1, interval: 1).rate(initial: 0.5, epoch: 3) == 0.125)
        #expect(LearningRateSchedule.inverseTime(decayRate: 1, interval: 10).rate(initial: 0.5, epoch: 9) == 0.5)
        #expect(LearningRateSchedule.step(every: 2, factor: 0.5).rate(initial: 1, epoch: 5) == 0.25)
        let cosine = LearningRateSchedule.cosine(epochs: 10, minimum: 0)
        #expect(cosine.rate(initial: 1, epoch: 0) == 1)
        #expect(abs(cosine.rate(initial: 1, epoch: 5) - 0.5) < 1e-15)
        #expect(abs(cosine.rate(initial: 1, epoch: 10)) < 1e-15)
        #expect(LearningRateSchedule(name: "step:3:0.5", epochs: 10) == .step(every: 3, factor: 0.5))
        #expect(LearningRateSchedule(name: "bogus", epochs: 10) == nil)
    }

    private func flowerConfiguration(epochs: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.optimizer = .gradientDescent
        c.learningRate = 1.2
        c.batchSize = nil
        c.epochs = epochs
        return c
    }

    @Test("The course's planar network learns the flower set (2-4-1, tanh, lr 1.2)")
    func flowerLearns() throws {
        let data: Dataset<Double> = Generators.flower()
        var trainer = try Trainer(network: Network<Double>(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, seed: 1),
                                  configuration: flowerConfiguration(epochs: 1500))
        #expect(try trainer.fit(training: data) == .completed)
        let result = try trainer.network.evaluate(data)
        #expect(result.accuracy >= 0.88)
        #expect(result.loss < trainer.history[0].trainLoss / 2)
        #expect(trainer.history.count == 1500)
    }

    @Test("The same seed gives bit-identical weights after mini-batch training with dropout")
    func reproducible() throws {
        let data: Dataset<Float> = Generators.moons(examples: 200, seed: 3)
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.01
        c.batchSize = 32
        c.epochs = 5
        c.keepProbabilities = [0.8]
        c.seed = 9
        func train(seed: UInt64) throws -> Network<Float> {
            var config = c
            config.seed = seed
            var trainer = try Trainer(network: Network<Float>(sizes: [2, 8, 8, 1], hidden: .relu, output: .sigmoid, seed: 4), configuration: config)
            _ = try trainer.fit(training: data)
            return trainer.network
        }
        let a = try train(seed: 9), b = try train(seed: 9), other = try train(seed: 10)
        for l in 1...a.depth {
            #expect(bitwiseEqual(a.layer(l).W, b.layer(l).W))
            #expect(bitwiseEqual(a.layer(l).b, b.layer(l).b))
        }
        #expect(!bitwiseEqual(a.layer(1).W, other.layer(1).W))
    }

    @Test("Resuming from a checkpoint ends on the same weights as the uninterrupted run")
    func resumeMatchesUninterrupted() throws {
        let data: Dataset<Double> = Generators.moons(examples: 150, seed: 7)
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.01
        c.batchSize = 16
        c.epochs = 6
        c.keepProbabilities = [0.9]
        let start = try Network<Double>(sizes: [2, 6, 1], hidden: .tanh, output: .sigmoid, seed: 2)
        var whole = try Trainer(network: start, configuration: c)
        _ = try whole.fit(training: data)

        var firstHalf = c
        firstHalf.epochs = 3
        var interrupted = try Trainer(network: start, configuration: firstHalf)
        _ = try interrupted.fit(training: data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-resume-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(interrupted, to: url)
        var resumed: Trainer<Double> = try Checkpoint.load(from: url, configuration: c)
        #expect(resumed.epochsCompleted == 3)
        _ = try resumed.fit(training: data)
        #expect(resumed.epochsCompleted == 6)
        for l in 1...start.depth {
            #expect(bitwiseEqual(resumed.network.layer(l).W, whole.network.layer(l).W), "W\(l)")
            #expect(bitwiseEqual(resumed.network.layer(l).b, whole.network.layer(l).b), "b\(l)")
        }
    }

    @Test("Batches split into two shards: the same weights every run, and a resumed run ends on the uninterrupted weights")
    func shardedTrainingResumes() throws {
        // 6 · 7,104 weights · 512 examples ≈ 21.8 MFLOP a batch, above the 16 MFLOP threshold:
        // with 2 threads every batch is split in two.
        let data: Dataset<Double> = Generators.random(inputs: 64, outputs: 10, examples: 1024, loss: .categoricalCrossEntropy, seed: 41)
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.01
        c.batchSize = 512
        c.epochs = 4
        c.l2 = 0.1
        c.keepProbabilities = [0.9]
        let start = try Network<Double>(sizes: [64, 96, 10], hidden: .relu, output: .softmax, seed: 42)
        func trainer(_ configuration: TrainingConfiguration) throws -> Trainer<Double> {
            var t = try Trainer(network: start, configuration: configuration)
            t.threads = 2
            return t
        }
        var whole = try trainer(c), again = try trainer(c)
        _ = try whole.fit(training: data)
        _ = try again.fit(training: data)
        #expect(whole.shardCount == 2)

        var firstHalf = c
        firstHalf.epochs = 2
        var interrupted = try trainer(firstHalf)
        _ = try interrupted.fit(training: data)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-sharded-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(interrupted, to: url)
        var resumed: Trainer<Double> = try Checkpoint.load(from: url, configuration: c)
        resumed.threads = 2
        _ = try resumed.fit(training: data)
        #expect(resumed.shardCount == 2)
        for l in 1...start.depth {
            #expect(bitwiseEqual(again.network.layer(l).W, whole.network.layer(l).W), "W\(l), second run")
            #expect(bitwiseEqual(resumed.network.layer(l).W, whole.network.layer(l).W), "W\(l), resumed")
            #expect(bitwiseEqual(resumed.network.layer(l).b, whole.network.layer(l).b), "b\(l), resumed")
        }
        #expect(whole.history.last!.trainLoss < whole.history.first!.trainLoss)
    }

    @Test("Interrupted mid-epoch, checkpointed and resumed, a run ends on the uninterrupted weights")
    func resumeMidEpoch() throws {
        let data: Dataset<Float> = Generators.moons(examples: 100, seed: 8)
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.01
        c.batchSize = 16
        c.epochs = 3
        c.keepProbabilities = [0.8]
        let start = try Network<Float>(sizes: [2, 5, 1], hidden: .relu, output: .sigmoid, seed: 3)
        var whole = try Trainer(network: start, configuration: c)
        _ = try whole.fit(training: data)

        var interrupted = try Trainer(network: start, configuration: c)
        var batches = 0
        // Stop after the 10th batch overall: epoch 2 (7 batches an epoch), batch 3.
        let reason = try interrupted.fit(training: data, onBatch: { _ in
            batches += 1
            return batches < 10
        })
        #expect(reason == .interrupted)
        #expect(interrupted.partialEpoch?.epoch == 2 && interrupted.partialEpoch?.batches == 3)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-mid-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Checkpoint.save(interrupted, to: url)
        var resumed: Trainer<Float> = try Checkpoint.load(from: url, configuration: c)
        #expect(resumed.partialEpoch == interrupted.partialEpoch)
        _ = try resumed.fit(training: data)
        for l in 1...start.depth {
            #expect(bitwiseEqual(resumed.network.layer(l).W, whole.network.layer(l).W), "W\(l)")
            #expect(bitwiseEqual(resumed.network.layer(l).b, whole.network.layer(l).b), "b\(l)")
        }
        #expect(resumed.history.map(\.trainLoss) == whole.history.map(\.trainLoss))
    }

    @Test("A diverging run stops with a message naming the epoch, the batch and the layer")
    func nonFiniteStops() throws {
        let data: Dataset<Double> = Generators.random(inputs: 3, outputs: 1, examples: 40, loss: .meanSquaredError, seed: 1)
        var c = TrainingConfiguration()
        c.optimizer = .gradientDescent
        c.learningRate = 1e6
        c.batchSize = 8
        c.epochs = 50
        var trainer = try Trainer(network: Network<Double>(sizes: [3, 16, 1], hidden: .identity, output: .identity, seed: 1), configuration: c)
        do {
            _ = try trainer.fit(training: data)
            Issue.record("training at α = 1e6 should diverge")
        } catch let error as BackpropError {
            guard case let .nonFinite(message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(message.contains("epoch "))
            #expect(message.contains("batch "))
            #expect(message.contains("layer") || message.contains("cost"))
        }
        for layer in trainer.network.denseLayers { #expect(layer.W.isFinite && layer.b.isFinite) }
    }

    @Test("Early stopping restores the best weights when the validation loss stops improving")
    func earlyStopping() throws {
        let all: Dataset<Double> = Generators.moons(examples: 60, noise: 0.4, seed: 1)
        let split = try all.split(validation: 0.5, seed: 2)
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        c.learningRate = 0.05
        c.batchSize = 8
        c.epochs = 400
        c.earlyStoppingPatience = 5
        var trainer = try Trainer(network: Network<Double>(sizes: [2, 64, 64, 1], hidden: .relu, output: .sigmoid, seed: 1), configuration: c)
        let reason = try trainer.fit(training: split.train, validation: split.validation)
        guard case let .earlyStopping(best) = reason else { Issue.record("expected early stopping, got \(reason)"); return }
        #expect(trainer.epochsCompleted == best + 5)
        let bestLoss = trainer.history[best - 1].validationLoss!
        #expect(trainer.history.compactMap { $0.validationLoss }.min() == bestLoss)
        #expect(abs(try trainer.network.evaluate(split.validation).loss - bestLoss) < 1e-12)
    }

    @Test("Accuracy and the confusion matrix read sigmoid and softmax outputs")
    func metrics() {
        let A = Matrix<Double>([[0.2, 0.7, 0.5, 0.1]])
        let Y = Matrix<Double>([[0, 1, 0, 1]])
        #expect(Metrics.accuracy(predictions: A, labels: Y) == 0.5)
        #expect(Metrics.confusionMatrix(predictions: A, labels: Y) == [[1, 1], [1, 1]])
        let S = Matrix<Double>([[0.7, 0.1], [0.2, 0.3], [0.1, 0.6]])
        let O = Matrix<Double>([[1, 0], [0, 1], [0, 0]])
        #expect(Metrics.predictedClasses(S) == [0, 2])
        #expect(Metrics.accuracy(predictions: S, labels: O) == 0.5)
    }
}

@Suite("Training settings")
struct TrainingSettingsTests {
    @Test("Schedules with non-integer or huge counts are rejected, not truncated or trapped",
          arguments: ["step:1e30:0.5", "step:2.7:0.5", "step:0:0.5", "inverse:0.1:1e30", "exponential:nan", "cosine:1:2"])
    func badSchedules(text: String) {
        #expect(LearningRateSchedule(name: text, epochs: 10) == nil)
    }

    @Test("Optimizer hyper-parameters outside their range are rejected with the name of the parameter")
    func badOptimizer() throws {
        var c = TrainingConfiguration()
        c.optimizer = .adam(beta1: 1, beta2: 0.999, epsilon: 1e-8)
        #expect(throws: BackpropError.self) { try c.validate() }
        c.optimizer = .rmsProp(beta: 0.9, epsilon: 0)
        do { try c.validate(); Issue.record("ε = 0 accepted") } catch { #expect("\(error)".contains("ε")) }
    }

    @Test("ReLU keeps NaN; sums over 2,000,000 Float columns keep their digits")
    func numericalEdges() {
        let A = Activation.relu.forward(Matrix<Float>([[Float.nan, -1, 2]]))
        #expect(A[0, 0].isNaN && A[0, 1] == 0 && A[0, 2] == 2)
        let many = Matrix<Float>(rows: 1, columns: 2_000_000, repeating: 0.1)
        #expect(abs(Double(many.sum(axis: 1)[0, 0]) - 200_000) < 1)
        #expect(abs(Double(many.sum(axis: 0).sum()) - 200_000) < 1)
    }

    @Test("A layer with no units is rejected")
    func emptyLayer() {
        #expect(throws: BackpropError.self) {
            _ = try Network<Double>(sizes: [2, 0, 1], hidden: .tanh, output: .sigmoid)
        }
    }
}

/// The largest |a − b| / max(|b|, 1e-300) over the elements.
private func maxRelativeDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    precondition(a.shape == b.shape)
    var worst = 0.0
    for j in 0..<a.columns {
        for i in 0..<a.rows {
            worst = max(worst, abs(a[i, j] - b[i, j]) / max(abs(b[i, j]), 1e-300))
        }
    }
    return worst
}
