import Testing

@testable import Backprop

// PortableGEMM against a naive triple loop (accumulated in Double), over odd shapes, all four
// transpose combinations, padded leading dimensions, several α and β, Float and Double, one or
// several threads, and every kernel instruction set this CPU supports. Each test names its
// level through PortableGEMM's internal `instructionSet:` rather than the process-wide
// `KernelInstructionSet.use`, which other suites change while these run in parallel.

/// The kernel instruction sets this CPU can run, from the baseline up.
private let gemmLevels = KernelInstructionSet.allCases.filter { $0.rawValue <= KernelInstructionSet.supported.rawValue }

/// A small seeded generator (SplitMix64), so every run sees the same matrices.
private struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func nextSigned() -> Double {
        Double(next() >> 11) / Double(1 << 52) - 1
    }
}

/// Float and Double, each able to call its own GEMM.
private protocol GEMMScalar: BinaryFloatingPoint {
    /// Relative tolerance per √k of the error bound `|α|·Σ|a||b| + |β|·|c|`.
    static var tolerance: Double { get }
    /// The value's bits, to compare results exactly.
    var bits: UInt64 { get }
    static func gemm(
        _ backend: PortableGEMM, _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: GEMMScalar {
    static var tolerance: Double { 1e-5 }
    var bits: UInt64 { UInt64(bitPattern) }
    static func gemm(
        _ backend: PortableGEMM, _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        backend.sgemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc)
    }
}

extension Double: GEMMScalar {
    static var tolerance: Double { 1e-12 }
    var bits: UInt64 { bitPattern }
    static func gemm(
        _ backend: PortableGEMM, _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        backend.dgemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc)
    }
}

/// A GEMM problem size: `op(A)` is `(m, k)`, `op(B)` is `(k, n)`, `C` is `(m, n)`.
struct PortableGEMMCase: Sendable, CustomTestStringConvertible {
    var m: Int, n: Int, k: Int
    var testDescription: String { "\(m)×\(n)×\(k)" }
}

/// A stored column-major matrix with padding rows (`ld > rows`) filled with `padding`.
private struct StoredMatrix<T: GEMMScalar> {
    var rows: Int, columns: Int, ld: Int
    var storage: [T]

    init(rows: Int, columns: Int, extra: Int, padding: T, rng: inout SplitMix64) {
        self.rows = rows
        self.columns = columns
        ld = rows + extra
        storage = [T](repeating: padding, count: max(1, ld * columns))
        for j in 0..<columns {
            for i in 0..<rows { storage[i + j * ld] = T(rng.nextSigned()) }
        }
    }

    subscript(i: Int, j: Int) -> T { storage[i + j * ld] }
}

/// Every (α, β) of α ∈ {1, 0.5, −2} × β ∈ {0, 1, 0.25}.
private func allGEMMScalings<T: GEMMScalar>() -> [(T, T)] {
    [1, 0.5, -2].flatMap { alpha in [0, 1, 0.25].map { beta in (T(alpha), T(beta)) } }
}

/// The (α, β) to try: all nine on small shapes; on large ones (debug builds run the SIMD kernel
/// slowly) one per transpose combination, so the four combinations cover every α and β.
private func gemmScalings<T: GEMMScalar>(for shape: PortableGEMMCase, combination: Int) -> [(T, T)] {
    if shape.m * shape.n * shape.k <= 100_000 { return allGEMMScalings() }
    let rotation: [(T, T)] = [(1, 0), (0.5, 1), (-2, 0.25), (0.5, 0)]
    return [rotation[combination % rotation.count]]
}

/// Runs one GEMM on fresh random data and checks every element of C (and C's padding) against
/// the reference, for each (α, β) given.
private func checkAgainstReference<T: GEMMScalar>(
    _: T.Type, _ shape: PortableGEMMCase, _ transA: Transpose, _ transB: Transpose,
    threads: Int, scalings: [(T, T)], level: KernelInstructionSet, defaultThreshold: Bool = false
) {
    let (m, n, k) = (shape.m, shape.n, shape.k)
    var rng = SplitMix64(state: UInt64(m * 1_000_003 + n * 1009 + k))
    // Stored shapes, padded by a few rows full of NaN: reading the padding would poison C.
    let a = transA == .none
        ? StoredMatrix<T>(rows: m, columns: k, extra: 3, padding: .nan, rng: &rng)
        : StoredMatrix<T>(rows: k, columns: m, extra: 2, padding: .nan, rng: &rng)
    let b = transB == .none
        ? StoredMatrix<T>(rows: k, columns: n, extra: 1, padding: .nan, rng: &rng)
        : StoredMatrix<T>(rows: n, columns: k, extra: 4, padding: .nan, rng: &rng)
    let opA = { (i: Int, p: Int) in Double(transA == .none ? a[i, p] : a[p, i]) }
    let opB = { (p: Int, j: Int) in Double(transB == .none ? b[p, j] : b[j, p]) }

    // Reference product and its absolute-value version (for the error bound), once per shape.
    var product = [Double](repeating: 0, count: m * n)
    var magnitude = [Double](repeating: 0, count: m * n)
    for j in 0..<n {
        for i in 0..<m {
            var sum = 0.0, absSum = 0.0
            for p in 0..<k {
                let term = opA(i, p) * opB(p, j)
                sum += term
                absSum += abs(term)
            }
            product[i + j * m] = sum
            magnitude[i + j * m] = absSum
        }
    }

    // Unless asked otherwise, a low threshold, so that small products are split over threads too.
    let backend = PortableGEMM(
        threadCount: threads, parallelThreshold: defaultThreshold ? 1 << 21 : 1, instructionSet: level)
    let sentinel: T = 12345
    for (alpha, beta) in scalings {
        do {
            // β == 0: C starts as NaN and must come out finite.
            var c = StoredMatrix<T>(rows: m, columns: n, extra: 2, padding: sentinel, rng: &rng)
            if beta == 0 {
                for j in 0..<n { for i in 0..<m { c.storage[i + j * c.ld] = .nan } }
            }
            let before = c
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    c.storage.withUnsafeMutableBufferPointer { pc in
                        T.gemm(
                            backend, transA, transB, m: m, n: n, k: k,
                            alpha: alpha, a: pa.baseAddress!, lda: a.ld, b: pb.baseAddress!, ldb: b.ld,
                            beta: beta, c: pc.baseAddress!, ldc: c.ld)
                    }
                }
            }

            var failures = 0
            let root = Double(max(k, 1)).squareRoot()
            for j in 0..<n {
                for i in 0..<m {
                    let old = beta == 0 ? 0 : Double(before[i, j])
                    let expected = Double(alpha) * product[i + j * m] + Double(beta) * old
                    let bound = abs(Double(alpha)) * magnitude[i + j * m] + abs(Double(beta) * old)
                    let tolerance = T.tolerance * root * max(bound, 1e-30)
                    let got = Double(c[i, j])
                    if !(abs(got - expected) <= tolerance) {
                        failures += 1
                        if failures <= 3 {
                            Issue.record(
                                "\(shape.testDescription) \(transA)\(transB) α=\(alpha) β=\(beta) threads=\(threads) \(level): C[\(i),\(j)] = \(got), expected \(expected) ± \(tolerance)")
                        }
                    }
                }
                // The padding rows of C must not be written.
                for i in m..<c.ld {
                    if c.storage[i + j * c.ld] != sentinel {
                        failures += 1
                        Issue.record("\(shape.testDescription): padding C[\(i),\(j)] was written")
                    }
                }
            }
            #expect(failures == 0, "\(shape.testDescription) \(transA)\(transB) α=\(alpha) β=\(beta) threads=\(threads) \(level)")
        }
    }
}

/// Runs one product through the portable C kernels (`NativeGEMMKernels` at the baseline level,
/// reachable only from here), checks it against the triple loop, and checks that every
/// fused-multiply-add level of ``PortableGEMM`` on this CPU, on 1, 2 and 3 threads, gives the
/// same bits.
private func checkFusedAgreement<T: GEMMScalar & NativeGEMMScalar>(
    _: T.Type, _ shape: PortableGEMMCase, _ transA: Transpose, _ transB: Transpose, alpha: T, beta: T
) {
    let (m, n, k) = (shape.m, shape.n, shape.k)
    var rng = SplitMix64(state: UInt64(m * 7919 + n * 104_729 + k))
    let a = transA == .none
        ? StoredMatrix<T>(rows: m, columns: k, extra: 1, padding: .nan, rng: &rng)
        : StoredMatrix<T>(rows: k, columns: m, extra: 2, padding: .nan, rng: &rng)
    let b = transB == .none
        ? StoredMatrix<T>(rows: k, columns: n, extra: 3, padding: .nan, rng: &rng)
        : StoredMatrix<T>(rows: n, columns: k, extra: 1, padding: .nan, rng: &rng)
    let start = StoredMatrix<T>(rows: m, columns: n, extra: 1, padding: 7, rng: &rng)

    func product(_ run: (UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>) -> Void) -> [T] {
        var c = start
        if beta == 0 { for j in 0..<n { for i in 0..<m { c.storage[i + j * c.ld] = .nan } } }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in run(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!) }
            }
        }
        return c.storage
    }

    let portable = BlockedGEMM(kernels: NativeGEMMKernels<T>(.baseline))
    let reference = product { pa, pb, pc in
        portable.gemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa, lda: a.ld, b: pb, ldb: b.ld,
            beta: beta, c: pc, ldc: start.ld, threads: 1, parallelThreshold: 1)
    }
    let label = "\(shape.testDescription) \(transA)\(transB) α=\(alpha) β=\(beta) \(T.self)"

    // The portable C kernels against the triple loop.
    var failures = 0
    for j in 0..<n {
        for i in 0..<m {
            var sum = 0.0, bound = 0.0
            for p in 0..<k {
                let term = Double(transA == .none ? a[i, p] : a[p, i]) * Double(transB == .none ? b[p, j] : b[j, p])
                sum += term
                bound += abs(term)
            }
            let old = beta == 0 ? 0 : Double(start[i, j])
            let expected = Double(alpha) * sum + Double(beta) * old
            let tolerance = T.tolerance * Double(max(k, 1)).squareRoot()
                * max(abs(Double(alpha)) * bound + abs(Double(beta) * old), 1e-30)
            if !(abs(Double(reference[i + j * start.ld]) - expected) <= tolerance) { failures += 1 }
        }
        for i in m..<start.ld where reference[i + j * start.ld] != 7 { failures += 1 }
    }
    #expect(failures == 0, "portable C kernels: \(label)")

    for level in gemmLevels where level != .baseline {
        for threads in [1, 2, 3] {
            let backend = PortableGEMM(threadCount: threads, parallelThreshold: 1, instructionSet: level)
            let result = product { pa, pb, pc in
                T.gemm(
                    backend, transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa, lda: a.ld, b: pb,
                    ldb: b.ld, beta: beta, c: pc, ldc: start.ld)
            }
            let differing = zip(result, reference).filter { $0.bits != $1.bits }.count
            #expect(differing == 0, "\(level), \(threads) threads: \(differing) elements differ, \(label)")
        }
    }
}

private let gemmTransposeCombinations: [(Transpose, Transpose)] = [
    (.none, .none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed),
]

/// Shapes around every edge: single elements, vectors, k = 1, ragged register tiles, and more
/// than one kc slice / mc block / nc panel.
private let gemmShapes: [PortableGEMMCase] = [
    PortableGEMMCase(m: 1, n: 1, k: 1),
    PortableGEMMCase(m: 1, n: 37, k: 5),
    PortableGEMMCase(m: 37, n: 1, k: 5),
    PortableGEMMCase(m: 1, n: 1, k: 300),
    PortableGEMMCase(m: 17, n: 19, k: 1),
    PortableGEMMCase(m: 8, n: 5, k: 7),
    PortableGEMMCase(m: 9, n: 6, k: 3),
    PortableGEMMCase(m: 64, n: 64, k: 64),
    PortableGEMMCase(m: 100, n: 3, k: 200),
    PortableGEMMCase(m: 33, n: 40, k: 513),
    PortableGEMMCase(m: 257, n: 129, k: 63),
    PortableGEMMCase(m: 3, n: 3100, k: 4),
    PortableGEMMCase(m: 7, n: 7, k: 7),
    PortableGEMMCase(m: 33, n: 100, k: 257),
    PortableGEMMCase(m: 257, n: 33, k: 100),
    PortableGEMMCase(m: 100, n: 257, k: 33),
    PortableGEMMCase(m: 65, n: 29, k: 800),  // three slices of the Float kernels' 384
]

@Suite("PortableGEMM")
struct PortableGEMMTests {
    @Test("Float GEMM matches the reference", arguments: gemmShapes)
    func floatMatchesReference(shape: PortableGEMMCase) {
        for level in gemmLevels {
            for (index, (transA, transB)) in gemmTransposeCombinations.enumerated() {
                checkAgainstReference(
                    Float.self, shape, transA, transB, threads: 1,
                    scalings: gemmScalings(for: shape, combination: index), level: level)
            }
        }
    }

    @Test("Double GEMM matches the reference", arguments: gemmShapes)
    func doubleMatchesReference(shape: PortableGEMMCase) {
        for level in gemmLevels {
            for (index, (transA, transB)) in gemmTransposeCombinations.enumerated() {
                checkAgainstReference(
                    Double.self, shape, transA, transB, threads: 1,
                    scalings: gemmScalings(for: shape, combination: index), level: level)
            }
        }
    }

    @Test(
        "Multi-threaded GEMM matches the reference",
        arguments: [
            PortableGEMMCase(m: 40, n: 37, k: 30),  // split by columns
            PortableGEMMCase(m: 70, n: 9, k: 20),  // split by rows
            PortableGEMMCase(m: 24, n: 30, k: 300),  // more than one kc slice
            PortableGEMMCase(m: 5, n: 5, k: 5),  // too small to split
        ])
    func threadedMatchesReference(shape: PortableGEMMCase) {
        for level in gemmLevels {
            for (index, (transA, transB)) in gemmTransposeCombinations.enumerated() {
                for threads in [2, 3] {
                    checkAgainstReference(
                        Float.self, shape, transA, transB, threads: threads,
                        scalings: gemmScalings(for: shape, combination: index + threads), level: level)
                    checkAgainstReference(
                        Double.self, shape, transA, transB, threads: threads,
                        scalings: gemmScalings(for: shape, combination: index + threads), level: level)
                }
            }
        }
    }

    @Test(
        "The fused-multiply-add levels agree bit for bit with each other, with the portable C kernels and across thread counts",
        arguments: [
            PortableGEMMCase(m: 33, n: 100, k: 257),
            PortableGEMMCase(m: 257, n: 33, k: 100),
            PortableGEMMCase(m: 100, n: 257, k: 33),
            PortableGEMMCase(m: 65, n: 29, k: 800),
            PortableGEMMCase(m: 1, n: 7, k: 1),
            // Edge tiles of every width and of one or two vectors of rows: an MLP's shards
            // (n = 64 = 4 · 14 + 8) and output layer (m = 10), and the widths 1 ... 13 past a
            // full strip.
            PortableGEMMCase(m: 10, n: 64, k: 128),
            PortableGEMMCase(m: 256, n: 64, k: 40),
            PortableGEMMCase(m: 17, n: 27, k: 9),
            PortableGEMMCase(m: 49, n: 25, k: 3),
            PortableGEMMCase(m: 5, n: 23, k: 11),
            PortableGEMMCase(m: 40, n: 21, k: 6),
            PortableGEMMCase(m: 31, n: 19, k: 2),
            PortableGEMMCase(m: 16, n: 17, k: 5),
            PortableGEMMCase(m: 15, n: 16, k: 4),
            PortableGEMMCase(m: 33, n: 15, k: 3),
            PortableGEMMCase(m: 20, n: 18, k: 7),
            PortableGEMMCase(m: 12, n: 20, k: 5),
            PortableGEMMCase(m: 35, n: 24, k: 4),
            PortableGEMMCase(m: 3, n: 26, k: 8),
        ])
    func fusedLevelsAgree(shape: PortableGEMMCase) {
        for (transA, transB) in gemmTransposeCombinations {
            for (alpha, beta) in [(0.5, 0.25), (1.0, 0.0), (-2.0, 1.0)] {
                checkFusedAgreement(Float.self, shape, transA, transB, alpha: Float(alpha), beta: Float(beta))
                checkFusedAgreement(Double.self, shape, transA, transB, alpha: alpha, beta: beta)
            }
        }
    }

    @Test("A product above the default threshold is split over threads")
    func defaultThreshold() {
        let shape = PortableGEMMCase(m: 130, n: 135, k: 130)  // 2.28 M multiply-adds ≥ 2²¹
        for level in gemmLevels {
            checkAgainstReference(
                Float.self, shape, .none, .transposed, threads: 2, scalings: [(0.5, 0.25)], level: level,
                defaultThreshold: true)
        }
    }

    @Test("α = 0 and k = 0 give β C without reading A or B")
    func alphaZeroAndEmptyK() {
        for level in gemmLevels {
            alphaZeroAndEmptyK(PortableGEMM(threadCount: 1, parallelThreshold: 1, instructionSet: level))
        }
    }

    private func alphaZeroAndEmptyK(_ backend: PortableGEMM) {
        let nan = [Float](repeating: .nan, count: 16)
        for (alpha, k) in [(Float(0), 3), (Float(2), 0)] {
            for beta: Float in [0, 1, 0.25] {
                // C is 3×2 with ldc = 4; the padding row must survive.
                var c: [Float] = [1, 2, 3, 99, 4, 5, 6, 99]
                if beta == 0 { c = [.nan, .nan, .nan, 99, .nan, .nan, .nan, 99] }
                nan.withUnsafeBufferPointer { p in
                    backend.sgemm(
                        .none, .none, m: 3, n: 2, k: k, alpha: alpha, a: p.baseAddress!, lda: 3,
                        b: p.baseAddress!, ldb: max(k, 1), beta: beta, c: &c, ldc: 4)
                }
                let expected: [Float] =
                    beta == 0 ? [0, 0, 0, 99, 0, 0, 0, 99]
                    : [1, 2, 3, 99, 4, 5, 6, 99].enumerated().map { $0.offset % 4 == 3 ? 99 : $0.element * beta }
                #expect(c == expected, "α=\(alpha) k=\(k) β=\(beta)")
            }
        }
    }

    @Test("m = 0 or n = 0 writes nothing")
    func emptyOutput() {
        let backend = PortableGEMM(threadCount: 2)
        let a = [Double](repeating: 1, count: 16)
        for (m, n) in [(0, 3), (3, 0), (0, 0)] {
            var c = [Double](repeating: .nan, count: 16)
            backend.dgemm(
                .transposed, .none, m: m, n: n, k: 2, alpha: 1, a: a, lda: 2, b: a, ldb: 2,
                beta: 0, c: &c, ldc: 4)
            #expect(c.allSatisfy { $0.isNaN })
        }
    }

    @Test("Identity and thread-count settings")
    func identityAndThreads() {
        let backend = PortableGEMM()
        #expect(backend.name == "builtin")
        #expect(!backend.version.isEmpty)
        #expect(backend.location == nil)
        #expect(backend.threadCount >= 1)
        let copy = backend
        backend.setThreadCount(3)
        #expect(copy.threadCount == 3)
        backend.setThreadCount(0)
        #expect(backend.threadCount == 1)
        #expect(PortableGEMM(threadCount: 2).threadCount == 2)
    }
}
