import Foundation
import Testing
@testable import Backprop

/// Choosing the linear-algebra backend at run time, and the system BLAS agreeing with the
/// built-in GEMM.
struct BackendTests {
    @Test("BACKPROP_BLAS=builtin selects the portable GEMM")
    func builtin() throws {
        let backend = try LinearAlgebra.select(environment: ["BACKPROP_BLAS": "builtin"]).get()
        #expect(backend.name == "builtin")
        #expect(backend.location == nil)
        #expect(backend.threadCount >= 1)
        // A thread count is accepted (and ignored by the single-threaded built-in).
        let threaded = try LinearAlgebra.select(environment: ["BACKPROP_BLAS": "builtin", "BACKPROP_THREADS": "2"]).get()
        #expect(threaded.name == "builtin")
    }

    @Test("A BLAS path that cannot be loaded is a failure naming BACKPROP_BLAS and the path")
    func missingLibrary() {
        let path = "/nonexistent/libfoo.so"
        let result = LinearAlgebra.select(environment: ["BACKPROP_BLAS": path])
        guard case let .failure(error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.description.contains("BACKPROP_BLAS"))
        #expect(error.description.contains(path))
        if case .backendUnavailable = error {} else { Issue.record("expected backendUnavailable, got \(error)") }
    }

    @Test("A library without GEMM is a failure that says so")
    func libraryWithoutGEMM() {
        let result = LinearAlgebra.select(environment: ["BACKPROP_BLAS": "libc.so.6"])
        guard case let .failure(error) = result else {
            Issue.record("expected a failure, got \(result)")
            return
        }
        #expect(error.description.contains("libc.so.6"))
        #expect(error.description.contains("sgemm"))
    }

    @Test("BACKPROP_THREADS must be a positive whole number", arguments: ["0", "abc", "-1", "2.5", ""])
    func badThreads(value: String) {
        for environment in [["BACKPROP_THREADS": value], ["BACKPROP_BLAS": "builtin", "BACKPROP_THREADS": value]] {
            let result = LinearAlgebra.select(environment: environment)
            guard case let .failure(error) = result else {
                Issue.record("expected a failure for \(environment), got \(result)")
                continue
            }
            #expect(error.description.contains("BACKPROP_THREADS"))
            #expect(error.description.contains("=\(value) "))
        }
    }

    @Test("While a sharded section runs, the BLAS stays on one thread, whatever another section does as it ends")
    func sectionsKeepOneThread() {
        // OpenBLAS's Zen kernels give other bits on two threads than on one, so a section that
        // ends must not hand the BLAS its threads back under another that is still running.
        let backend = LinearAlgebra.backend
        // The count is taken from the backend on first use: read it before a section holds
        // the backend at one thread.
        _ = LinearAlgebra.threadCount
        let (go, done) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let seen = Locked([Int]())
        let other = Thread {
            go.wait()
            LinearAlgebra.concurrently(2) { _ in seen.mutate { $0.append(backend.threadCount) } }
            done.signal()
        }
        other.start()
        LinearAlgebra.concurrently(2) { part in
            guard part == 0 else { return }
            seen.mutate { $0.append(backend.threadCount) }
            go.signal()
            done.wait()
            seen.mutate { $0.append(backend.threadCount) }
        }
        #expect(seen.value == [1, 1, 1, 1])
    }

    @Test("The default selection (empty environment) succeeds and reports a version")
    func defaultSelection() throws {
        let backend = try LinearAlgebra.select(environment: [:]).get()
        #expect(!backend.name.isEmpty)
        #expect(!backend.version.isEmpty)
        #expect(backend.threadCount >= 1)
        #expect(["openblas", "blis", "reference-blas", "accelerate", "builtin"].contains(backend.name))
        // The process-wide backend is a successful selection too (else every product would trap).
        let current = try LinearAlgebra.selection.get()
        #expect(!current.version.isEmpty)
    }

    @Test("The system candidates are the documented libraries")
    func candidates() {
        #if os(Linux)
        #expect(LinearAlgebra.systemCandidates == ["libopenblas.so.0", "libblis.so.4", "libblas.so.3"])
        #endif
        #expect(LinearAlgebra.blasVariable == "BACKPROP_BLAS")
        #expect(LinearAlgebra.threadsVariable == "BACKPROP_THREADS")
    }

    // MARK: System BLAS against the built-in GEMM

    /// The first system BLAS that loads, or `nil` on a bare machine.
    static let systemBLAS: DynamicBLAS? = {
        for path in LinearAlgebra.systemCandidates {
            if let blas = try? DynamicBLAS(path: path) { return blas }
        }
        return nil
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        let m, n, k: Int
        var testDescription: String { "\(m)×\(n)×\(k)" }
    }

    static let cases = [
        Case(m: 1, n: 1, k: 1), Case(m: 1, n: 17, k: 9), Case(m: 23, n: 1, k: 9), Case(m: 5, n: 7, k: 1),
        Case(m: 31, n: 33, k: 35), Case(m: 257, n: 129, k: 63),
        Case(m: 256, n: 1, k: 784),  // one example through an MNIST layer: the GEMV path
    ]

    static func random<T: BackpropScalar>(_ count: Int, _ generator: inout SeededGenerator) -> [T] {
        (0..<count).map { _ in T(generator.nextNormal()) }
    }

    /// Runs one GEMM on both backends and checks every element against the error bound
    /// `tolerance · (|α| Σ_p |a_ip b_pj| + |β c_ij|)`, which holds even where the sum cancels.
    static func compare<T: BackpropScalar>(
        _: T.Type, on blas: DynamicBLAS, _ shape: Case, _ ta: Transpose, _ tb: Transpose,
        alpha: T, beta: T, tolerance: Double, seed: UInt64
    ) {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        // Stored shapes: op(A) is (m, k), op(B) is (k, n); lda/ldb are the stored row counts.
        let (aRows, aColumns) = ta == .none ? (m, k) : (k, m)
        let (bRows, bColumns) = tb == .none ? (k, n) : (n, k)
        var generator = SeededGenerator(seed: seed)
        let a: [T] = random(aRows * aColumns, &generator)
        let b: [T] = random(bRows * bColumns, &generator)
        let c0: [T] = beta == 0 ? Array(repeating: .nan, count: m * n) : random(m * n, &generator)
        var fromBLAS = c0, fromBuiltin = c0
        var bound = [T](repeating: 0, count: m * n)
        let builtin = PortableGEMM()
        func run(_ backend: any LinearAlgebraBackend, _ a: [T], _ b: [T], _ alpha: T, _ beta: T, _ c: inout [T]) {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        T.gemm(on: backend, ta, tb, m: m, n: n, k: k, alpha: alpha,
                               a: pa.baseAddress!, lda: aRows, b: pb.baseAddress!, ldb: bRows,
                               beta: beta, c: pc.baseAddress!, ldc: m)
                    }
                }
            }
        }
        run(blas, a, b, alpha, beta, &fromBLAS)
        run(builtin, a, b, alpha, beta, &fromBuiltin)
        run(blas, a.map(abs), b.map(abs), abs(alpha), 0, &bound)

        var failures = 0
        for i in 0..<(m * n) {
            let allowed = tolerance * (Double(bound[i]) + (beta == 0 ? 0 : Double(abs(beta * c0[i])))) + Double(T.leastNormalMagnitude)
            let difference = abs(Double(fromBLAS[i]) - Double(fromBuiltin[i]))
            if !(difference <= allowed) {
                failures += 1
                if failures <= 3 {
                    Issue.record("\(T.self) \(shape.testDescription) \(ta)/\(tb) α=\(alpha) β=\(beta): element \(i) BLAS \(fromBLAS[i]) vs builtin \(fromBuiltin[i])")
                }
            }
        }
        #expect(failures == 0, "\(T.self) \(shape.testDescription) \(ta)/\(tb): \(failures) elements differ")
    }

    @Test("System BLAS sgemm/dgemm agree with the built-in GEMM in all four transpose combinations",
          .enabled(if: systemBLAS != nil, "no system BLAS loads on this machine"),
          arguments: cases)
    func blasAgreesWithBuiltin(shape: Case) throws {
        let blas = try #require(Self.systemBLAS)
        var seed: UInt64 = UInt64(shape.m * 1_000_000 + shape.n * 1000 + shape.k)
        // (α, β) = (1, 0) also checks that β = 0 never reads C (it starts as NaN).
        let scalings = [(1.0, 0.0), (0.5, 2.0), (-1.5, 1.0)]
        // The largest shape takes one scaling per transpose combination, so the suite stays
        // fast in debug builds; the small shapes take all three.
        let large = shape.m * shape.n * shape.k > 100_000
        for (index, (ta, tb)) in [(Transpose.none, Transpose.none), (.none, .transposed), (.transposed, .none), (.transposed, .transposed)].enumerated() {
            do {
                for (alpha, beta) in large ? [scalings[index % scalings.count]] : scalings {
                    seed += 1
                    Self.compare(Float.self, on: blas, shape, ta, tb, alpha: Float(alpha), beta: Float(beta),
                                 tolerance: 1e-5 * Double(shape.k).squareRoot(), seed: seed)
                    Self.compare(Double.self, on: blas, shape, ta, tb, alpha: alpha, beta: beta,
                                 tolerance: 1e-12, seed: seed)
                }
            }
        }
    }

    @Test("β = 0 into a block of a taller C (ldc > m): the block is the product, the rows around it untouched",
          .enabled(if: systemBLAS != nil, "no system BLAS loads on this machine"), arguments: [3, 600])
    func zeroBetaIntoBlock(k: Int) throws {
        // k = 3: C is cleared column by column before an accumulating call; k = 600: β = 0 as asked.
        let blas = try #require(Self.systemBLAS)
        let (m, n, ldc) = (37, 11, 40)
        var generator = SeededGenerator(seed: 5)
        let a: [Double] = Self.random(m * k, &generator), b: [Double] = Self.random(k * n, &generator)
        var c = [Double](repeating: 7, count: ldc * n), expected = [Double](repeating: .nan, count: m * n)
        for j in 0..<n { for i in 0..<m { c[i + j * ldc] = .nan } }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    blas.dgemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: m, b: pb.baseAddress!, ldb: k,
                               beta: 0, c: pc.baseAddress!, ldc: ldc)
                }
                expected.withUnsafeMutableBufferPointer { pe in
                    PortableGEMM().dgemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: m, b: pb.baseAddress!, ldb: k,
                                         beta: 0, c: pe.baseAddress!, ldc: m)
                }
            }
        }
        var (wrong, touched) = (0, 0)
        for j in 0..<n {
            for i in 0..<ldc {
                if i < m {
                    if !(abs(c[i + j * ldc] - expected[i + j * m]) <= 1e-12 * Double(k)) { wrong += 1 }
                } else if c[i + j * ldc] != 7 {
                    touched += 1
                }
            }
        }
        #expect(wrong == 0)
        #expect(touched == 0)
    }

    @Test("BACKPROP_BLAS naming a system library loads it by name",
          .enabled(if: systemBLAS != nil, "no system BLAS loads on this machine"))
    func explicitLibrary() throws {
        let path = try #require(Self.systemBLAS?.location)
        let backend = try LinearAlgebra.select(environment: ["BACKPROP_BLAS": path]).get()
        #expect(backend.name == Self.systemBLAS?.name)
        #expect(backend.location == path)
        #expect(!backend.version.isEmpty)
    }

    @Test("The system BLAS identifies itself", .enabled(if: systemBLAS != nil, "no system BLAS loads on this machine"))
    func blasIdentity() throws {
        let blas = try #require(Self.systemBLAS)
        #expect(["openblas", "blis", "reference-blas", "accelerate"].contains(blas.name))
        #expect(!blas.version.isEmpty)
        #expect(blas.location != nil)
        #expect(blas.threadCount >= 1)
    }
}

/// A value the test's threads share, under a lock.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
