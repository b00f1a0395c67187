import ArgumentParser
import Backprop
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network and report its progress and final metrics.",
        discussion: """
            With no options it trains the course's planar "flower" set (400 points) with a 2-4-1 \
            tanh/sigmoid network, learning rate 1.2, 10,000 full-batch steps, as the course does.

            Examples:
              backprop train
              backprop train --data moons --layers 2,16,16,1 --hidden relu --optimizer adam --learning-rate 0.01 --epochs 200 --batch-size 32
            """
    )

    @Option(help: "Data: a built-in set (flower).")
    var data: String = "flower"

    @OptionGroup var architecture: ArchitectureOptions

    @Option(help: "Optimizer: sgd, momentum, rmsprop, adam, adamw.")
    var optimizer: String = "sgd"
    @Option(help: "Initial learning rate α₀.")
    var learningRate: Double = 1.2
    @Option(help: "Schedule: constant, step:EVERY:FACTOR, exponential:RATE, inverse:RATE[:INTERVAL], cosine[:MIN].")
    var schedule: String = "constant"
    @Option(help: "Number of epochs (passes over the data).")
    var epochs: Int = 10_000
    @Option(help: "Mini-batch size (omit for full batch).")
    var batchSize: Int?
    @Option(help: "L2 strength λ.")
    var l2: Double = 0
    @Option(help: "Dropout keep probability for hidden layers (1 = none).")
    var keepProbability: Double = 1
    @Option(help: "Where 1/m goes: deferred or absorbed (same updates either way).")
    var convention: Convention = .deferred
    @Option(help: "BLAS threads (default: the library's own choice, or BACKPROP_THREADS).")
    var threads: Int?
    @Option(help: "Print a line every N epochs when not on a terminal (default: about 20 lines per run).")
    var logEvery: Int?

    func run() throws {
        let backend = try requireBackend()
        if let threads {
            guard threads > 0 else { throw ValidationError("--threads must be positive, not \(threads)") }
            backend.setThreadCount(threads)
        }
        switch architecture.precision {
        case .float: try train(Float.self)
        case .double: try train(Double.self)
        }
    }

    private func train<S: BackpropScalar>(_: S.Type) throws {
        let network: Network<S> = try architecture.makeNetwork(S.self)
        guard data == "flower" else { throw ValidationError("--data '\(data)' is not a known dataset (flower)") }
        let dataset: Dataset<S> = Generators.flower(examples: 400, seed: 1)

        var configuration = TrainingConfiguration()
        guard let algorithm = OptimizerAlgorithm(name: optimizer) else {
            throw ValidationError("--optimizer '\(optimizer)' is not one of sgd, momentum, rmsprop, adam, adamw")
        }
        guard let parsedSchedule = LearningRateSchedule(name: schedule, epochs: epochs) else {
            throw ValidationError("--schedule '\(schedule)' is not constant, step:EVERY:FACTOR, exponential:RATE, inverse:RATE[:INTERVAL] or cosine[:MIN]")
        }
        configuration.optimizer = algorithm
        configuration.schedule = parsedSchedule
        configuration.learningRate = learningRate
        configuration.epochs = epochs
        configuration.batchSize = batchSize
        configuration.l2 = l2
        configuration.keepProbabilities = keepProbability < 1 ? [keepProbability] : nil
        configuration.convention = convention
        configuration.seed = architecture.seed
        var trainer = try Trainer(network: network, configuration: configuration)

        let backend = LinearAlgebra.backend
        print("backprop \(Backprop.version) · \(backend.name) (\(backend.threadCount) threads) · \(S.dtypeName)")
        print("data \(dataset.name): X \(dataset.X.shape), Y \(dataset.Y.shape)")
        print("network \(architecture.summary), \(network.parameterCount) parameters; \(algorithm) α=\(learningRate), "
            + "\(batchSize.map { "batch \($0)" } ?? "full batch"), \(epochs) epochs")
        let every = logEvery ?? Swift.max(1, (epochs + 19) / 20)
        let clock = ContinuousClock()
        let start = clock.now
        let reason = try trainer.fit(training: dataset, onEpoch: { record in
            if record.epoch % every == 0 || record.epoch == epochs || record.epoch == 1 {
                print(String(format: "epoch %d/%d  loss %.6f  accuracy %.2f%%", record.epoch, epochs,
                             record.trainLoss, 100 * record.trainAccuracy))
            }
        })
        let elapsed = clock.now - start
        let result = try trainer.network.evaluate(dataset)
        print(String(format: "done (%@) in %.2f s: cost %.6f, accuracy %.2f%%", "\(reason)",
                     Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18,
                     result.loss, 100 * result.accuracy))
    }
}
