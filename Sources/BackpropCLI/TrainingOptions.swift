import ArgumentParser
import Backprop

/// The options that decide how a network is trained.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Optimizer: sgd, momentum, rmsprop, adam, adamw.")
    var optimizer: String = "sgd"
    @Option(help: "Initial learning rate α₀.")
    var learningRate: Double = 1.2
    @Option(help: "Schedule: constant, step:EVERY:FACTOR, exponential:RATE, inverse:RATE[:INTERVAL], cosine[:MIN].")
    var schedule: String = "constant"
    @Option(help: "Number of epochs (passes over the training data).")
    var epochs: Int = 10_000
    @Option(help: "Mini-batch size (omit for full batch).")
    var batchSize: Int?
    @Option(help: "L2 strength λ (cost += λ/(2m) Σ‖W‖²).")
    var l2: Double = 0
    @Option(help: "Inverted-dropout keep probability for hidden layers (1 = no dropout).")
    var keepProbability: Double = 1
    @Option(help: "Where 1/m goes: deferred (the course) or absorbed (PyTorch's mean); the updates are the same.")
    var convention: Convention = .deferred
    @Option(help: "Stop when the validation loss has not improved for N epochs (needs --validation-split).")
    var patience: Int?

    func validate() throws {
        _ = try configuration(seed: 1)
    }

    func configuration(seed: UInt64) throws -> TrainingConfiguration {
        var c = TrainingConfiguration()
        guard let algorithm = OptimizerAlgorithm(name: optimizer) else {
            throw ValidationError("--optimizer '\(optimizer)' is not one of sgd, momentum, rmsprop, adam, adamw")
        }
        guard let parsed = LearningRateSchedule(name: schedule, epochs: epochs) else {
            throw ValidationError("--schedule '\(schedule)' is not constant, step:EVERY:FACTOR, exponential:RATE, inverse:RATE[:INTERVAL] or cosine[:MIN]")
        }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number, not \(learningRate)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive, not \(batchSize)") }
        guard l2 >= 0, l2.isFinite else { throw ValidationError("--l2 must be ≥ 0, not \(l2)") }
        guard keepProbability > 0, keepProbability <= 1 else { throw ValidationError("--keep-probability must be in (0, 1], not \(keepProbability)") }
        if let patience, patience <= 0 { throw ValidationError("--patience must be positive, not \(patience)") }
        c.optimizer = algorithm
        c.schedule = parsed
        c.learningRate = learningRate
        c.epochs = epochs
        c.batchSize = batchSize
        c.l2 = l2
        c.keepProbabilities = keepProbability < 1 ? [keepProbability] : nil
        c.convention = convention
        c.earlyStoppingPatience = patience
        c.seed = seed
        return c
    }
}
