/// Per-feature standardisation, `x' = (x − μ) / σ`, with `μ` and `σ` fitted on the training
/// features and then applied unchanged to validation and test sets (as scikit-learn's
/// `StandardScaler`).
///
/// `μ` and `σ` are computed over the columns (examples) of an `(n_x, m)` matrix, in `Double`;
/// `σ` is the population standard deviation (dividing by `m`), and a feature with `σ = 0`
/// (constant, such as a blank border pixel) keeps `σ = 1`, so it is only centred.
public struct Standardizer: Sendable, Equatable {
    /// The mean of each feature (row) over the training examples.
    public let means: [Double]
    /// The standard deviation of each feature, 1 where the feature was constant.
    public let standardDeviations: [Double]

    /// A standardiser with given means and standard deviations (one per feature).
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when the counts differ or a standard
    ///   deviation is not positive and finite.
    public init(means: [Double], standardDeviations: [Double]) throws {
        guard means.count == standardDeviations.count else {
            throw BackpropError.invalidArgument(
                "standardizer: \(means.count) means but \(standardDeviations.count) standard deviations")
        }
        if let bad = means.firstIndex(where: { !$0.isFinite }) {
            throw BackpropError.invalidArgument("standardizer: mean \(means[bad]) of feature \(bad) is not finite")
        }
        if let bad = standardDeviations.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw BackpropError.invalidArgument(
                "standardizer: standard deviation \(standardDeviations[bad]) of feature \(bad) is not positive")
        }
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// Fits the means and standard deviations of the rows of `X` `(n_x, m)` over its columns.
    ///
    /// Each feature is first scaled by its largest magnitude, so the sums cannot overflow for
    /// any finite values (features of ±1e308 give a finite mean and deviation), and the
    /// variance is taken in two passes (mean, then squared deviations) for accuracy.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when `X` has no columns, and
    ///   ``BackpropError/nonFinite(_:)`` when a feature holds NaN or an infinity.
    public init<T: BackpropScalar>(fittedTo X: Matrix<T>) throws {
        guard X.columns > 0 else {
            throw BackpropError.invalidArgument("standardizer: cannot fit on \(X.shape), which has no examples")
        }
        let n = X.rows
        let m = X.columns
        var scales = [Double](repeating: 0, count: n)
        var finite = [Bool](repeating: true, count: n)
        X.withUnsafeBufferPointer { x in
            for j in 0..<m {
                for i in 0..<n {
                    let value = Double(x[i + j * n])
                    if value.isFinite { scales[i] = Swift.max(scales[i], value.magnitude) } else { finite[i] = false }
                }
            }
        }
        if let bad = finite.firstIndex(of: false) {
            throw BackpropError.nonFinite("standardizer: feature \(bad) holds NaN or an infinity")
        }
        // In units of the largest magnitude every value is in [−1, 1]: the sums stay below m.
        var sums = [Double](repeating: 0, count: n)
        X.withUnsafeBufferPointer { x in
            for j in 0..<m {
                for i in 0..<n where scales[i] > 0 { sums[i] += Double(x[i + j * n]) / scales[i] }
            }
        }
        let scaledMeans = sums.map { $0 / Double(m) }
        var squares = [Double](repeating: 0, count: n)
        X.withUnsafeBufferPointer { x in
            for j in 0..<m {
                for i in 0..<n where scales[i] > 0 {
                    let d = Double(x[i + j * n]) / scales[i] - scaledMeans[i]
                    squares[i] += d * d
                }
            }
        }
        // The population deviation of values in [−s, s] is at most s: finite whenever s is.
        let means = (0..<n).map { scaledMeans[$0] * scales[$0] }
        let deviations = (0..<n).map { (squares[$0] / Double(m)).squareRoot() * scales[$0] }
        try self.init(means: means, standardDeviations: deviations.map { $0 > 0 && $0.isFinite ? $0 : 1 })
    }

    /// The number of features.
    public var featureCount: Int { means.count }

    /// `(X − μ) / σ`, row by row.
    ///
    /// - Throws: ``BackpropError/shapeMismatch(operation:left:right:)`` when `X` does not have
    ///   one row per fitted feature.
    public func transform<T: BackpropScalar>(_ X: Matrix<T>) throws -> Matrix<T> {
        guard X.rows == featureCount else {
            throw BackpropError.shapeMismatch(
                operation: "standardize (fitted on \(featureCount) features)", left: X.shape,
                right: Shape(featureCount, X.columns))
        }
        var result = X
        let n = X.rows
        result.withUnsafeMutableBufferPointer { x in
            for j in 0..<X.columns {
                for i in 0..<n { x[i + j * n] = T(Self.standardized(Double(x[i + j * n]), means[i], standardDeviations[i])) }
            }
        }
        return result
    }

    /// `(x − μ) / σ` in `Double`, halving first when `x − μ` alone would overflow (a feature
    /// spanning ±1e308): the quotient is finite whenever `x` is within the fitted spread.
    static func standardized(_ x: Double, _ mean: Double, _ deviation: Double) -> Double {
        let difference = x - mean
        if difference.isFinite { return difference / deviation }
        return (x * 0.5 - mean * 0.5) / deviation * 2
    }

    /// The dataset with its features standardised; `Y` unchanged.
    public func transform<T: BackpropScalar>(_ dataset: Dataset<T>) throws -> Dataset<T> {
        var result = dataset
        result.X = try transform(dataset.X)
        return result
    }

    /// `X σ + μ`, undoing `transform(_:)`.
    public func inverseTransform<T: BackpropScalar>(_ X: Matrix<T>) throws -> Matrix<T> {
        guard X.rows == featureCount else {
            throw BackpropError.shapeMismatch(
                operation: "unstandardize (fitted on \(featureCount) features)", left: X.shape,
                right: Shape(featureCount, X.columns))
        }
        var result = X
        let n = X.rows
        result.withUnsafeMutableBufferPointer { x in
            for j in 0..<X.columns {
                for i in 0..<n { x[i + j * n] = T(Double(x[i + j * n]) * standardDeviations[i] + means[i]) }
            }
        }
        return result
    }
}
