/// Measuring a network on a dataset.
extension Network {
    /// Cost, accuracy and confusion matrix of this network on `data`, computed in chunks of
    /// `chunkSize` examples (no dropout).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(
        _ data: Dataset<Scalar>, l2 lambda: Double = 0, chunkSize: Int = 4096
    ) throws -> (loss: Double, accuracy: Double, confusion: [[Int]]) {
        guard data.count > 0 else { throw BackpropError.invalidArgument("cannot evaluate on an empty dataset (\(data.name))") }
        let sums = try summedEvaluation(data, chunkSize: chunkSize)
        let m = Double(data.count)
        let cost = sums.summedLoss / m + l2Penalty(lambda, examples: data.count)
        return (cost, Double(sums.correct) / m, sums.confusion)
    }

    /// `Σ L`, the correct count and the confusion matrix over `data`: sums, which parts of a
    /// dataset (the ranks of a data-parallel run) can add before dividing by the whole count.
    func summedEvaluation(
        _ data: Dataset<Scalar>, chunkSize: Int = 4096
    ) throws -> (summedLoss: Double, correct: Int, confusion: [[Int]]) {
        var summed = 0.0
        var correct = 0
        let classes = Swift.max(outputSize, 2)
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for start in stride(from: 0, to: data.count, by: chunkSize) {
            let range = start..<Swift.min(start + chunkSize, data.count)
            let whole = range.count == data.count
            let X = whole ? data.X : data.X.columns(range)
            let Y = whole ? data.Y : data.Y.columns(range)
            let cache = try forward(X)
            try checkLabels(Y, output: cache.output)
            summed += loss.summedLoss(Z: cache.Z(depth), A: cache.output, Y: Y)
            for (p, t) in zip(Metrics.predictedClasses(cache.output), Metrics.trueClasses(Y)) {
                confusion[t][p] += 1
                if p == t { correct += 1 }
            }
        }
        return (summed, correct, confusion)
    }
}
