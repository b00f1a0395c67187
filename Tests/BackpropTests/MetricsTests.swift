import Testing
@testable import Backprop

/// `Metrics.correctCount` against the one class rule (`predictedClass`): the branch-free count
/// for one output unit, the arg-max for several, in Float and Double.
struct MetricsTests {
    static func expected<S: BackpropScalar>(_ A: Matrix<S>, _ Y: Matrix<S>) -> Int {
        zip(Metrics.predictedClasses(A), Metrics.trueClasses(Y)).filter { $0 == $1 }.count
    }

    @Test("One unit: a ≥ 0.5 is class 1, at the boundary, with NaN and signed zeros, in Float and Double")
    func oneUnit() {
        let a: [Double] = [0.5, 0.4999999, 0.5000001, .nan, -0.0, 1, 0, 0.7, 0.2, .infinity]
        let y: [Double] = [1, 1, 0, 0, 0, 1, 1, 0, 0, 1]
        // 0.5 → 1 ✓, 0.4999999 → 0 ✗, 0.5000001 → 1 ✗, NaN → 0 ✓, -0 → 0 ✓, 1 ✓, 0 ✗, 0.7 ✗, 0.2 ✓, ∞ ✓.
        let A = Matrix(rows: 1, columns: a.count, columnMajor: a), Y = Matrix(rows: 1, columns: y.count, columnMajor: y)
        #expect(Metrics.correctCount(predictions: A, labels: Y) == 6)
        #expect(Metrics.correctCount(predictions: A, labels: Y) == Self.expected(A, Y))
        let Af = Matrix<Float>(rows: 1, columns: a.count, columnMajor: a.map(Float.init))
        let Yf = Matrix<Float>(rows: 1, columns: y.count, columnMajor: y.map(Float.init))
        #expect(Metrics.correctCount(predictions: Af, labels: Yf) == 6)
    }

    @Test("Random outputs, one unit and several: the count equals the class rule's")
    func random() {
        var generator = SeededGenerator(seed: 8)
        for rows in [1, 3, 10] {
            for m in [0, 1, 7, 400, 1001] {
                let A = Matrix<Float>(rows: rows, columns: m, columnMajor: (0..<(rows * m)).map { _ in Float(generator.nextUniform()) })
                let labels = (0..<m).map { _ in Int(generator.nextUniform() * Double(Swift.max(rows, 2))) % Swift.max(rows, 2) }
                var Y = Matrix<Float>(rows: rows, columns: m)
                for (j, label) in labels.enumerated() {
                    if rows == 1 { Y[0, j] = Float(label) } else { Y[label, j] = 1 }
                }
                let count = Metrics.correctCount(predictions: A, labels: Y)
                #expect(count == Self.expected(A, Y), "rows \(rows), m \(m)")
                // Random guesses are right about once in max(rows, 2).
                let chance = m / Swift.max(rows, 2)
                #expect(m < 400 || (count > chance / 2 && count < chance * 2), "rows \(rows), m \(m): \(count) correct of random guesses")
            }
        }
    }
}
