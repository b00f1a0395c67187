/// A dataset cut into training, validation and test sets.
public struct DatasetSplit<Scalar: BackpropScalar>: Sendable {
    /// The examples to fit on.
    public var train: Dataset<Scalar>
    /// The examples to choose settings on (may be empty).
    public var validation: Dataset<Scalar>
    /// The examples to report on once (may be empty).
    public var test: Dataset<Scalar>
}

extension Dataset {
    /// The examples at `indices`, in that order; `suffix` is appended to the name.
    public func examples<S: Sequence>(_ indices: S, nameSuffix suffix: String = "") -> Dataset
    where S.Element == Int {
        let order = Array(indices)
        // X and Y keep one column per example, so this cannot fail.
        var subset = try! Dataset(X: X.columns(order), Y: Y.columns(order), name: name + suffix)
        subset.imageShape = imageShape
        return subset
    }

    /// The examples in a seeded random order (``SeededGenerator/permutation(_:)``).
    public func shuffled(seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        return examples(generator.permutation(count))
    }

    /// The first `n` examples (all of them when there are fewer), for small experiments.
    public func prefix(_ n: Int) -> Dataset {
        precondition(n >= 0, "prefix length must not be negative")
        return examples(0..<Swift.min(n, count))
    }

    /// A seeded shuffle cut into `validationCount` validation examples, `testCount` test
    /// examples and the rest for training.
    ///
    /// The permutation is drawn once from `seed`: training takes its first examples, then
    /// validation, then test, so the same seed always gives the same sets.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when a count is negative or they add up
    ///   to more than the dataset holds.
    public func split(validationCount: Int = 0, testCount: Int = 0, seed: UInt64) throws -> DatasetSplit<Scalar> {
        guard validationCount >= 0, testCount >= 0, validationCount + testCount <= count else {
            throw BackpropError.invalidArgument(
                "dataset \(name): cannot take \(validationCount) validation and \(testCount) test examples from \(count)")
        }
        var generator = SeededGenerator(seed: seed)
        let order = generator.permutation(count)
        let trainCount = count - validationCount - testCount
        return DatasetSplit(
            train: examples(order[0..<trainCount], nameSuffix: " (train)"),
            validation: examples(order[trainCount..<(trainCount + validationCount)], nameSuffix: " (validation)"),
            test: examples(order[(trainCount + validationCount)...], nameSuffix: " (test)"))
    }

    /// A seeded shuffle cut by fractions: `validation` and `test` are fractions of the
    /// examples (rounded to the nearest count), the rest is for training.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when a fraction is outside `[0, 1]` or
    ///   they add up to more than 1.
    public func split(validation: Double = 0, test: Double = 0, seed: UInt64) throws -> DatasetSplit<Scalar> {
        guard (0...1).contains(validation), (0...1).contains(test), validation + test <= 1 + 1e-12 else {
            throw BackpropError.invalidArgument(
                "dataset \(name): split fractions validation \(validation) and test \(test) must be in [0, 1] and add up to at most 1")
        }
        let validationCount = Int((Double(count) * validation).rounded())
        let testCount = Swift.min(Int((Double(count) * test).rounded()), count - validationCount)
        return try split(validationCount: validationCount, testCount: testCount, seed: seed)
    }
}
