/// What one epoch measured.
public struct EpochRecord: Sendable, Codable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// α used during the epoch.
    public var learningRate: Double
    /// The mean of the batch costs over the epoch, weighted by batch size (with dropout and L2
    /// as trained).
    public var trainLoss: Double
    /// Accuracy of the predictions made while training (before each batch's update).
    public var trainAccuracy: Double
    /// Cost on the validation set after the epoch (no dropout).
    public var validationLoss: Double?
    /// Accuracy on the validation set after the epoch.
    public var validationAccuracy: Double?
    /// The mean over the epoch's batches of `‖dW[l]‖_F`, layer 1 first: vanishing or exploding
    /// gradients at a glance. `nil` for a layer without weights (pooling, flatten, batch norm;
    /// ``Parameters/hasWeights(layer:)``), `null` in the checkpoint's JSON; histories written
    /// before this recorded 0 there, and still load.
    public var gradientNorms: [Double?]
    /// Wall-clock seconds of the epoch's training (validation excluded).
    public var seconds: Double

    /// Layer `l`'s (1-based) mean `‖dW[l]‖`, or `nil` when the record has none for it.
    public func gradientNorm(layer l: Int) -> Double? {
        l >= 1 && l <= gradientNorms.count ? gradientNorms[l - 1] : nil
    }
}

/// A batch's place in the run, reported to progress displays.
public struct BatchProgress: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// 1-based batch number within the epoch.
    public var batch: Int
    /// Batches in the epoch.
    public var batchCount: Int
    /// Epochs the run is configured for.
    public var totalEpochs: Int
    /// Running mean of the batch costs over the epoch so far.
    public var loss: Double
    /// Running accuracy over the epoch so far.
    public var accuracy: Double
    /// Examples processed in this epoch so far.
    public var examples: Int
    /// Seconds since the epoch began.
    public var seconds: Double
}
