/// Where a model came from: the data and how it was split and prepared, so a checkpoint resumes
/// and a model is evaluated on exactly the examples of its own run.
///
/// The split is a function of these fields alone: the examples (after ``limit``) are split with
/// ``Dataset/split(validation:test:seed:)`` seeded with ``splitSeed``, and a built-in generator
/// draws its points from ``seed``.
public struct TrainingRun: Sendable, Codable, Equatable {
    /// The `--data` argument: a built-in set's name or the path of a CSV, NPZ file or IDX folder.
    public var data: String
    /// The CSV label column as given (a name or a 0-based index); `nil` for the last column.
    public var labelColumn: String?
    /// The fraction of the training examples held out for validation.
    public var validationSplit: Double
    /// The fraction held out as a test set (0 when the data brings its own, as IDX folders do).
    public var testSplit: Double
    /// The seed of the run: weights, built-in data, shuffles.
    public var seed: UInt64
    /// Only the first `limit` examples were used.
    public var limit: Int?
    /// Whether CSV and NPZ features were standardised (the fitted values are the model's
    /// ``Model/standardizer``).
    public var standardize: Bool
    /// `float32` or `float64`.
    public var precision: String
    /// The threads the batches were split across (results are bit-reproducible for a given count).
    public var threads: Int

    /// A record of a run's data and preparation.
    public init(
        data: String, labelColumn: String? = nil, validationSplit: Double = 0, testSplit: Double = 0,
        seed: UInt64 = 1, limit: Int? = nil, standardize: Bool = true, precision: String = "float64", threads: Int = 1
    ) {
        self.data = data
        self.labelColumn = labelColumn
        self.validationSplit = validationSplit
        self.testSplit = testSplit
        self.seed = seed
        self.limit = limit
        self.standardize = standardize
        self.precision = precision
        self.threads = threads
    }

    /// The seed of the train/validation/test split: `seed + 17` (wrapping), apart from the
    /// weights' and the generators' seed.
    public var splitSeed: UInt64 { seed &+ 17 }

    /// Throws on values no run can have, naming the field.
    public func validate() throws {
        guard (0..<1).contains(validationSplit) else {
            throw BackpropError.invalidArgument("validation split must be in [0, 1), not \(validationSplit)")
        }
        guard (0..<1).contains(testSplit) else { throw BackpropError.invalidArgument("test split must be in [0, 1), not \(testSplit)") }
        if let limit, limit <= 0 { throw BackpropError.invalidArgument("limit must be positive, not \(limit)") }
        guard ["float32", "float64"].contains(precision) else {
            throw BackpropError.invalidArgument("precision must be float32 or float64, not '\(BackpropError.excerpt(precision))'")
        }
        guard (1...4096).contains(threads) else { throw BackpropError.invalidArgument("threads must be in 1…4096, not \(threads)") }
    }
}
