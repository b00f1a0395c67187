import BackpropKernels
import Testing
@testable import Backprop

/// The matrix-times-vector kernel (batch-1 inference) at every instruction set this CPU has,
/// against the plain loop it documents: the same bits.
struct MatrixVectorKernelTests {
    /// `s = Σ_j A[i, j]·x[j]` in order, then `α s + β y` (`α s` when β = 0).
    static func reference<T: BackpropScalar>(m: Int, k: Int, alpha: T, a: [T], lda: Int, x: [T], beta: T, y: [T]) -> [T] {
        (0..<m).map { i in
            var s: T = 0
            for j in 0..<k { s = s + a[i + j * lda] * x[j] }
            return beta == 0 ? alpha * s : alpha * s + beta * y[i]
        }
    }

    static func same<T: BackpropScalar>(_ a: [T], _ b: [T]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { VectorMathTests.sameBits($0, $1) }
    }

    @Test("Every level equals the plain loop bit for bit: shapes around the 16-lane and 128-row blocks, lda > m, β = 0 over NaN, β = 1, α = 0.5",
          arguments: [(1, 1), (7, 3), (15, 40), (16, 1), (17, 9), (48, 3), (64, 9), (96, 5), (112, 7), (127, 5), (128, 784), (129, 33), (200, 3), (256, 784), (300, 2), (10, 128)])
    func matchesLoop(shape: (Int, Int)) {
        let (m, k) = shape
        var random = SeededGenerator(seed: UInt64(m * 1000 + k))
        let lda = m + 3
        let a = (0..<(lda * k)).map { _ in Double.random(in: -2...2, using: &random) }
        let x = (0..<k).map { _ in Double.random(in: -2...2, using: &random) }
        let y0 = (0..<m).map { _ in Double.random(in: -2...2, using: &random) }
        let levels = VectorMathKernelTests.levels
        for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (0.5, -2.0)] {
            let expected = Self.reference(m: m, k: k, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y0)
            let expectedF = Self.reference(m: m, k: k, alpha: Float(alpha), a: a.map(Float.init), lda: lda, x: x.map(Float.init), beta: Float(beta), y: y0.map(Float.init))
            for level in levels {
                let l = BPKernelLevel(UInt32(level.rawValue))
                var y = beta == 0 ? [Double](repeating: .nan, count: m) : y0
                bp_gemv_f64_at(l, m, k, alpha, a, lda, x, beta, &y)
                #expect(Self.same(y, expected), "Double \(m)×\(k) α \(alpha) β \(beta) at \(level)")
                var yf = beta == 0 ? [Float](repeating: .nan, count: m) : y0.map(Float.init)
                bp_gemv_f32_at(l, m, k, Float(alpha), a.map(Float.init), lda, x.map(Float.init), Float(beta), &yf)
                #expect(Self.same(yf, expectedF), "Float \(m)×\(k) α \(alpha) β \(beta) at \(level)")
            }
        }
    }

    @Test("Rows split across 2, 3 or 4 threads give the one-thread bits, Float and Double, β = 0 and β = 1",
          arguments: [(256, 784), (130, 600), (1031, 80), (128, 600)])
    func splitRows(shape: (Int, Int)) {
        let (m, k) = shape
        var random = SeededGenerator(seed: UInt64(m + k))
        let a = (0..<(m * k)).map { _ in Double.random(in: -1...1, using: &random) }
        let x = (0..<k).map { _ in Double.random(in: -1...1, using: &random) }
        let y0 = (0..<m).map { _ in Double.random(in: -1...1, using: &random) }
        #expect(MatrixVector.parts(rows: m, columns: k, threads: 4) > 1, "\(m)×\(k) is split")
        for beta in [0.0, 1.0] {
            let expected = Self.reference(m: m, k: k, alpha: 1.0, a: a, lda: m, x: x, beta: beta, y: y0)
            let expectedF = Self.reference(m: m, k: k, alpha: Float(1), a: a.map(Float.init), lda: m, x: x.map(Float.init), beta: Float(beta), y: y0.map(Float.init))
            for threads in 1...4 {
                var y = y0
                #expect(MatrixVector.run(m: m, k: k, alpha: 1.0, a: a, lda: m, x: x, beta: beta, y: &y, threads: threads))
                #expect(Self.same(y, expected), "Double \(m)×\(k) β \(beta) on \(threads) threads")
                var yf = y0.map(Float.init)
                let (af, xf) = (a.map(Float.init), x.map(Float.init))
                #expect(MatrixVector.run(m: m, k: k, alpha: Float(1), a: af, lda: m, x: xf, beta: Float(beta), y: &yf, threads: threads))
                #expect(Self.same(yf, expectedF), "Float \(m)×\(k) β \(beta) on \(threads) threads")
            }
        }
    }

    @Test("A one-column product goes through the kernel and agrees with BLAS to rounding")
    func throughMatrixProduct() throws {
        var random = SeededGenerator(seed: 4)
        let W = Matrix<Float>(rows: 256, columns: 784, columnMajor: (0..<(256 * 784)).map { _ in Float.random(in: -0.1...0.1, using: &random) })
        let x = Matrix<Float>(rows: 784, columns: 1, columnMajor: (0..<784).map { _ in Float.random(in: 0...1, using: &random) })
        let y = W.dot(x)
        let expected = Self.reference(m: 256, k: 784, alpha: Float(1), a: W.elements.map { $0 }, lda: 256, x: x.elements.map { $0 }, beta: 0, y: [])
        #expect(Self.same(y.elements.map { $0 }, expected))
        // Two columns still go to the backend; each column agrees with the kernel's to rounding.
        let two = W.dot(Matrix<Float>(rows: 784, columns: 2, columnMajor: x.elements.map { $0 } + x.elements.map { $0 }))
        for i in 0..<256 { #expect(abs(two[i, 0] - y[i, 0]) <= 1e-5 * max(1, abs(y[i, 0]))) }
    }
}
