/// Classification metrics read off the output activations `A[L]` and labels `Y`.
public enum Metrics {
    /// The predicted class of every example: for one sigmoid unit `a ≥ 0.5`, for several units
    /// (softmax or independent sigmoids) the arg-max of the column.
    public static func predictedClasses<S>(_ A: Matrix<S>) -> [Int] {
        A.withUnsafeBufferPointer { a in (0..<A.columns).map { predictedClass(a, column: $0, rows: A.rows) } }
    }

    /// The one rule for an example's class: `a ≥ 0.5` for one unit, else the first arg-max.
    @inline(__always)
    static func predictedClass<S: BackpropScalar>(_ a: UnsafeBufferPointer<S>, column j: Int, rows: Int) -> Int {
        let start = j * rows
        if rows == 1 { return isPositive(a[start]) ? 1 : 0 }
        var best = 0
        for i in 1..<Swift.max(rows, 1) where a[start + i] > a[start + best] { best = i }
        return best
    }

    /// How many columns of `A` predict the class `Y` labels, counted without building arrays.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func correctCount<S>(predictions A: Matrix<S>, labels Y: Matrix<S>) -> Int {
        precondition(A.shape == Y.shape, "shape mismatch in correctCount: \(A.shape) and \(Y.shape)")
        var correct = 0
        A.withUnsafeBufferPointer { a in
            Y.withUnsafeBufferPointer { y in
                if A.rows == 1 {
                    // One unit: a count without a branch per example (which mispredicted on
                    // every other one: 5% of a course-network step).
                    for j in 0..<A.columns {
                        let same = isPositive(a[j]) == isPositive(y[j])
                        correct &+= Int(unsafeBitCast(same, to: UInt8.self))  // a Bool is one byte, 0 or 1
                    }
                    return
                }
                for j in 0..<A.columns where predictedClass(a, column: j, rows: A.rows) == predictedClass(y, column: j, rows: A.rows) {
                    correct += 1
                }
            }
        }
        return correct
    }

    /// A single unit's class: 1 when `a ≥ 0.5`.
    @inline(__always)
    static func isPositive<S: BackpropScalar>(_ a: S) -> Bool { a >= 0.5 }

    /// The true class of every example: a 0/1 row, or the arg-max of a one-hot column.
    public static func trueClasses<S>(_ Y: Matrix<S>) -> [Int] { predictedClasses(Y) }

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
