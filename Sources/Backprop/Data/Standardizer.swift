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
        if let bad = standardDeviations.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw BackpropError.invalidArgument(
                "standardizer: standard deviation \(standardDeviations[bad]) of feature \(bad) is not positive")
        }
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// Fits the means and standard deviations of the rows of `X` `(n_x, m)` over its columns.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when `X` has no columns, and
    ///   ``BackpropError/nonFinite(_:)`` when a feature holds NaN or an infinity.
    public init<T: BackpropScalar>(fittedTo X: Matrix<T>) throws {
        guard X.columns > 0 else {
            throw BackpropError.invalidArgument("standardizer: cannot fit on \(X.shape), which has no examples")
        }
        let n = X.rows
        let m = X.columns
        var sums = [Double](repeating: 0, count: n)
        X.withUnsafeBufferPointer { x in
            for j in 0..<m { for i in 0..<n { sums[i] += Double(x[i + j * n]) } }
        }
        let means = sums.map { $0 / Double(m) }
        // Two passes (mean, then squared deviations) for accuracy.
        var squares = [Double](repeating: 0, count: n)
        X.withUnsafeBufferPointer { x in
            for j in 0..<m {
                for i in 0..<n {
                    let d = Double(x[i + j * n]) - means[i]
                    squares[i] += d * d
                }
            }
        }
        if let bad = squares.firstIndex(where: { !$0.isFinite }) {
            throw BackpropError.nonFinite("standardizer: feature \(bad) holds NaN or an infinity")
        }
        let deviations = squares.map { ($0 / Double(m)).squareRoot() }
        try self.init(means: means, standardDeviations: deviations.map { $0 > 0 ? $0 : 1 })
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
        let shifts = means.map { T($0) }
        let scales = standardDeviations.map { T(1 / $0) }
        result.withUnsafeMutableBufferPointer { x in
            for j in 0..<X.columns {
                for i in 0..<n { x[i + j * n] = (x[i + j * n] - shifts[i]) * scales[i] }
            }
        }
        return result
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
