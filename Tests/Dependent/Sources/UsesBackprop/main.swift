import Backprop

// The README's first use of the library, from outside the package: the course's 2-4-1 network,
// its ledger, and a few steps of training, through the public API only.
let data: Dataset<Double> = Generators.flower()
let network = try Network<Double>(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, seed: 1)
let ledger = try network.gradients(data.X, data.Y, convention: .deferred)
var configuration = TrainingConfiguration()
configuration.optimizer = .gradientDescent
configuration.learningRate = 1.2
configuration.batchSize = nil
configuration.epochs = 100
var trainer = try Trainer(network: network, configuration: configuration)
_ = try trainer.fit(training: data)
// Inference in a loop, reusing the layer outputs (public from outside the package).
var buffers = InferenceBuffers<Double>()
let once = try trainer.network.predict(data.X)
for _ in 0..<3 {
    guard try trainer.network.predict(data.X, reusing: &buffers) == once else { fatalError("predict(_:reusing:) differs from predict(_:)") }
}
print("kernels: \(KernelInstructionSet.current); dW1 \(ledger[layer: 1].dW.shape); cost after \(configuration.epochs) steps: \(trainer.history.last?.trainLoss ?? .nan)")
