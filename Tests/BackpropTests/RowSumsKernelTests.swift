import BackpropKernels
import Testing
@testable import Backprop

/// `bp_row_sums_f32`/`_f64` (a few-row layer's db) at every level this CPU has, against the
/// Swift reference `Matrix.sumFewRows`: the same bits in every row total, for 1–8 rows and
/// column counts on both sides of the 8-column blocks, with signed zeros, NaN and huge values.
struct RowSumsKernelTests {
    static func check<T: BackpropScalar>(_: T.Type, level: BPKernelLevel, kernel: (UnsafePointer<T>, Int, Int, UnsafeMutablePointer<Double>) -> Void) {
        var generator = SeededGenerator(seed: 12)
        for rows in 1...8 {
            for columns in [0, 1, 7, 8, 9, 15, 16, 17, 63, 400] {
                let x: [T] = (0..<(rows * columns)).map { i in
                    switch i % 37 {
                    case 5: -0.0
                    case 11: T(1e30)
                    case 29 where rows == 3: .nan
                    default: T(generator.nextNormal())
                    }
                }
                var expected = [Double](repeating: 0.25, count: rows), actual = expected
                x.withUnsafeBufferPointer { p in
                    guard let base = p.baseAddress ?? UnsafePointer(bitPattern: 8) else { return }
                    expected.withUnsafeMutableBufferPointer { Matrix<T>.sumFewRows(base, rows: rows, columns: columns, into: $0.baseAddress!) }
                    actual.withUnsafeMutableBufferPointer { kernel(base, rows, columns, $0.baseAddress!) }
                }
                #expect(zip(actual, expected).allSatisfy { VectorMathTests.sameBits($0, $1) },
                        "\(T.self) level \(level.rawValue) rows \(rows) columns \(columns): \(actual) against \(expected)")
            }
        }
    }

    @Test("bp_row_sums at every level, Float and Double: the Swift reference's bits", arguments: VectorMathKernelTests.levels)
    func rowSums(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        Self.check(Double.self, level: l) { bp_row_sums_f64_at(l, $0, $1, $2, $3) }
        Self.check(Float.self, level: l) { bp_row_sums_f32_at(l, $0, $1, $2, $3) }
    }

    @Test("db of a 4-row dZ through sumColumns equals the plain column loop to rounding")
    func throughSumColumns() {
        var generator = SeededGenerator(seed: 3)
        let dZ = Matrix<Double>(rows: 4, columns: 401, columnMajor: (0..<1604).map { _ in generator.nextNormal() })
        var db = Matrix<Double>(rows: 4, columns: 1)
        dZ.sumColumns(into: &db, scale: 0.5)
        for i in 0..<4 {
            let plain = (0..<401).reduce(0.0) { $0 + dZ[i, $1] } * 0.5
            #expect(abs(db[i, 0] - plain) <= 1e-12 * Swift.max(1, abs(plain)), "row \(i): \(db[i, 0]) against \(plain)")
        }
    }
}
