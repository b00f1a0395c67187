import Testing

@testable import Backprop

// The direct small-product kernel (SmallProduct) against a naive triple loop in Double: many
// shapes, all four transpose combinations, padded leading dimensions, α and β (β = 0 over a
// NaN-filled C), Float and Double; the routing threshold; and the column-sum reduction
// against a naive sum.

/// Runs `SmallProduct.gemm` on random operands and checks every element of `C` against a
/// Double triple loop, to within a rounding bound that grows with `k`.
private func checkSmallProduct<Scalar: BackpropScalar>(
    _ type: Scalar.Type, _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int, alpha: Scalar, beta: Scalar, padding: Int = 0, seed: UInt64
) -> Bool {
    var generator = SeededGenerator(seed: seed)
    func random(_ count: Int) -> [Scalar] {
        (0..<count).map { _ in Scalar(generator.nextUniform() * 2 - 1) }
    }
    // Stored shapes: A is (m, k) or (k, m); B is (k, n) or (n, k).
    let (aRows, aColumns) = transA == .none ? (m, k) : (k, m)
    let (bRows, bColumns) = transB == .none ? (k, n) : (n, k)
    let (lda, ldb, ldc) = (max(aRows, 1) + padding, max(bRows, 1) + padding, max(m, 1) + padding)
    let a = random(lda * aColumns)
    let b = random(ldb * bColumns)
    // With β == 0 the old C must not be read, so fill it with NaN.
    let c0: [Scalar] = beta == 0 ? Array(repeating: .nan, count: ldc * n) : random(ldc * n)
    var c = c0
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                SmallProduct.gemm(
                    transA, transB, m: m, n: n, k: k, alpha: alpha,
                    a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                    beta: beta, c: pc.baseAddress!, ldc: ldc)
            }
        }
    }
    func opA(_ i: Int, _ p: Int) -> Double { Double(transA == .none ? a[i + p * lda] : a[p + i * lda]) }
    func opB(_ p: Int, _ j: Int) -> Double { Double(transB == .none ? b[p + j * ldb] : b[j + p * ldb]) }
    let epsilon = Double(Scalar.ulpOfOne)
    for j in 0..<n {
        for i in 0..<ldc {
            let index = i + j * ldc
            if i >= m {
                // Padding rows of C are never touched.
                if !(c[index] == c0[index] || (c[index].isNaN && c0[index].isNaN)) { return false }
                continue
            }
            var exact = 0.0, magnitude = 0.0
            for p in 0..<k {
                exact += opA(i, p) * opB(p, j)
                magnitude += abs(opA(i, p) * opB(p, j))
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c0[index])
            let expected = Double(alpha) * exact + old
            let bound = 4 * epsilon * Double(k + 2)
                * (abs(Double(alpha)) * magnitude + abs(old)) + Double(Scalar.leastNormalMagnitude)
            let got = Double(c[index])
            if !got.isFinite || abs(got - expected) > bound { return false }
        }
    }
    return true
}

/// The transpose combinations, in BLAS order.
private let allTransposes: [(Transpose, Transpose)] = [
    (.none, .none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed),
]

/// Shapes that stress the kernel's edges: 1×1, single rows and columns, k = 1, the course
/// network's products, row counts around the 4-row SIMD block and the row limit, and shapes
/// at and around the routing threshold.
private let edgeShapes: [(m: Int, n: Int, k: Int)] = [
    (1, 1, 1), (1, 1, 7), (1, 9, 1), (9, 1, 1), (1, 37, 5), (37, 1, 5), (5, 37, 1),
    (4, 400, 2), (1, 400, 4), (1, 4, 400), (4, 400, 1), (4, 2, 400),
    (3, 5, 11), (4, 4, 4), (5, 6, 7), (7, 9, 13), (8, 8, 8), (9, 3, 17), (12, 12, 3),
    (7, 585, 1), (1, 4096, 1), (1, 1, 4096), (4, 1024, 1), (4, 1025, 1), (7, 24, 24), (7, 25, 24),
    (16, 16, 16), (10, 33, 129),
]

struct SmallProductTests {
    @Test("Every small shape, transpose, α and β matches the triple loop, in Double and Float")
    func smallShapesMatchTripleLoop() {
        var failures: [String] = []
        var seed: UInt64 = 1
        for m in [1, 2, 3, 4, 5, 7, 8, 9] {
            for n in [1, 2, 3, 4, 5, 9] {
                for k in [0, 1, 2, 3, 4, 5, 8, 9, 17] {
                    for (ta, tb) in allTransposes {
                        for (alpha, beta) in [(1.0, 0.0), (-0.5, 1.0), (2.0, -1.5)] {
                            seed += 1
                            if !checkSmallProduct(
                                Double.self, ta, tb, m: m, n: n, k: k,
                                alpha: alpha, beta: beta, seed: seed)
                            {
                                failures.append("Double \(ta) \(tb) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta)")
                            }
                            if !checkSmallProduct(
                                Float.self, ta, tb, m: m, n: n, k: k,
                                alpha: Float(alpha), beta: Float(beta), seed: seed)
                            {
                                failures.append("Float \(ta) \(tb) m=\(m) n=\(n) k=\(k) α=\(alpha) β=\(beta)")
                            }
                        }
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    @Test("Edge and threshold shapes match, with tight and padded leading dimensions",
          arguments: [0, 3])
    func edgeShapesMatchTripleLoop(padding: Int) {
        var failures: [String] = []
        var seed: UInt64 = 10_000
        for shape in edgeShapes {
            for (ta, tb) in allTransposes {
                for (alpha, beta) in [(1.0, 0.0), (0.75, 1.0), (-1.0, 0.5)] {
                    seed += 1
                    if !checkSmallProduct(
                        Double.self, ta, tb, m: shape.m, n: shape.n, k: shape.k,
                        alpha: alpha, beta: beta, padding: padding, seed: seed)
                    {
                        failures.append("Double \(ta) \(tb) \(shape) α=\(alpha) β=\(beta)")
                    }
                    if !checkSmallProduct(
                        Float.self, ta, tb, m: shape.m, n: shape.n, k: shape.k,
                        alpha: Float(alpha), beta: Float(beta), padding: padding, seed: seed)
                    {
                        failures.append("Float \(ta) \(tb) \(shape) α=\(alpha) β=\(beta)")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    @Test("α = 0 or k = 0 gives β·C without reading A or B; β = 0 then writes zeros over NaN")
    func zeroAlphaAndEmptyInner() {
        let a = [Double](repeating: .nan, count: 12)
        let b = [Double](repeating: .nan, count: 12)
        var c: [Double] = [1, 2, 3, 4, 5, 6]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    SmallProduct.gemm(
                        .none, .none, m: 2, n: 3, k: 4, alpha: 0, a: pa.baseAddress!, lda: 2,
                        b: pb.baseAddress!, ldb: 4, beta: 2, c: pc.baseAddress!, ldc: 2)
                }
            }
        }
        #expect(c == [2, 4, 6, 8, 10, 12])
        var nanC = [Double](repeating: .nan, count: 6)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                nanC.withUnsafeMutableBufferPointer { pc in
                    SmallProduct.gemm(
                        .transposed, .transposed, m: 2, n: 3, k: 0, alpha: 1, a: pa.baseAddress!,
                        lda: 1, b: pb.baseAddress!, ldb: 3, beta: 0, c: pc.baseAddress!, ldc: 2)
                }
            }
        }
        #expect(nanC == [0, 0, 0, 0, 0, 0])
    }

    @Test("The course network's products go direct; the MNIST MLP's go to the backend")
    func routing() {
        // 2-4-1 planar network, 400 examples: forward, dW, db-side and dA products.
        for (m, n, k) in [(4, 400, 2), (1, 400, 4), (1, 4, 400), (4, 400, 1), (4, 2, 400)] {
            #expect(SmallProduct.handles(m: m, n: n, k: k), "\(m)×\(n)×\(k)")
        }
        // 784-256-128-10 at batch 128.
        for (m, n, k) in [
            (256, 128, 784), (128, 128, 256), (10, 128, 128),
            (10, 128, 128), (128, 128, 10), (128, 256, 128), (256, 128, 128), (256, 784, 128),
        ] {
            #expect(!SmallProduct.handles(m: m, n: n, k: k), "\(m)×\(n)×\(k)")
        }
        #expect(SmallProduct.handles(m: 7, n: 1, k: SmallProduct.maximumWork / 7))
        #expect(!SmallProduct.handles(m: 1, n: 1, k: SmallProduct.maximumWork + 1))
        #expect(!SmallProduct.handles(m: SmallProduct.rowLimit, n: 1, k: 1))
        #expect(!SmallProduct.handles(m: 1, n: Int.max / 2, k: Int.max / 2))
    }

    @Test("Matrix products on both sides of the threshold agree with the triple loop")
    func matrixProductsAcrossThreshold() {
        var generator = SeededGenerator(seed: 77)
        func random(_ rows: Int, _ columns: Int) -> Matrix<Double> {
            var result = Matrix<Double>(rows: rows, columns: columns)
            for i in 0..<result.count { result.elements[i] = generator.nextUniform() * 2 - 1 }
            return result
        }
        for (m, n, k) in [(7, 16, 36), (7, 17, 36), (8, 16, 32), (1, 4096, 1), (1, 4097, 1), (4, 400, 2)] {
            let a = random(m, k), b = random(k, n)
            let expected = MatrixTests.naiveProduct(a, b)
            let viaDot = a.dot(b)
            let viaTransposes = a.transposed().T.dot(b.transposed().T)
            var viaFormProduct = Matrix<Double>(rows: m, columns: n, repeating: .nan)
            viaFormProduct.formProduct(a.transposed(), .transposed, b, .none, alpha: 1, beta: 0)
            for result in [viaDot, viaTransposes, viaFormProduct] {
                #expect(result.shape == expected.shape)
                let error = zip(result.elements, expected.elements).map { abs($0 - $1) }.max() ?? 0
                #expect(error < 1e-12, "\(m)×\(n)×\(k): \(error)")
            }
        }
    }

    // MARK: Column sums

    /// Checks `sumColumns(into:scale:)` on a random `rows × columns` matrix against a naive
    /// Double sum.
    private func checkColumnSums<Scalar: BackpropScalar>(
        _ type: Scalar.Type, rows: Int, columns: Int, seed: UInt64
    ) -> Bool {
        var generator = SeededGenerator(seed: seed)
        var x = Matrix<Scalar>(rows: rows, columns: columns)
        for i in 0..<x.count { x.elements[i] = Scalar(generator.nextUniform() * 2 - 1) }
        let scale: Scalar = 0.25
        var result = Matrix<Scalar>(rows: rows, columns: 1, repeating: .nan)
        x.sumColumns(into: &result, scale: scale)
        for i in 0..<rows {
            var total = 0.0, magnitude = 0.0
            for j in 0..<columns {
                total += Double(x[i, j])
                magnitude += abs(Double(x[i, j]))
            }
            let expected = Double(Scalar(total) * scale)
            // Accumulated in Double, then rounded once to Scalar.
            let bound = 2 * Double(Scalar.ulpOfOne) * abs(expected) + 1e-14 * magnitude
            if !(abs(Double(result[i, 0]) - expected) <= bound) { return false }
        }
        return true
    }

    @Test("sumColumns matches a naive sum for 1…9 rows and 256×128, in Double and Float")
    func columnSumsMatchNaive() {
        var failures: [String] = []
        var seed: UInt64 = 500
        var shapes: [(Int, Int)] = []
        for rows in 1...9 {
            for columns in [0, 1, 7, 8, 9, 17, 400, 401] { shapes.append((rows, columns)) }
        }
        shapes += [(256, 128), (16, 3), (33, 65)]
        for (rows, columns) in shapes {
            seed += 1
            if !checkColumnSums(Double.self, rows: rows, columns: columns, seed: seed) {
                failures.append("Double \(rows)×\(columns)")
            }
            if !checkColumnSums(Float.self, rows: rows, columns: columns, seed: seed) {
                failures.append("Float \(rows)×\(columns)")
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test("sum(axis: 1) of exact integers is exact for few rows and many columns")
    func columnSumsExact() {
        let rows = 3, columns = 1003
        var x = Matrix<Float>(rows: rows, columns: columns)
        for j in 0..<columns {
            for i in 0..<rows { x[i, j] = Float((i + 1) * (j % 5)) }
        }
        let sums = x.sum(axis: 1)
        // Σ_j (j mod 5) over 1003 columns: 200 full cycles of 10, then 0 + 1 + 2.
        let cycle = Float(200 * 10 + 3)
        #expect(sums.elements == [cycle, 2 * cycle, 3 * cycle])
    }
}
