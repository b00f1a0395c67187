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

extension PartialEpoch {
    /// Why this record cannot continue a run that has finished `epochsCompleted` epochs of a
    /// network of `depth` layers (`nil` when it can): counts out of range or inconsistent,
    /// sums that are not finite, a norm per layer missing.
    func problem(epochsCompleted: Int, depth: Int) -> String? {
        let limit = MetadataField.maximumCount
        if epoch != epochsCompleted + 1 { return "epoch \(epoch) does not follow the \(epochsCompleted) epochs of the history" }
        if !(0...limit).contains(batches) { return "batches \(batches) is not a count" }
        if !(0...limit).contains(examples) { return "examples \(examples) is not a count" }
        if !(0...examples).contains(correct) { return "correct \(correct) is not between 0 and the \(examples) examples" }
        if !(0...batches).contains(gradientNormSamples) { return "gradientNormSamples \(gradientNormSamples) is not between 0 and the \(batches) batches" }
        if (batches == 0) != (examples == 0) { return "\(batches) batches but \(examples) examples" }
        if gradientNormSums.count != depth { return "gradientNormSums has \(gradientNormSums.count) values for a network of \(depth) layers" }
        if !lossSum.isFinite || !seconds.isFinite || seconds < 0 || gradientNormSums.contains(where: { !$0.isFinite || $0 < 0 }) {
            return "a sum (lossSum, seconds or gradientNormSums) is not a finite number"
        }
        return nil
    }
}
