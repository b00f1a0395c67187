/// Classification metrics read off the output activations `A[L]` and labels `Y`.
public enum Metrics {
    /// The predicted class of every example: for one sigmoid unit `a ≥ 0.5`, for several units
    /// (softmax or independent sigmoids) the arg-max of the column.
    public static func predictedClasses<S>(_ A: Matrix<S>) -> [Int] {
        A.rows == 1 ? A.elements.map { $0 >= 0.5 ? 1 : 0 } : A.argmaxPerColumn()
    }

    /// The true class of every example: a 0/1 row, or the arg-max of a one-hot column.
    public static func trueClasses<S>(_ Y: Matrix<S>) -> [Int] {
        Y.rows == 1 ? Y.elements.map { $0 >= 0.5 ? 1 : 0 } : Y.argmaxPerColumn()
    }

    /// The fraction of examples whose predicted class equals the true class.
    public static func accuracy<S>(predictions A: Matrix<S>, labels Y: Matrix<S>) -> Double {
        let predicted = predictedClasses(A), actual = trueClasses(Y)
        guard !actual.isEmpty else { return .nan }
        return Double(zip(predicted, actual).filter { $0 == $1 }.count) / Double(actual.count)
    }

    /// `counts[true][predicted]`, a `classes × classes` confusion matrix.
    public static func confusionMatrix<S>(predictions A: Matrix<S>, labels Y: Matrix<S>) -> [[Int]] {
        let classes = Swift.max(Y.rows, 2)
        var counts = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (p, t) in zip(predictedClasses(A), trueClasses(Y)) { counts[t][p] += 1 }
        return counts
    }
}
