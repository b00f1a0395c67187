/// The default recipes: the course's for its planar flower set, and one sized from the data for
/// everything else (what ``TrainingConfiguration/init()`` starts from).
extension TrainingConfiguration {
    /// The course's recipe for the planar flower set: plain gradient descent, α = 1.2, full
    /// batch, 10,000 epochs.
    public static var course: TrainingConfiguration {
        var c = TrainingConfiguration()
        c.optimizer = .gradientDescent
        c.learningRate = 1.2
        c.batchSize = nil
        c.epochs = 10_000
        return c
    }

    /// The recipe for `examples` training examples: Adam with α = 0.001, batches of 64 (or
    /// all of them when fewer), and enough epochs for about 5,000 steps, between 10 and 1,000.
    public static func recipe(examples: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        let batch = Swift.max(1, Swift.min(64, examples))
        c.batchSize = batch
        let steps = Swift.max(1, (examples + batch - 1) / batch)
        c.epochs = Swift.min(1_000, Swift.max(10, (5_000 + steps - 1) / steps))
        return c
    }

    /// A one-line description of the recipe, e.g. `adam α=0.001, batch 64, 79 epochs`.
    public var recipeSummary: String {
        "\(optimizer) α=\(learningRate), \(batchSize.map { "batch \($0)" } ?? "full batch"), \(epochs) epochs"
    }
}
