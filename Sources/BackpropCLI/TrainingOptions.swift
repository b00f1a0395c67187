import ArgumentParser
import Backprop

/// The options that decide how a network is trained. Every one is optional: a fresh run fills
/// in the defaults (the recipe the data gets); a resumed run keeps the checkpoint's settings.
/// On a resumed run only the settings that may change mid-run (``changeable``: more epochs, a
/// new learning rate or schedule, another patience) may differ from the checkpoint's, and are
/// reported in ``overrides``; any other option that contradicts it is an error.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Optimizer: sgd, momentum, rmsprop, adam, adamw (default sgd for flower, adam otherwise).")
    var optimizer: String?
    @Option(help: "Initial learning rate α₀ (default 1.2 for flower, 0.001 with Adam otherwise).")
    var learningRate: Double?
    @Option(help: "Schedule: constant, step:EVERY:FACTOR, exponential:RATE, inverse:RATE[:INTERVAL], cosine[:MIN] (default constant).")
    var schedule: String?
    @Option(help: "Number of epochs (passes over the training data; default 10,000 for flower, sized from the data otherwise; on --resume the checkpoint's).")
    var epochs: Int?
    @Option(help: "Mini-batch size (default: full batch for flower, 64 otherwise).")
    var batchSize: Int?
    @Option(help: "L2 strength λ (cost += λ/(2m) Σ‖W‖²; default 0).")
    var l2: Double?
    @Option(help: "Inverted-dropout keep probability for hidden layers (default 1 = no dropout).")
    var keepProbability: Double?
    @Option(help: "Where 1/m goes: deferred (the course) or absorbed (PyTorch's mean); the updates are the same.")
    var convention: Convention?
    @Option(help: "Stop when the validation loss has not improved for N epochs (needs --validation-split).")
    var patience: Int?
    @Option(help: "Gradient accumulation: sum the gradients of K mini-batches, then one step with 1/(their examples); equals --batch-size K×B (default 1).")
    var accumulate: Int?

    func validate() throws {
        _ = try configuration(seed: 1)
    }

    /// The options a resumed run may change.
    static let changeable: Set<String> = ["--epochs", "--learning-rate", "--schedule", "--patience"]

    /// The configuration of a fresh run: `recipe` (the defaults for its data) with the options given.
    func configuration(seed: UInt64, recipe: TrainingConfiguration = .course) throws -> TrainingConfiguration {
        var c = recipe
        c.seed = seed
        try apply(to: &c, resuming: false)
        return c
    }

    /// The configuration of a run resumed from a checkpoint saved with `stored`, and a line for
    /// each setting an explicit option changed.
    func configuration(resuming stored: TrainingConfiguration) throws -> (TrainingConfiguration, overrides: [String]) {
        var c = stored
        let overrides = try apply(to: &c, resuming: true)
        return (c, overrides)
    }

    @discardableResult
    private func apply(to c: inout TrainingConfiguration, resuming: Bool) throws -> [String] {
        var overrides: [String] = []
        func set<T: Equatable>(_ option: String, _ value: T?, _ keyPath: WritableKeyPath<TrainingConfiguration, T>, shown: (T) -> String = { "\($0)" }) throws {
            guard let value else { return }
            if resuming && c[keyPath: keyPath] != value {
                guard Self.changeable.contains(option) else {
                    throw BackpropError.invalidArgument(
                        "\(option) \(shown(value)) contradicts the checkpoint, which trains with \(option) \(shown(c[keyPath: keyPath])); a resumed run keeps it (only \(Self.changeable.sorted().joined(separator: ", ")) may change), so drop \(option) or start a new run")
                }
                overrides.append("\(option) \(shown(value)) (the checkpoint used \(shown(c[keyPath: keyPath])))")
            }
            c[keyPath: keyPath] = value
        }
        if let optimizer {
            guard let algorithm = OptimizerAlgorithm(name: optimizer) else {
                throw ValidationError("--optimizer '\(optimizer)' is not one of sgd, momentum, rmsprop, adam, adamw")
            }
            try set("--optimizer", algorithm, \.optimizer)
        }
        if let learningRate {
            guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number, not \(learningRate)") }
            try set("--learning-rate", learningRate, \.learningRate)
        }
        if let epochs {
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
            guard epochs <= TrainingConfiguration.maximumEpochs else {
                throw ValidationError("--epochs must be at most \(TrainingConfiguration.maximumEpochs) (each epoch keeps a record in the history), not \(epochs)")
            }
            if resuming && epochs != c.epochs { overrides.append("--epochs \(epochs) (the checkpoint was to run \(c.epochs))") }
            c.epochs = epochs
        }
        if let schedule {
            guard let parsed = LearningRateSchedule(name: schedule, epochs: c.epochs) else {
                throw ValidationError("--schedule '\(schedule)' is not constant, step:EVERY:FACTOR, exponential:RATE, inverse:RATE[:INTERVAL] or cosine[:MIN]")
            }
            if let problem = parsed.problem { throw ValidationError("--schedule '\(schedule)': \(problem)") }
            try set("--schedule", parsed, \.schedule)
        }
        if let batchSize {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, not \(batchSize)") }
            try set("--batch-size", Optional(batchSize), \.batchSize, shown: { $0.map(String.init) ?? "full batch" })
        }
        if let l2 {
            guard l2 >= 0, l2.isFinite else { throw ValidationError("--l2 must be ≥ 0, not \(l2)") }
            try set("--l2", l2, \.l2)
        }
        if let keepProbability {
            guard keepProbability > 0, keepProbability <= 1 else { throw ValidationError("--keep-probability must be in (0, 1], not \(keepProbability)") }
            try set("--keep-probability", keepProbability < 1 ? [keepProbability] : nil, \.keepProbabilities,
                    shown: { $0.map { "\($0[0])" } ?? "1" })
        }
        if let convention { try set("--convention", convention, \.convention) }
        if let accumulate {
            guard accumulate >= 1 else { throw ValidationError("--accumulate must be at least 1, not \(accumulate)") }
            guard accumulate == 1 || c.batchSize != nil else {
                throw ValidationError("--accumulate \(accumulate) needs --batch-size: full-batch steps have nothing to accumulate")
            }
            if let size = c.batchSize, size.multipliedReportingOverflow(by: accumulate).overflow {
                throw ValidationError("--accumulate \(accumulate) × --batch-size \(size) overflows")
            }
            try set("--accumulate", accumulate == 1 ? nil : Optional(accumulate), \.accumulationSteps, shown: { "\($0 ?? 1)" })
        }
        if let patience {
            guard patience > 0 else { throw ValidationError("--patience must be positive, not \(patience)") }
            try set("--patience", Optional(patience), \.earlyStoppingPatience, shown: { $0.map(String.init) ?? "none" })
        }
        return overrides
    }
}
