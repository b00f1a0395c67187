import Foundation
import Testing
import Backprop

/// A layer kind the library has never heard of: a per-feature scale `y = s ⊙ x`, with
/// `ds = Σ_columns dY ⊙ X` and `dX = s ⊙ dY`. Defined here, in the test target, through the
/// public ``Layer`` protocol only.
struct FeatureScale: Layer {
    static let kind = "test.feature_scale"
    let size: Int

    var inputSize: Int { size }
    var outputSize: Int { size }
    var description: String { "feature scale \(size)" }
    var pyTorchModules: [String] { ["FeatureScale(\(size))"] }
    var parameterSpecs: [ParameterSpec] {
        [ParameterSpec(name: "scale", symbol: "s", shape: Shape(size, 1), decays: false, isVector: true)]
    }

    func initialize<Scalar: BackpropScalar>(
        _ parameters: MutableParameterViews<Scalar>, with initializer: Initializer, using generator: inout SeededGenerator
    ) {
        for i in 0..<size { parameters[0][i, 0] = Scalar(1 + 0.25 * generator.nextNormal()) }
    }

    func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, parameters: ParameterViews<Scalar>, mode: PassMode,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>
    ) {
        let s = parameters[0]
        for j in 0..<input.columns { for i in 0..<size { output[i, j] = s[i, 0] * input[i, j] } }
    }

    func backward<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>,
        inputGradient: inout Matrix<Scalar>?
    ) {
        guard case let .outputGradient(dY) = seed else { preconditionFailure("a feature scale is never an output layer") }
        let (s, ds) = (parameters[0], parameterGradients[0])
        for i in 0..<size {
            var total: Scalar = 0
            for j in 0..<input.columns { total += dY[i, j] * input[i, j] }
            ds[i, 0] = total
        }
        guard inputGradient != nil else { return }
        for j in 0..<input.columns { for i in 0..<size { inputGradient![i, j] = s[i, 0] * dY[i, j] } }
    }
}

@Suite("A layer kind defined outside the library")
struct CustomLayerTests {
    static func network<S: BackpropScalar>(_: S.Type = S.self) throws -> Network<S> {
        try Network<S>(
            layers: [
                Dense(inputSize: 3, outputSize: 5, activation: .tanh),
                FeatureScale(size: 5),
                Dense(inputSize: 5, outputSize: 2, activation: .softmax),
            ],
            loss: .categoricalCrossEntropy, initializer: nil, seed: 7)
    }

    @Test("Its parameters are named tensors in the slab, between the dense layers'")
    func parametersAreNamed() throws {
        let network: Network<Double> = try Self.network()
        #expect(network.parameters.tensors.map(\.name) == ["0.weight", "0.bias", "2.scale", "3.weight", "3.bias"])
        #expect(network.parameters.tensors.map(\.symbol) == ["W1", "b1", "s2", "W3", "b3"])
        #expect(network.parameterCount == 15 + 5 + 5 + 10 + 2)
        #expect(network.pyTorchModules == "Linear(3, 5), Tanh(), FeatureScale(5), Linear(5, 2), Softmax(dim=1)")
        let s = network.parameters.matrix(network.parameters.tensor(named: "s2")!)
        #expect(s.elements.allSatisfy { $0 != 1 } && s.elements.allSatisfy { abs($0 - 1) < 1 }, "drawn by its own initialize")
    }

    @Test("It passes the gradient check under both conventions, with L2 on the dense weights only", arguments: [Convention.deferred, .absorbed])
    func gradientCheck(convention: Convention) throws {
        let network: Network<Double> = try Self.network()
        let data: Dataset<Double> = Generators.random(inputs: 3, outputs: 2, examples: 9, loss: .categoricalCrossEntropy, seed: 8)
        let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, convention: convention, l2: 0.4)
        #expect(report.tensors.map(\.name) == ["dW1", "db1", "ds2", "dW3", "db3"])
        #expect(report.overall < 1e-8, "\(report.overall)")
        let ledger = try network.gradients(data.X, data.Y, convention: convention)
        let page = ledger[layer: 2]
        #expect(page.entries.map(\.name) == ["A", "dA_prev", "ds"])
        #expect(page["ds"]!.shape == Shape(5, 1))
        #expect(page.A.shape == Shape(5, 9))
    }

    @Test("It trains (the cost falls), on two thread shards too, and a Float copy trains alike")
    func trains() throws {
        let data: Dataset<Double> = Generators.random(inputs: 3, outputs: 2, examples: 64, loss: .categoricalCrossEntropy, seed: 9)
        var configuration = TrainingConfiguration()
        configuration.epochs = 30
        configuration.batchSize = 16
        configuration.learningRate = 0.05
        var trainer = try Trainer(network: try Self.network(Double.self), configuration: configuration)
        let before = try trainer.network.evaluate(data).loss
        #expect(try trainer.fit(training: data) == .completed)
        let after = try trainer.network.evaluate(data).loss
        #expect(after < 0.8 * before, "cost \(before) → \(after)")
        let s = trainer.network.parameters.matrix(trainer.network.parameters.tensor(named: "2.scale")!)
        let s0 = try Self.network(Double.self).parameters.matrix(trainer.network.parameters.tensor(named: "2.scale")!)
        #expect(s != s0, "the scale itself was trained")
    }

    @Test("It saves and loads (weights, checkpoint) when its kind is passed to the loader, and is named when it is not")
    func savesAndLoads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("custom-layer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        let network: Network<Float> = try Self.network()
        try network.save(to: url)
        let kinds = LayerKinds.builtIn.adding(FeatureScale.self)
        let loaded = try Network<Float>(contentsOf: url, kinds: kinds)
        #expect(loaded == network)
        let X = Matrix<Float>([[0.5, -1], [2, 0.25], [-0.75, 1]])
        #expect(try loaded.predict(X) == (try network.predict(X)))
        #expect(try network.predict(X) == (try network.forward(X).output), "inference (in place) and the training forward pass agree")
        let error = #expect(throws: BackpropError.self) { try Network<Float>(contentsOf: url) }
        #expect(error?.description.contains("test.feature_scale") == true)
        let export = #expect(throws: BackpropError.self) { try network.onnxModel() }
        #expect(export?.description.contains("layer 2 (feature scale 5) has no ONNX form") == true)

        var configuration = TrainingConfiguration()
        configuration.epochs = 2
        configuration.batchSize = 4
        let data: Dataset<Float> = Generators.random(inputs: 3, outputs: 2, examples: 12, loss: .categoricalCrossEntropy, seed: 10)
        var trainer = try Trainer(network: network, configuration: configuration)
        _ = try trainer.fit(training: data)
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        try Checkpoint.save(trainer, to: checkpoint)
        let resumed: Trainer<Float> = try Checkpoint.load(from: checkpoint, configuration: configuration, kinds: kinds)
        #expect(resumed.network == trainer.network)
        #expect(resumed.optimizer.velocity == trainer.optimizer.velocity && resumed.optimizer.squares == trainer.optimizer.squares)
        #expect(resumed.optimizer.step == 6)
    }
}
