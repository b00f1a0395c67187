import Dispatch
import Foundation

/// Backprop's own GEMM, written in portable Swift, used when no system BLAS is found.
///
/// It computes exactly what Fortran BLAS `xGEMM` computes, on **column-major** matrices:
///
///     C ← α · op(A) · op(B) + β · C
///
/// where `op(A)` is `(m, k)`, `op(B)` is `(k, n)` and `C` is `(m, n)`. `lda`, `ldb` and `ldc`
/// are the column strides of the matrices *as stored*: `A` is stored `(m, k)` with `lda ≥ m`
/// when `transA == .none`, or `(k, m)` with `lda ≥ k` when `.transposed` (likewise for `B`).
/// When `β == 0`, `C` is overwritten without being read (it may hold NaN); when `α == 0` or
/// `k == 0`, `C ← β C`; when `m == 0` or `n == 0` nothing happens.
///
/// The algorithm is the classic cache-blocked ("Goto") GEMM (the internal `BlockedGEMM`): pack
/// blocks of `op(A)` and `op(B)` into contiguous buffers, then run a small SIMD register-tile
/// kernel over them. Large products are split over `threadCount` threads by column (or row)
/// blocks of `C`.
///
/// The kernel uses separate multiply and add rather than fused multiply-add: Swift builds for
/// the baseline CPU of the target (SSE2 on x86-64) unless told otherwise, and there a fused
/// `addingProduct` on a vector becomes one library call per lane. (On AMD Zen cores separate
/// multiply and add pipes give the same peak as FMA; a build with `-Xcc -mavx2` gets AVX
/// multiplies and adds from the same code.)
public struct PortableGEMM: LinearAlgebraBackend {
    /// Always `builtin`.
    public var name: String { "builtin" }
    /// A short description of the implementation.
    public var version: String { "Backprop portable Swift GEMM (packed; 8×5 Float, 4×5 Double SIMD micro-kernels)" }
    /// Always `nil`: the code is compiled into Backprop, not loaded.
    public var location: String? { nil }

    /// Shared by every copy of this value, so `setThreadCount` works through a `let`.
    private let threads: ThreadCountSetting

    /// A GEMM that uses as many threads as the machine has active processors.
    public init() {
        self.init(threadCount: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Products with at least this many multiply-adds (`m·n·k`) are split over threads; smaller
    /// ones are not worth the hand-off. (Settable here so tests can split small products.)
    let parallelThreshold: Int

    /// A GEMM that uses `threadCount` threads (at least one) for large products.
    public init(threadCount: Int) {
        self.init(threadCount: threadCount, parallelThreshold: 1 << 21)
    }

    init(threadCount: Int, parallelThreshold: Int) {
        threads = ThreadCountSetting(max(1, threadCount))
        self.parallelThreshold = parallelThreshold
    }

    /// The number of threads one large GEMM is split over.
    public var threadCount: Int { threads.value }

    /// Uses `count` threads (at least one) for later GEMMs.
    public func setThreadCount(_ count: Int) { threads.value = max(1, count) }

    /// Single-precision GEMM, column-major: `C ← α op(A) op(B) + β C`.
    public func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BlockedGEMM<SIMD8<Float>>.gemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, threads: threadCount, parallelThreshold: parallelThreshold)
    }

    /// Double-precision GEMM, column-major: `C ← α op(A) op(B) + β C`.
    public func dgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BlockedGEMM<SIMD4<Double>>.gemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, threads: threadCount, parallelThreshold: parallelThreshold)
    }
}

/// A thread count that can be read and changed from any thread.
private final class ThreadCountSetting: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int  // guarded by `lock`

    init(_ value: Int) { stored = value }

    var value: Int {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// The cache-blocked GEMM behind ``PortableGEMM``, generic over `Vector`, the SIMD vector that
/// holds one column of a register tile (`SIMD8<Float>`, `SIMD4<Double>`).
///
/// The product is cut up in three levels so that each operand is read from the fastest memory
/// that can hold it:
///
///     for each column panel of C, nc columns wide                     (jc loop)
///       for each slice of the inner dimension, kc deep                (pc loop)
///         pack op(B)[pc..., jc...]  (kc × nc)   into `packedB`        → stays in L3 / L2
///         for each row block of C, mc rows tall                       (ic loop)
///           pack op(A)[ic..., pc...]  (mc × kc)  into `packedA`       → stays in L2
///           for each nr-column strip of the panel                     (jr loop)
///             for each mr-row strip of the block                      (ir loop)
///               micro-kernel: the mr × nr tile of C += A strip · B strip  (kc rank-1 updates
///               on mr × nr accumulators held in registers; the strips stream from L1)
///
/// Packing does the transposes and the zero padding: `packedA` holds `op(A)` as strips of `mr`
/// rows, each strip stored k-major (`mr` consecutive values per k), and `packedB` holds `op(B)`
/// as strips of `nr` columns, each stored k-major (`nr` consecutive values per k). So all four
/// transpose combinations and every ragged edge go through the same kernel, which only ever
/// reads contiguous memory. `α` is folded into `packedB`; `β` is applied when the first `kc`
/// slice is added into `C`, and later slices simply accumulate.
struct BlockedGEMM<Vector: SIMD & Sendable> where Vector.Scalar: BinaryFloatingPoint & Sendable {
    typealias Scalar = Vector.Scalar

    /// Rows of the register tile: one SIMD vector.
    static var mr: Int { Vector.scalarCount }
    /// Columns of the register tile. With SSE2 (x86-64's baseline, 16 registers of 4 floats) a
    /// tile column of `SIMD8<Float>` takes two registers, so five columns use ten accumulator
    /// registers, plus two for the A vector, one for the broadcast B value and one scratch
    /// (two-operand SSE instructions overwrite an input). Six columns would spill and measured
    /// about 25% slower; four leave the multipliers idle more often.
    static var nr: Int { 5 }
    /// Depth of a slice: an `mr × kc` strip of A and a `kc × nr` strip of B fit in L1.
    static var kc: Int { 256 }
    /// Rows of a packed block of A (`mc × kc`, about 192 KiB, fits in L2).
    static var mc: Int { 192 * 4 / MemoryLayout<Scalar>.size }
    /// Columns of a packed panel of B (`kc × nc`, 2–3 MiB, meant for L3).
    static var nc: Int { 384 * 8 * 4 / MemoryLayout<Scalar>.size }

    /// One operand as stored, read as `op(X)`.
    struct Operand {
        var base: UnsafePointer<Scalar>
        var ld: Int
        var transposed: Bool

        /// `op(X)` starting at row `row`, column `column`.
        func offset(row: Int, column: Int) -> Operand {
            let shift = transposed ? column &+ row &* ld : row &+ column &* ld
            return Operand(base: base + shift, ld: ld, transposed: transposed)
        }
    }

    // MARK: Entry point

    static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
        b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int,
        threads: Int, parallelThreshold: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard alpha != 0, k > 0 else {
            c.scaleColumns(rows: m, columns: n, leadingDimension: ldc, by: beta)
            return
        }
        let opA = Operand(base: a, ld: lda, transposed: transA == .transposed)
        let opB = Operand(base: b, ld: ldb, transposed: transB == .transposed)

        let work = Double(m) * Double(n) * Double(k)
        let parts = threads > 1 && work >= Double(parallelThreshold) ? threads : 1
        let job = Job(m: m, n: n, k: k, alpha: alpha, a: opA, b: opB, beta: beta, c: c, ldc: ldc)
        // Split C into `parts` blocks along its longer side, in whole register tiles, and run
        // each block as an independent GEMM with its own packing buffers.
        if parts > 1 && n >= m && n >= 2 * nr {
            let width = roundUp((n + parts - 1) / parts, to: nr)
            DispatchQueue.concurrentPerform(iterations: (n + width - 1) / width) { block in
                job.columns(from: block * width, count: width).run()
            }
        } else if parts > 1 && m >= 2 * mr {
            let height = roundUp((m + parts - 1) / parts, to: mr)
            DispatchQueue.concurrentPerform(iterations: (m + height - 1) / height) { block in
                job.rows(from: block * height, count: height).run()
            }
        } else {
            job.run()
        }
    }

    /// One GEMM (or one block of C of a larger one), as handed to a thread.
    ///
    /// `@unchecked Sendable` because it carries raw pointers: the threads given the blocks of
    /// one product read the same A and B and write disjoint blocks of C.
    struct Job: @unchecked Sendable {
        var m: Int, n: Int, k: Int
        var alpha: Scalar, a: Operand, b: Operand
        var beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int

        /// Columns `j0 ..< j0 + count` of C (clipped to `n`).
        func columns(from j0: Int, count: Int) -> Job {
            var part = self
            part.n = min(count, n - j0)
            part.b = b.offset(row: 0, column: j0)
            part.c = c + j0 * ldc
            return part
        }

        /// Rows `i0 ..< i0 + count` of C (clipped to `m`).
        func rows(from i0: Int, count: Int) -> Job {
            var part = self
            part.m = min(count, m - i0)
            part.a = a.offset(row: i0, column: 0)
            part.c = c + i0
            return part
        }

        func run() {
            serialGEMM(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc)
        }
    }

    static func roundUp(_ x: Int, to multiple: Int) -> Int {
        (x + multiple - 1) / multiple * multiple
    }

    /// Splits `total` into the fewest pieces of at most `limit`, as even as possible (rounded up
    /// to `multiple`), so that no slice is left nearly empty.
    static func evenBlock(_ total: Int, limit: Int, multiple: Int) -> Int {
        let pieces = (total + limit - 1) / limit
        return min(limit, roundUp((total + pieces - 1) / pieces, to: multiple))
    }

    // MARK: One thread

    /// The blocked loops on one thread (see the type's documentation).
    static func serialGEMM(
        m: Int, n: Int, k: Int, alpha: Scalar, a: Operand, b: Operand,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        let kBlock = evenBlock(k, limit: kc, multiple: 1)
        let mBlock = evenBlock(m, limit: mc, multiple: mr)
        let nBlock = evenBlock(n, limit: nc, multiple: nr)

        // Buffers sized for this call (small products get small buffers), aligned for vectors.
        let size = MemoryLayout<Scalar>.stride
        let aCount = roundUp(mBlock, to: mr) * kBlock
        let bCount = roundUp(nBlock, to: nr) * kBlock
        let tileCount = mr * nr
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: (aCount + bCount + tileCount) * size, alignment: 64)
        defer { raw.deallocate() }
        let packedA = raw.bindMemory(to: Scalar.self, capacity: aCount + bCount + tileCount)
        let packedB = packedA + aCount
        let tile = packedB + bCount

        var jc = 0
        while jc < n {
            let ncCur = min(nBlock, n - jc)
            var pc = 0
            while pc < k {
                let kcCur = min(kBlock, k - pc)
                packB(b.offset(row: pc, column: jc), k: kcCur, n: ncCur, alpha: alpha, into: packedB)
                // The first slice applies β to C; the later ones add to what it left.
                let mode: WriteMode = pc > 0 || beta == 1 ? .accumulate : beta == 0 ? .overwrite : .scale
                var ic = 0
                while ic < m {
                    let mcCur = min(mBlock, m - ic)
                    packA(a.offset(row: ic, column: pc), m: mcCur, k: kcCur, into: packedA)
                    macroKernel(
                        m: mcCur, n: ncCur, k: kcCur, packedA: packedA, packedB: packedB,
                        c: c + ic + jc * ldc, ldc: ldc, mode: mode, beta: beta, tile: tile)
                    ic += mBlock
                }
                pc += kBlock
            }
            jc += nBlock
        }
    }

    // MARK: Packing

    /// Copies `op(A)` (`m × k`, at `a`) into strips of `mr` rows, each k-major, zero-padding the
    /// last strip to `mr` rows.
    static func packA(_ a: Operand, m: Int, k: Int, into packed: UnsafeMutablePointer<Scalar>) {
        let mr = self.mr
        var strip = packed
        var i0 = 0
        while i0 < m {
            let rows = min(mr, m &- i0)
            if !a.transposed {
                // op(A)[i, p] = a[i + p·lda]: each k step copies `rows` contiguous values.
                var source = a.base + i0
                var destination = strip
                for _ in 0..<k {
                    if rows == mr {
                        UnsafeMutableRawPointer(destination).storeBytes(
                            of: UnsafeRawPointer(source).loadUnaligned(as: Vector.self), as: Vector.self)
                    } else {
                        destination.update(from: source, count: rows)
                        (destination + rows).update(repeating: 0, count: mr &- rows)
                    }
                    source += a.ld
                    destination += mr
                }
            } else {
                // op(A)[i, p] = a[p + i·lda]: each row of op(A) is a contiguous column of a.
                for r in 0..<rows {
                    let source = a.base + (i0 &+ r) &* a.ld
                    var p = 0
                    while p < k {
                        strip[p &* mr &+ r] = source[p]
                        p &+= 1
                    }
                }
                for r in rows..<mr {
                    for p in 0..<k { strip[p &* mr &+ r] = 0 }
                }
            }
            strip += mr &* k
            i0 &+= mr
        }
    }

    /// Copies `α · op(B)` (`k × n`, at `b`) into strips of `nr` columns, each k-major,
    /// zero-padding the last strip to `nr` columns.
    static func packB(
        _ b: Operand, k: Int, n: Int, alpha: Scalar, into packed: UnsafeMutablePointer<Scalar>
    ) {
        let nr = self.nr
        var strip = packed
        var j0 = 0
        while j0 < n {
            let columns = min(nr, n &- j0)
            if !b.transposed {
                // op(B)[p, j] = b[p + j·ldb]: each column of the strip is contiguous in b.
                for c in 0..<columns {
                    let source = b.base + (j0 &+ c) &* b.ld
                    var p = 0
                    while p < k {
                        strip[p &* nr &+ c] = alpha * source[p]
                        p &+= 1
                    }
                }
            } else {
                // op(B)[p, j] = b[j + p·ldb]: each k step reads `columns` contiguous values.
                var source = b.base + j0
                var destination = strip
                for _ in 0..<k {
                    for c in 0..<columns { destination[c] = alpha * source[c] }
                    source += b.ld
                    destination += nr
                }
            }
            if columns < nr {
                for p in 0..<k {
                    for c in columns..<nr { strip[p &* nr &+ c] = 0 }
                }
            }
            strip += nr &* k
            j0 &+= nr
        }
    }

    // MARK: Kernels

    /// How a finished register tile `T` is written into C.
    enum WriteMode {
        /// `C ← T` (β = 0: C is not read).
        case overwrite
        /// `C ← T + C` (β = 1, or a later kc slice).
        case accumulate
        /// `C ← T + β C`.
        case scale
    }

    /// Runs the micro-kernel over every `mr × nr` tile of an `m × n` block of C, using one packed
    /// block of A (`m × k`) and one packed panel of B (`k × n`).
    static func macroKernel(
        m: Int, n: Int, k: Int,
        packedA: UnsafeMutablePointer<Scalar>, packedB: UnsafeMutablePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, mode: WriteMode, beta: Scalar,
        tile: UnsafeMutablePointer<Scalar>
    ) {
        let mr = self.mr, nr = self.nr
        var jr = 0
        while jr < n {
            let columns = min(nr, n &- jr)
            let bStrip = UnsafePointer(packedB + jr &* k)
            var ir = 0
            while ir < m {
                let rows = min(mr, m &- ir)
                let aStrip = UnsafePointer(packedA + ir &* k)
                let cTile = c + (ir &+ jr &* ldc)
                if rows == mr && columns == nr {
                    microKernel(k: k, a: aStrip, b: bStrip, c: cTile, ldc: ldc, mode: mode, beta: beta)
                } else {
                    // Edge tile: compute the full padded tile into `tile`, then add the part
                    // that lies inside C.
                    microKernel(k: k, a: aStrip, b: bStrip, c: tile, ldc: mr, mode: .overwrite, beta: 0)
                    for j in 0..<columns {
                        let source = tile + j &* mr
                        let destination = cTile + j &* ldc
                        for i in 0..<rows {
                            switch mode {
                            case .overwrite: destination[i] = source[i]
                            case .accumulate: destination[i] += source[i]
                            case .scale: destination[i] = source[i] + beta * destination[i]
                            }
                        }
                    }
                }
                ir &+= mr
            }
            jr &+= nr
        }
    }

    /// The `mr × nr` register tile: `T = Σ_p A[:, p] · B[p, :]` over a packed A strip (k-major
    /// vectors of `mr`) and a packed B strip (k-major groups of `nr`), then written into the
    /// full tile at `c` (column stride `ldc`) according to `mode`.
    ///
    /// Each step of `p` is one vector load of A, `nr` broadcasts of B and `nr` multiply-adds
    /// into `nr` vector accumulators that stay in registers for the whole loop.
    @inline(__always)
    static func microKernel(
        k: Int, a: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, mode: WriteMode, beta: Scalar
    ) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector()
        var c3 = Vector(), c4 = Vector()
        var pa = UnsafeRawPointer(a)
        var pb = b
        let step = MemoryLayout<Vector>.stride
        var p = 0
        while p < k {
            let column = pa.load(as: Vector.self)
            c0 += column * pb[0]
            c1 += column * pb[1]
            c2 += column * pb[2]
            c3 += column * pb[3]
            c4 += column * pb[4]
            pa += step
            pb += 5  // nr
            p &+= 1
        }

        let out = UnsafeMutableRawPointer(c)
        let columnBytes = ldc &* MemoryLayout<Scalar>.stride
        @inline(__always)
        func write(_ value: Vector, _ j: Int) {
            let offset = j &* columnBytes
            switch mode {
            case .overwrite:
                out.storeBytes(of: value, toByteOffset: offset, as: Vector.self)
            case .accumulate:
                let old = UnsafeRawPointer(out).loadUnaligned(fromByteOffset: offset, as: Vector.self)
                out.storeBytes(of: value + old, toByteOffset: offset, as: Vector.self)
            case .scale:
                let old = UnsafeRawPointer(out).loadUnaligned(fromByteOffset: offset, as: Vector.self)
                out.storeBytes(of: value + old * beta, toByteOffset: offset, as: Vector.self)
            }
        }
        write(c0, 0); write(c1, 1); write(c2, 2)
        write(c3, 3); write(c4, 4)
    }
}
