/// How far an interrupted epoch got: enough to continue it after the last finished batch and
/// still end on the same weights and the same epoch record as an uninterrupted run.
public struct PartialEpoch: Sendable, Codable, Equatable {
    /// The 1-based epoch that was interrupted.
    public var epoch: Int
    /// Batches of it already applied.
    public var batches: Int
    /// Running sums for the epoch's record.
    public var lossSum: Double
    public var correct: Int
    public var examples: Int
    public var gradientNormSums: [Double]
    public var gradientNormSamples: Int
    /// Training seconds spent on it so far.
    public var seconds: Double
}
