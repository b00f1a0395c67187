/// How far an interrupted epoch got: enough to continue it after the last finished batch and
/// still end on the same weights and the same epoch record as an uninterrupted run.
public struct PartialEpoch: Sendable, Codable, Equatable {
    /// The 1-based epoch that was interrupted.
    public var epoch: Int
    /// Batches of it already applied.
    public var batches: Int
    /// Running sums for the epoch's record.
    /// Σ over the batches done of (batch cost × batch size).
    public var lossSum: Double
    /// Examples predicted correctly so far in the epoch.
    public var correct: Int
    /// Examples seen so far in the epoch.
    public var examples: Int
    /// Per layer, the sum of the sampled ‖dW[l]‖.
    public var gradientNormSums: [Double]
    /// How many batches were sampled for those norms.
    public var gradientNormSamples: Int
    /// Training seconds spent on it so far.
    public var seconds: Double
}
