/// Everything that decides how a network is trained, apart from the network and the data.
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    /// Passes over the training set.
    public var epochs: Int = 10
    /// The most epochs a run may ask for: each keeps an ``EpochRecord``, so the history of a
    /// run is bounded (ten million records are about a gigabyte).
    public static let maximumEpochs = 10_000_000
    /// Examples per mini-batch; `nil` (or ≥ m) for full-batch gradient descent. In a
    /// data-parallel run this is the global batch, split across the ranks.
    public var batchSize: Int? = 64
    /// Gradient accumulation: each optimizer step sums the gradients of this many mini-batches
    /// of ``batchSize`` and applies one 1/M for all their examples, so it equals one batch this
    /// many times larger (the last window of an epoch holds what remains); `nil` or 1: every
    /// mini-batch is a step. A layer that normalizes over the batch still takes the statistics
    /// of each mini-batch, as PyTorch does.
    public var accumulationSteps: Int? = nil
    /// The update rule.
    public var optimizer: OptimizerAlgorithm = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    /// α₀, the initial learning rate.
    public var learningRate: Double = 0.001
    /// How α changes with the epoch.
    public var schedule: LearningRateSchedule = .constant
    /// λ of the L2 penalty `λ/(2m) Σ‖W‖²` (0 for none).
    public var l2: Double = 0
    /// Keep probabilities for inverted dropout: one for every hidden layer, or one per hidden
    /// layer; `nil` for none.
    public var keepProbabilities: [Double]? = nil
    /// Where 1/m goes (the parameter updates are the same either way).
    public var convention: Convention = .deferred
    /// Seeds the shuffles and dropout masks: epoch `e` uses ``SeededGenerator`` seeded with
    /// ``epochSeed(_:)``, so a run resumed at epoch `e` draws exactly what it would have.
    public var seed: UInt64 = 1
    /// Stop when the validation loss has not improved for this many epochs (and restore the
    /// best weights); `nil` to train every epoch.
    public var earlyStoppingPatience: Int? = nil

    /// A configuration with the defaults above.
    public init() {}

    /// Examples per optimizer step: ``batchSize`` times ``accumulationSteps``.
    public var examplesPerStep: Int? { batchSize.map { $0 * (accumulationSteps ?? 1) } }

    /// The seed of epoch `epoch`'s generator: `seed + 0x9E3779B97F4A7C15 · (epoch + 1)` (wrapping).
    public func epochSeed(_ epoch: Int) -> UInt64 {
        seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1)
    }

    /// Throws on values training cannot use, naming the setting.
    public func validate() throws {
        guard epochs >= 0 else { throw BackpropError.invalidArgument("epochs must be ≥ 0, not \(epochs)") }
        guard epochs <= Self.maximumEpochs else {
            throw BackpropError.invalidArgument("epochs must be at most \(Self.maximumEpochs) (each epoch keeps a record in the history), not \(epochs)")
        }
        if let batchSize, batchSize <= 0 { throw BackpropError.invalidArgument("batch size must be positive, not \(batchSize)") }
        if let steps = accumulationSteps {
            guard steps >= 1 else { throw BackpropError.invalidArgument("gradient accumulation needs at least 1 mini-batch per step, not \(steps)") }
            guard steps == 1 || batchSize != nil else {
                throw BackpropError.invalidArgument("gradient accumulation over \(steps) mini-batches needs a batch size (full-batch steps have nothing to accumulate)")
            }
            if let batchSize, batchSize.multipliedReportingOverflow(by: steps).overflow {
                throw BackpropError.invalidArgument("batch size \(batchSize) × \(steps) accumulated mini-batches overflows")
            }
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw BackpropError.invalidArgument("learning rate must be a positive finite number, not \(learningRate)")
        }
        guard l2 >= 0, l2.isFinite else { throw BackpropError.invalidArgument("L2 strength must be ≥ 0, not \(l2)") }
        if let patience = earlyStoppingPatience, patience <= 0 {
            throw BackpropError.invalidArgument("early-stopping patience must be positive, not \(patience)")
        }
        if let keep = keepProbabilities, let bad = keep.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw BackpropError.invalidArgument("a dropout keep probability must be in (0, 1], not \(bad)")
        }
        try schedule.validate()
        try optimizer.validate()
    }
}
