import BackpropKernels
import Testing
@testable import Backprop

/// The small-product C kernels (`bp_small_gemm_f32`, `_f64`), at every instruction set this CPU
/// has, against the Swift kernel they were written from (`SmallProduct.reference`): the same
/// bits in every element of C, over every branch (4 × 4 tiles and their leftover columns, the
/// rows below a block of four, transposed and packed A, streamed rows of Bᵀ, contiguous and
/// strided dot products), β = 0 (C not read), 1 and another value, and leading dimensions
/// larger than the rows.
struct SmallProductKernelTests {
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (4, 400, 2), (1, 400, 4), (4, 2, 400), (1, 4, 400), (4, 400, 1), (7, 9, 13), (5, 3, 1), (3, 17, 9),
        (1, 1, 1), (2, 5, 8), (6, 7, 12), (1, 33, 3), (2, 9, 6), (3, 6, 7), (1, 7, 5), (3, 4, 4),
        // Depths 1 to 4 with edge columns (the unrolled tiles), and pairs of leftover columns.
        (4, 9, 3), (4, 13, 4), (4, 7, 2), (5, 6, 1), (4, 3, 37), (6, 5, 9), (4, 3, 300),
    ]

    static func values<T: BackpropScalar>(_: T.Type, _ count: Int, seed: UInt64) -> [T] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in T(generator.nextNormal()) }
    }

    static func check<T: BackpropScalar>(
        _: T.Type, level: BPKernelLevel,
        kernel: (Int32, Int32, Int, Int, Int, T, UnsafePointer<T>, Int, UnsafePointer<T>, Int, T, UnsafeMutablePointer<T>, Int) -> Void
    ) {
        var checked = 0
        for (m, n, k) in shapes {
            for ta in [Transpose.none, .transposed] {
                for tb in [Transpose.none, .transposed] {
                    for beta: T in [0, 1, -0.75] { for pad in [2, 0] {
                        // Stored shapes, with leading dimensions `pad` beyond the rows (0: a row
                        // of C is contiguous, which one store path takes).
                        let (aRows, aColumns) = ta == .none ? (m, k) : (k, m)
                        let (bRows, bColumns) = tb == .none ? (k, n) : (n, k)
                        let (lda, ldb, ldc) = (aRows + pad, bRows + pad, m + pad)
                        let a = values(T.self, lda * aColumns, seed: 1)
                        let b = values(T.self, ldb * bColumns, seed: 2)
                        var c = values(T.self, ldc * n, seed: 3)
                        if beta == 0 { for i in stride(from: 0, to: c.count, by: 3) { c[i] = .nan } }
                        var expected = c
                        let alpha: T = 1.25
                        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                            expected.withUnsafeMutableBufferPointer { pc in
                                SmallProduct.reference(ta, tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                                       b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                            }
                            c.withUnsafeMutableBufferPointer { pc in
                                kernel(ta == .none ? 0 : 1, tb == .none ? 0 : 1, m, n, k, alpha, pa.baseAddress!, lda,
                                       pb.baseAddress!, ldb, beta, pc.baseAddress!, ldc)
                            }
                        } }
                        let differing = c.indices.filter { !VectorMathTests.sameBits(c[$0], expected[$0]) }
                        #expect(differing.isEmpty, "\(T.self) level \(level.rawValue) \(m)×\(n)×\(k) \(ta) \(tb) β=\(beta) pad \(pad): \(differing.count) differ")
                        // The padding rows of C (i ≥ m) are untouched and the product is a real one.
                        let inside = (0..<n).flatMap { j in (0..<m).map { j * ldc + $0 } }
                        #expect(inside.allSatisfy { c[$0].isFinite })
                        checked += 1
                    } }
                }
            }
        }
        #expect(checked == shapes.count * 24)
    }

    @Test("bp_small_gemm_f64 at every level: the Swift kernel's bits", arguments: VectorMathKernelTests.levels)
    func double(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        Self.check(Double.self, level: l) { bp_small_gemm_f64_at(l, $0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) }
    }

    @Test("bp_small_gemm_f32 at every level: the Swift kernel's bits", arguments: VectorMathKernelTests.levels)
    func float(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        Self.check(Float.self, level: l) { bp_small_gemm_f32_at(l, $0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) }
    }

    /// Against the plain triple loop (a different summation order, so to rounding).
    @Test("Matrix products the small kernel takes match the triple loop to rounding")
    func againstTripleLoop() {
        for (m, n, k) in Self.shapes {
            let A = Matrix<Double>(rows: m, columns: k, columnMajor: Self.values(Double.self, m * k, seed: 5))
            let B = Matrix<Double>(rows: k, columns: n, columnMajor: Self.values(Double.self, k * n, seed: 6))
            #expect(SmallProduct.handles(m: m, n: n, k: k))
            let C = A.dot(B)
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<k { sum += A[i, p] * B[p, j]; magnitude += abs(A[i, p] * B[p, j]) }
                    worst = max(worst, abs(C[i, j] - sum) / max(magnitude, 1e-300))
                }
            }
            #expect(worst < 1e-14, "\(m)×\(n)×\(k): \(worst)")
        }
    }
}
