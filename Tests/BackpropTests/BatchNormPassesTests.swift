import BackpropKernels
import Testing
@testable import Backprop

/// Batch normalization's C kernels (BatchNormPasses.c) at every level this CPU has, against the
/// Swift reference loops of ``BatchNormPasses``: the same bits in every output, Float and
/// Double, for unit counts on both sides of the vector widths (1 to 37, and the MNIST MLP's 256)
/// and example counts from 0 up, with signed zeros, NaN and large values among the inputs.
struct BatchNormPassesTests {
    static let shapes: [(rows: Int, columns: Int)] = [(1, 1), (1, 9), (3, 5), (4, 400), (7, 0), (8, 3), (9, 17), (16, 2), (37, 11), (256, 64)]

    static func values<T: BackpropScalar>(_: T.Type, _ count: Int, seed: UInt64) -> [T] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            switch i % 41 {
            case 7: -0.0
            case 19: T(3e4)
            case 31 where seed == 5: .nan
            default: T(generator.nextNormal())
            }
        }
    }

    static func same<T: BackpropScalar>(_ a: [T], _ b: [T]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { VectorMathTests.sameBits($0, $1) }
    }

    static func check<T: BackpropScalar>(
        _: T.Type, level: BPKernelLevel,
        moments: (UnsafePointer<T>, Int, Int, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void,
        normalize: (UnsafePointer<T>, Int, Int, UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>) -> Void,
        sums: (UnsafePointer<T>, UnsafePointer<T>, Int, Int, UnsafeMutablePointer<Double>) -> Void,
        backward: (UnsafePointer<T>, UnsafePointer<T>, Int, Int, UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>?) -> Void
    ) {
        var checked = 0
        for (n, m) in shapes {
            // One element beyond the matrix, so a kernel reading or writing past it shows.
            let z = values(T.self, n * m + 1, seed: 5), d = values(T.self, n * m + 1, seed: 6)
            let unit = { (seed: UInt64) in values(T.self, n, seed: seed) }
            let (mu, s, gamma, beta, a, c, e) = (unit(7), unit(8).map { abs($0) }, unit(9), unit(10), unit(11), unit(12), unit(13))
            z.withUnsafeBufferPointer { z in d.withUnsafeBufferPointer { d in
            mu.withUnsafeBufferPointer { mu in s.withUnsafeBufferPointer { s in gamma.withUnsafeBufferPointer { gamma in
            beta.withUnsafeBufferPointer { beta in a.withUnsafeBufferPointer { a in c.withUnsafeBufferPointer { c in
            e.withUnsafeBufferPointer { e in
                let (z, d, mu, s, gamma, beta, a, c, e) = (z.baseAddress!, d.baseAddress!, mu.baseAddress!, s.baseAddress!,
                                                           gamma.baseAddress!, beta.baseAddress!, a.baseAddress!, c.baseAddress!, e.baseAddress!)
                let label = "\(T.self) level \(level.rawValue) \(n)×\(m)"

                var (mean, squares) = ([Double](repeating: 9, count: n), [Double](repeating: 9, count: n))
                var (expectedMean, expectedSquares) = (mean, squares)
                mean.withUnsafeMutableBufferPointer { p in squares.withUnsafeMutableBufferPointer { q in
                    moments(z, n, m, p.baseAddress!, q.baseAddress!) } }
                expectedMean.withUnsafeMutableBufferPointer { p in expectedSquares.withUnsafeMutableBufferPointer { q in
                    BatchNormPasses.moments(z, rows: n, columns: m, mean: p.baseAddress!, squares: q.baseAddress!, reference: true) } }
                #expect(same(mean, expectedMean) && same(squares, expectedSquares), "moments \(label)")

                for withHat in [true, false] {
                    var (hat, out) = ([T](repeating: 5, count: n * m + 1), [T](repeating: 5, count: n * m + 1))
                    var (expectedHat, expectedOut) = (hat, out)
                    hat.withUnsafeMutableBufferPointer { h in out.withUnsafeMutableBufferPointer { o in
                        normalize(z, n, m, mu, s, gamma, beta, withHat ? h.baseAddress! : nil, o.baseAddress!) } }
                    expectedHat.withUnsafeMutableBufferPointer { h in expectedOut.withUnsafeMutableBufferPointer { o in
                        BatchNormPasses.normalize(z, rows: n, columns: m, mean: mu, scale: s, gamma: gamma, beta: beta,
                                                  hat: withHat ? h.baseAddress! : nil, out: o.baseAddress!, reference: true) } }
                    #expect(same(hat, expectedHat) && same(out, expectedOut), "normalize \(label) hat \(withHat)")
                    #expect(hat.last == 5 && out.last == 5, "normalize \(label) wrote past the matrix")
                }

                var total = [Double](repeating: 0.5, count: 2 * n), expectedTotal = total
                total.withUnsafeMutableBufferPointer { sums(d, z, n, m, $0.baseAddress!) }
                expectedTotal.withUnsafeMutableBufferPointer {
                    BatchNormPasses.sums(d, hat: z, rows: n, columns: m, into: $0.baseAddress!, reference: true) }
                #expect(same(total, expectedTotal), "sums \(label)")

                for withInput in [true, false] {
                    var (dHat, dZ) = ([T](repeating: 5, count: n * m + 1), [T](repeating: 5, count: n * m + 1))
                    var (expectedHat, expectedZ) = (dHat, dZ)
                    dHat.withUnsafeMutableBufferPointer { h in dZ.withUnsafeMutableBufferPointer { o in
                        backward(d, z, n, m, gamma, a, c, e, h.baseAddress!, withInput ? o.baseAddress! : nil) } }
                    expectedHat.withUnsafeMutableBufferPointer { h in expectedZ.withUnsafeMutableBufferPointer { o in
                        BatchNormPasses.backward(d, hat: z, rows: n, columns: m, gamma: gamma, a: a, c: c, e: e,
                                                 dHat: h.baseAddress!, dZ: withInput ? o.baseAddress! : nil, reference: true) } }
                    #expect(same(dHat, expectedHat) && same(dZ, expectedZ), "backward \(label) dZ \(withInput)")
                    #expect(dHat.last == 5 && dZ.last == 5, "backward \(label) wrote past the matrix")
                }
                checked += 1
            } } } } } } } } }
        }
        #expect(checked == shapes.count)
    }

    @Test("batch norm's kernels at every level, Float and Double: the Swift reference's bits", arguments: VectorMathKernelTests.levels)
    func kernels(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        Self.check(Float.self, level: l,
                   moments: { bp_batch_moments_f32_at(l, $0, $1, $2, $3, $4) },
                   normalize: { bp_batch_normalize_f32_at(l, $0, $1, $2, $3, $4, $5, $6, $7, $8) },
                   sums: { bp_batch_norm_sums_f32_at(l, $0, $1, $2, $3, $4) },
                   backward: { bp_batch_norm_backward_f32_at(l, $0, $1, $2, $3, $4, $5, $6, $7, $8, $9) })
        Self.check(Double.self, level: l,
                   moments: { bp_batch_moments_f64_at(l, $0, $1, $2, $3, $4) },
                   normalize: { bp_batch_normalize_f64_at(l, $0, $1, $2, $3, $4, $5, $6, $7, $8) },
                   sums: { bp_batch_norm_sums_f64_at(l, $0, $1, $2, $3, $4) },
                   backward: { bp_batch_norm_backward_f64_at(l, $0, $1, $2, $3, $4, $5, $6, $7, $8, $9) })
    }

    @Test("BatchMoments of a matrix through the kernels equals the two-pass reference, bit for bit")
    func momentsThroughTheType() {
        let Z = Matrix<Float>(rows: 256, columns: 64, columnMajor: Self.values(Float.self, 256 * 64, seed: 3))
        let moments = BatchMoments(rowsOf: Z)
        var (mean, squares) = ([Double](repeating: 0, count: 256), [Double](repeating: 0, count: 256))
        Z.withUnsafeBufferPointer { z in
            mean.withUnsafeMutableBufferPointer { p in squares.withUnsafeMutableBufferPointer { q in
                BatchNormPasses.moments(z.baseAddress!, rows: 256, columns: 64, mean: p.baseAddress!, squares: q.baseAddress!, reference: true) } }
        }
        #expect(moments.count == 64)
        #expect(Self.same(moments.mean, mean) && Self.same(moments.centredSquares, squares))
        // And the reference is the definition: unit 0's mean and M₂ from a plain loop.
        let column0 = (0..<64).map { Double(Z[0, $0]) }
        let mu = column0.reduce(0, +) / 64
        #expect(abs(moments.mean[0] - mu) <= 1e-12 * Swift.max(1, abs(mu)))
        let m2 = column0.reduce(0) { $0 + ($1 - mu) * ($1 - mu) }
        #expect(abs(moments.centredSquares[0] - m2) <= 1e-9 * Swift.max(1, m2))
    }
}
