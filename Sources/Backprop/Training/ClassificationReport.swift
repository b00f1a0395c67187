/// Precision, recall and F1 of each class, and their macro averages, read off a confusion
/// matrix `counts[true][predicted]` (as scikit-learn's `classification_report`; a class never
/// predicted has precision 0, one never present has recall 0).
public struct ClassificationReport: Sendable, Equatable {
    /// One class's figures.
    public struct ClassScores: Sendable, Equatable {
        /// Of the examples predicted as this class, the fraction that are.
        public var precision: Double
        /// Of the examples of this class, the fraction predicted as it.
        public var recall: Double
        /// The harmonic mean of precision and recall (0 when both are 0).
        public var f1: Double
        /// The examples of this class.
        public var support: Int
    }

    /// Per class, in class order.
    public var classes: [ClassScores]

    /// The report of `confusion` (square, `counts[true][predicted]`).
    public init(confusion: [[Int]]) {
        let k = confusion.count
        classes = (0..<k).map { c in
            let truePositives = confusion[c][c]
            let predicted = (0..<k).reduce(0) { $0 + confusion[$1][c] }
            let actual = confusion[c].reduce(0, +)
            let precision = predicted > 0 ? Double(truePositives) / Double(predicted) : 0
            let recall = actual > 0 ? Double(truePositives) / Double(actual) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return ClassScores(precision: precision, recall: recall, f1: f1, support: actual)
        }
    }

    /// The unweighted mean over classes of precision, recall and F1.
    public var macro: (precision: Double, recall: Double, f1: Double) {
        let n = Double(Swift.max(classes.count, 1))
        return (classes.map(\.precision).reduce(0, +) / n, classes.map(\.recall).reduce(0, +) / n, classes.map(\.f1).reduce(0, +) / n)
    }
}
