import Foundation
import Testing
@testable import Backprop

/// Batch normalization (GUIDE §10): the gradient check, the compact backward form against the
/// step-by-step chain, the two conventions, sharded statistics (Chan's formula), running
/// statistics and eval mode, and files.
struct BatchNormTests {
    /// A dense network with batch norm after each hidden layer, biases before it dropped.
    static func network(
        sizes: [Int], hidden: Activation, pair: OutputPair = .sigmoidBCE, seed: UInt64 = 3
    ) throws -> Network<Double> {
        var network = try Network<Double>(
            sizes: sizes, hidden: hidden, output: pair.output, loss: pair.loss, seed: seed, batchNorm: true)
        // γ, β away from 1, 0, so the check sees them act.
        var generator = SeededGenerator(seed: seed + 100)
        for tensor in network.parameters.tensors where tensor.symbol.hasPrefix("γ") || tensor.symbol.hasPrefix("β") {
            let base = tensor.symbol.hasPrefix("γ") ? 1.0 : 0.0
            let values = (0..<tensor.count).map { _ in base + 0.3 * generator.nextNormal() }
            try network.setParameter(tensor.name, to: Matrix(rows: tensor.shape.rows, columns: 1, columnMajor: values))
        }
        return network
    }

    @Test("The layer list and PyTorch's names: Linear(bias=False), BatchNorm1d, g per hidden layer")
    func layout() throws {
        let network = try Self.network(sizes: [2, 4, 1], hidden: .tanh)
        #expect(network.pyTorchModules == "Linear(2, 4, bias=False), BatchNorm1d(4), Tanh(), Linear(4, 1), Sigmoid()")
        #expect(network.parameters.tensors.map(\.name) == [
            "0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias",
        ])
        #expect(network.parameters.tensors.map(\.isTrainable) == [true, true, true, false, false, false, true, true])
        #expect(network.parameterCount == 8 + 4 + 4 + 4 + 1)
        let stored = network.parameters.tensor(named: "1.num_batches_tracked")
        #expect(stored?.fileShape == [])
        #expect(stored?.isCount == true)
    }

    @Test("Gradient check in train mode: depths 2–4, every hidden activation, m not a power of two, both conventions",
          arguments: Activation.hiddenCases)
    func gradientCheck(hidden: Activation) throws {
        let sizes = [3, 5, 4, 6, 2]
        for depth in 2...4 {
            for (index, pair) in [OutputPair.sigmoidBCE, .softmaxCE, .identityMSE].enumerated() {
                let m = [7, 13, 11][index]
                let architecture = Array(sizes.prefix(depth + 1))
                let network = try Self.network(sizes: architecture, hidden: hidden, pair: pair, seed: UInt64(depth * 10 + index))
                let data: Dataset<Double> = Generators.random(
                    inputs: architecture[0], outputs: architecture[depth], examples: m, loss: pair.loss, seed: UInt64(depth + 40))
                for convention in [Convention.deferred, .absorbed] {
                    let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, convention: convention)
                    let context = "\(architecture) \(hidden) \(pair.testDescription) m=\(m) \(convention)"
                    #expect(report.overall < 1e-7, "\(context): \(report.overall)")
                    // Every trainable tensor is checked (γ and β included), the running state is not.
                    #expect(report.tensors.count == network.parameters.tensors.filter(\.isTrainable).count, "\(context)")
                    #expect(report.tensors.contains { $0.name.hasPrefix("dγ") && $0.numericNorm > 1e-4 }, "\(context)")
                }
            }
        }
    }

    @Test("Dropout with batch norm: the masks follow the batch norm's activation, and the gradient check passes")
    func dropout() throws {
        let network = try Self.network(sizes: [3, 6, 5, 2], hidden: .tanh, pair: .softmaxCE)
        let data: Dataset<Double> = Generators.random(inputs: 3, outputs: 2, examples: 11, loss: .categoricalCrossEntropy, seed: 8)
        var generator = SeededGenerator(seed: 1)
        let masks = try DropoutMasks(keepProbabilities: [0.8, 0.6], network: network, examples: 11, using: &generator)
        #expect(masks.masks.map { $0 != nil } == [false, true, false, true, false])
        #expect(masks.keepProbabilities == [1, 0.8, 1, 0.6, 1])
        let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, dropout: masks)
        #expect(report.overall < 1e-7, "\(report.overall)")
        #expect(throws: BackpropError.self) {
            try DropoutMasks(keepProbabilities: [0.8, 0.6, 0.5, 0.5], network: network, examples: 11, using: &generator)
        }
    }

    @Test("The compact dZ equals the step-by-step chain through dσ² and dμ, under both conventions")
    func compactEqualsChain() throws {
        let network = try Self.network(sizes: [3, 5, 2], hidden: .relu, pair: .softmaxCE)
        let data: Dataset<Double> = Generators.random(inputs: 3, outputs: 2, examples: 19, loss: .categoricalCrossEntropy, seed: 9)
        let epsilon = 1e-5
        var gammaGradients: [Matrix<Double>] = []
        for convention in [Convention.deferred, .absorbed] {
            let ledger = try network.gradients(data.X, data.Y, convention: convention)
            let page = ledger[layer: 2]
            let Z = ledger[layer: 1]["Z"]!
            let (mu, variance, hat, dShifted) = (page["μ"]!, page["σ²"]!, page["Ẑ"]!, page["dZ̃"]!)
            let gamma = network.parameters.matrix(network.parameters.tensor(named: "1.weight")!)
            let (n, m) = (Z.rows, Double(Z.columns))
            var dHat = dShifted
            var dVariance = Matrix<Double>(rows: n, columns: 1)
            var dMean = Matrix<Double>(rows: n, columns: 1)
            var dZ = Z
            for i in 0..<n {
                let s = 1 / (variance[i, 0] + epsilon).squareRoot()
                var (sumHatCentred, sumHat, sumCentred) = (0.0, 0.0, 0.0)
                for j in 0..<Z.columns {
                    dHat[i, j] = gamma[i, 0] * dShifted[i, j]
                    sumHatCentred += dHat[i, j] * (Z[i, j] - mu[i, 0])
                    sumHat += dHat[i, j]
                    sumCentred += Z[i, j] - mu[i, 0]
                }
                dVariance[i, 0] = sumHatCentred * -0.5 * s * s * s
                dMean[i, 0] = -s * sumHat + dVariance[i, 0] * (-2 / m) * sumCentred
                for j in 0..<Z.columns {
                    dZ[i, j] = dHat[i, j] * s + dVariance[i, 0] * 2 * (Z[i, j] - mu[i, 0]) / m + dMean[i, 0] / m
                }
                // Ẑ is what the chain's μ and σ² give.
                for j in 0..<Z.columns { #expect(abs(hat[i, j] - (Z[i, j] - mu[i, 0]) * s) < 1e-14) }
            }
            #expect(relativeDifference(page["dẐ"]!, dHat) < 1e-15, "\(convention) dẐ")
            #expect(relativeDifference(page["dσ²"]!, dVariance) < 1e-12, "\(convention) dσ²")
            #expect(relativeDifference(page["dμ"]!, dMean) < 1e-12, "\(convention) dμ")
            #expect(relativeDifference(page["dA_prev"]!, dZ) < 1e-12, "\(convention) dZ")
            // The dense layer below receives the same dZ (it has no activation).
            #expect(relativeDifference(ledger[layer: 1].dZ, dZ) < 1e-12)
            gammaGradients.append(page["dγ"]!)
            // dZ̃ differs by exactly the factor m between the conventions; dγ, dβ do not.
            if convention == .absorbed {
                let deferred = try network.gradients(data.X, data.Y, convention: .deferred)[layer: 2]
                #expect(relativeDifference(deferred["dZ̃"]! * (1 / m), dShifted) < 1e-15)
                #expect(relativeDifference(deferred["dβ"]!, page["dβ"]!) < 1e-14)
            }
        }
        #expect(relativeDifference(gammaGradients[0], gammaGradients[1]) < 1e-14)
    }

    @Test("Chan's formula: shard moments combine to the whole batch's, even when |μ| ≫ σ")
    func chanCombination() {
        var generator = SeededGenerator(seed: 5)
        let values = (0..<3 * 101).map { _ in 1e8 + generator.nextNormal() }
        let whole = Matrix<Double>(rows: 3, columns: 101, columnMajor: values)
        let reference = BatchMoments(rowsOf: whole)
        var combined = BatchMoments(units: 3)
        for range in [0..<1, 1..<40, 40..<41, 41..<101] {
            combined.combine(BatchMoments(rowsOf: Matrix(rows: 3, columns: range.count, columnMajor: values[(3 * range.lowerBound)..<(3 * range.upperBound)])))
        }
        #expect(combined.count == 101)
        for i in 0..<3 {
            #expect(abs(combined.mean[i] - reference.mean[i]) < 1e-7)
            #expect(abs(combined.variance[i] - reference.variance[i]) / reference.variance[i] < 1e-6)
            #expect(reference.variance[i] > 0.5 && reference.variance[i] < 2)
        }
        // Σ z² − (Σ z)²/m loses everything here.
        var (sum, squares) = (0.0, 0.0)
        for j in 0..<101 {
            let z: Double = values[3 * j]
            sum += z
            squares += z * z
        }
        let naive: Double = squares / 101 - (sum / 101) * (sum / 101)
        #expect(abs(naive - reference.variance[0]) > 0.1)
    }

    @Test("A step split across uneven thread shards equals the unsharded one (statistics of the whole batch)")
    func shardedEqualsUnsharded() throws {
        let network = try Self.network(sizes: [4, 6, 5, 3], hidden: .tanh, pair: .softmaxCE)
        let data: Dataset<Double> = Generators.random(inputs: 4, outputs: 3, examples: 53, loss: .categoricalCrossEntropy, seed: 4)
        let batch = Array(0..<53)
        for convention in [Convention.deferred, .absorbed] {
            var single = ShardedStep(network: network, examples: 53, workers: 1)
            var sharded = ShardedStep(network: network, examples: 53, workers: 3, minimumWork: 0)
            #expect(sharded.shards.map(\.examples) == [17, 18, 18] || sharded.shards.count == 3)
            let one = try single.step(data, batch: batch, network: network, dropout: nil, convention: convention, examples: 53)
            let three = try sharded.step(data, batch: batch, network: network, dropout: nil, convention: convention, examples: 53)
            #expect(abs(one.summedLoss - three.summedLoss) < 1e-12)
            #expect(one.examples == three.examples)
            for tensor in network.parameters.tensors where tensor.isTrainable {
                #expect(relativeDifference(single.gradients.matrix(tensor), sharded.gradients.matrix(tensor)) < 1e-13, "\(tensor.name) \(convention)")
            }
            for (index, layer) in network.layers.enumerated() where layer.mixesExamples {
                let (a, b) = (single.shards[0].layers[index].moments!, sharded.shards[0].layers[index].moments!)
                #expect(a.count == 53 && b.count == 53)
                for i in 0..<a.units {
                    #expect(abs(a.mean[i] - b.mean[i]) < 1e-14)
                    #expect(abs(a.variance[i] - b.variance[i]) < 1e-13)
                }
            }
        }
    }

    @Test("Running statistics follow PyTorch (momentum 0.1, unbiased variance), and eval mode uses them")
    func runningStatistics() throws {
        let network = try Self.network(sizes: [3, 4, 1], hidden: .relu)
        let data: Dataset<Double> = Generators.random(inputs: 3, outputs: 1, examples: 10, loss: .binaryCrossEntropy, seed: 2)
        var configuration = TrainingConfiguration()
        configuration.epochs = 1
        configuration.batchSize = nil
        configuration.learningRate = 1e-300  // no visible step: the parameters stay as they were
        var trainer = try Trainer(network: network, configuration: configuration)
        _ = try trainer.fit(training: data)
        let trained = trainer.network
        // The dense layer's Z over the batch, by hand.
        let W = network.parameters.matrix(network.parameters.tensor(named: "0.weight")!)
        let Z = W.dot(data.X)
        let moments = BatchMoments(rowsOf: Z)
        let mean = trained.parameters.matrix(trained.parameters.tensor(named: "1.running_mean")!)
        let variance = trained.parameters.matrix(trained.parameters.tensor(named: "1.running_var")!)
        for i in 0..<4 {
            #expect(abs(mean[i, 0] - 0.1 * moments.mean[i]) < 1e-14)
            #expect(abs(variance[i, 0] - (0.9 + 0.1 * moments.centredSquares[i] / 9)) < 1e-14)
        }
        #expect(trained.parameters.matrix(trained.parameters.tensor(named: "1.num_batches_tracked")!)[0, 0] == 1)
        // The optimizer never touched the state, and with a negligible α nothing else moved.
        for tensor in network.parameters.tensors where tensor.isTrainable {
            #expect(maxAbsDifference(trained.parameters.matrix(tensor), network.parameters.matrix(tensor)) < 1e-290)
        }
        // Eval mode: (Z − μ̂)/√(σ̂² + ε), γ = the test's, β likewise.
        let gamma = trained.parameters.matrix(trained.parameters.tensor(named: "1.weight")!)
        let beta = trained.parameters.matrix(trained.parameters.tensor(named: "1.bias")!)
        var hidden = Z
        for i in 0..<4 {
            for j in 0..<Z.columns {
                hidden[i, j] = max(0, gamma[i, 0] * (Z[i, j] - mean[i, 0]) / (variance[i, 0] + 1e-5).squareRoot() + beta[i, 0])
            }
        }
        let W2 = trained.parameters.matrix(trained.parameters.tensor(named: "3.weight")!)
        let b2 = trained.parameters.matrix(trained.parameters.tensor(named: "3.bias")!)
        var expected = W2.dot(hidden)
        for j in 0..<expected.columns { expected[0, j] = 1 / (1 + exp(-(expected[0, j] + b2[0, 0]))) }
        #expect(relativeDifference(try trained.predict(data.X), expected) < 1e-13)
        // Train mode on the same batch differs (batch statistics).
        #expect(relativeDifference(try trained.forward(data.X).output, expected) > 1e-6)
        // evaluate (validation losses, the run's report) is eval mode too, as PyTorch's
        // model.eval(): its cost is the BCE of the running-statistics output, whatever the chunks.
        var bce = 0.0
        for j in 0..<expected.columns {
            let (a, y) = (expected[0, j], data.Y[0, j])
            bce -= y * log(a) + (1 - y) * log(1 - a)
        }
        let whole = try trained.evaluate(data)
        #expect(abs(whole.loss - bce / Double(expected.columns)) < 1e-12)
        let chunked = try trained.evaluate(data, chunkSize: 3)
        #expect(abs(chunked.loss - whole.loss) < 1e-15 && chunked.confusion == whole.confusion)
    }

    @Test("A batch of one example is refused in training, and so is a last batch of one")
    func batchOfOne() throws {
        let network = try Self.network(sizes: [2, 3, 1], hidden: .tanh)
        let data: Dataset<Double> = Generators.random(inputs: 2, outputs: 1, examples: 9, loss: .binaryCrossEntropy, seed: 2)
        for batchSize in [1, 4] {
            var configuration = TrainingConfiguration()
            configuration.epochs = 1
            configuration.batchSize = batchSize
            var trainer = try Trainer(network: network, configuration: configuration)
            let error = #expect(throws: BackpropError.self) { try trainer.fit(training: data) }
            #expect("\(error!)".contains("at least 2 examples per batch"))
        }
    }

    @Test("Saved and loaded under PyTorch names with the running state; a file without it is refused by name")
    func files() throws {
        var network = try Self.network(sizes: [2, 3, 1], hidden: .tanh)
        try network.setParameter("1.running_mean", to: Matrix([[0.5], [-1], [2]]))
        try network.setParameter("1.num_batches_tracked", to: Matrix([[7]]))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bn-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try network.save(to: url)
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file["1.num_batches_tracked"]?.dtype == "I64")
        #expect(file["1.num_batches_tracked"]?.shape == [])
        #expect(file["1.num_batches_tracked"]?.values == [7])
        #expect(file["1.running_mean"]?.shape == [3])
        let loaded = try Network<Double>(contentsOf: url)
        #expect(loaded == network)
        #expect(loaded.layers[1] as? BatchNorm == BatchNorm(units: 3, activation: .tanh))

        var tensors = network.stateDict.filter { $0.name != "1.running_var" }
        let stripped = url.deletingPathExtension().appendingPathExtension("stripped.safetensors")
        defer { try? FileManager.default.removeItem(at: stripped) }
        try SafeTensors.write(tensors, metadata: network.architectureMetadata, to: stripped)
        let error = #expect(throws: BackpropError.self) { try Network<Double>(contentsOf: stripped) }
        #expect("\(error!)".contains("missing tensor 1.running_var"))
        tensors.removeAll()
    }
}
