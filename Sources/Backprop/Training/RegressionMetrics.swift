/// How well a regression network fits numeric labels.
public struct RegressionMetrics: Sendable, Equatable {
    /// The cost: `(1/m) Σ L` of the network's loss (MSE: `½‖a − y‖²` per example) plus any L2.
    public var loss: Double
    /// The mean absolute error over every output and example.
    public var meanAbsoluteError: Double
    /// The root of the mean squared error over every output and example.
    public var rootMeanSquaredError: Double
    /// The coefficient of determination `1 − SS_res / SS_tot` over every output (pooled about
    /// each output's mean); 1 is a perfect fit, 0 is no better than the mean.
    public var r2: Double
}

extension Network {
    /// The regression metrics of this network on `data` (no dropout), in chunks of `chunkSize`.
    public func evaluateRegression(_ data: Dataset<Scalar>, l2 lambda: Double = 0, chunkSize: Int = 4096) throws -> RegressionMetrics {
        guard data.count > 0 else { throw BackpropError.invalidArgument("cannot evaluate on an empty dataset (\(data.name))") }
        let rows = data.Y.rows
        var means = [Double](repeating: 0, count: rows)
        for j in 0..<data.count { for i in 0..<rows { means[i] += Double(data.Y[i, j]) } }
        means = means.map { $0 / Double(data.count) }
        var (summed, absolute, squared, total) = (0.0, 0.0, 0.0, 0.0)
        for start in stride(from: 0, to: data.count, by: chunkSize) {
            let range = start..<Swift.min(start + chunkSize, data.count)
            let whole = range.count == data.count
            let X = whole ? data.X : data.X.columns(range)
            let Y = whole ? data.Y : data.Y.columns(range)
            let cache = try forward(X)
            summed += loss.summedLoss(Z: cache.Z(depth), A: cache.output, Y: Y)
            for j in 0..<Y.columns {
                for i in 0..<rows {
                    let (a, y) = (Double(cache.output[i, j]), Double(Y[i, j]))
                    absolute += abs(a - y)
                    squared += (a - y) * (a - y)
                    total += (y - means[i]) * (y - means[i])
                }
            }
        }
        let n = Double(data.count * rows)
        return RegressionMetrics(
            loss: summed / Double(data.count) + l2Penalty(lambda, examples: data.count),
            meanAbsoluteError: absolute / n, rootMeanSquaredError: (squared / n).squareRoot(),
            r2: total > 0 ? 1 - squared / total : (squared == 0 ? 1 : 0))
    }
}
