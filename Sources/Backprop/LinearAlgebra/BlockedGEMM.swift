import Dispatch

/// One operand of a GEMM as stored (column-major, column stride `ld`), read as `op(X)`.
struct GEMMOperand<Scalar> {
    var base: UnsafePointer<Scalar>
    var ld: Int
    var transposed: Bool

    /// `op(X)` starting at row `row`, column `column`.
    func offset(row: Int, column: Int) -> GEMMOperand {
        let shift = transposed ? column &+ row &* ld : row &+ column &* ld
        return GEMMOperand(base: base + shift, ld: ld, transposed: transposed)
    }
}

/// How a finished register tile `T` is written into C.
enum GEMMUpdate {
    /// `C ← T` (β = 0: C is not read).
    case overwrite
    /// `C ← T + C` (β = 1, or a later kc slice).
    case accumulate
    /// `C ← T + β C`.
    case scale
}

/// The packing routines and register-tile kernels that ``BlockedGEMM`` drives, with the
/// blocking they are meant for: the portable Swift ones (``SIMDGEMMKernels``) or the C ones of
/// an instruction set (``NativeGEMMKernels``).
protocol GEMMKernels: Sendable {
    associatedtype Scalar: BinaryFloatingPoint & Sendable

    /// Rows and columns of the register tile.
    var mr: Int { get }
    var nr: Int { get }
    /// Depth of a slice of the inner dimension: an `mr × kc` strip of A and a `kc × nr` strip
    /// of B are what one tile streams.
    var kc: Int { get }
    /// Rows of a packed block of A (`mc × kc`, meant for L2), a multiple of `mr`.
    var mc: Int { get }
    /// Columns of a packed panel of B (`kc × nc`, meant for L3), a multiple of `nr`.
    var nc: Int { get }

    /// Copies `op(A)` (`m × k`) into strips of `mr` rows, each k-major (`mr` consecutive
    /// values per step of k), zero-padding the last strip.
    func packA(_ a: GEMMOperand<Scalar>, m: Int, k: Int, into packed: UnsafeMutablePointer<Scalar>)

    /// Copies `α · op(B)` (`k × n`) into strips of `nr` columns, each k-major, zero-padding the
    /// last strip.
    func packB(
        _ b: GEMMOperand<Scalar>, k: Int, n: Int, alpha: Scalar,
        into packed: UnsafeMutablePointer<Scalar>)

    /// Updates the `m × n` block of C at `c` with the product of a packed block of A (`m × k`)
    /// and a packed panel of B (`k × n`), one `mr × nr` register tile at a time.
    func multiplyTiles(
        m: Int, n: Int, k: Int,
        packedA: UnsafePointer<Scalar>, packedB: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, update: GEMMUpdate, beta: Scalar)

    /// Whether ``multiplyTiles(m:n:k:unpackedA:lda:packedB:c:ldc:update:beta:)`` can read an
    /// untransposed block of A in place.
    var readsUnpackedA: Bool { get }

    /// ``multiplyTiles(m:n:k:packedA:packedB:c:ldc:update:beta:)`` with the block of A read in
    /// place (column-major, column stride `lda`; `m` a multiple of `mr`): the same bits, without
    /// the copy.
    func multiplyTiles(
        m: Int, n: Int, k: Int,
        unpackedA: UnsafePointer<Scalar>, lda: Int, packedB: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, update: GEMMUpdate, beta: Scalar)
}

extension GEMMKernels {
    var readsUnpackedA: Bool { false }

    func multiplyTiles(
        m: Int, n: Int, k: Int,
        unpackedA: UnsafePointer<Scalar>, lda: Int, packedB: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, update: GEMMUpdate, beta: Scalar
    ) {
        preconditionFailure("\(Self.self) reads A packed only")
    }
}

/// The cache-blocked ("Goto") GEMM behind ``PortableGEMM``, over the packing routines and
/// register-tile kernels of `Kernels`.
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
///               register tile: the mr × nr tile of C += A strip · B strip  (kc rank-1
///               updates on mr × nr accumulators held in registers; the strips stream from L1)
///
/// Packing does the transposes and the zero padding, so all four transpose combinations and
/// every ragged edge go through the same kernel, which only ever reads contiguous memory. Where
/// the kernels can (``GEMMKernels/readsUnpackedA``), an untransposed A whose block is whole
/// `mr`-row strips is read in place instead of packed: each step of a strip is already `mr`
/// contiguous values, `lda` apart, and the copy (a layer's whole `W` for every shard, every
/// step) is saved; the arithmetic is the same. Edge tiles are computed by narrower kernels
/// directly into C. `α`
/// is folded into `packedB`; `β` is applied when the first `kc` slice is added into `C`, and
/// later slices simply accumulate. Large products are split over threads by column (or row)
/// blocks of C, in whole register tiles; the split changes no element's arithmetic, so the
/// result does not depend on the thread count.
struct BlockedGEMM<Kernels: GEMMKernels>: Sendable {
    typealias Scalar = Kernels.Scalar

    let kernels: Kernels

    // MARK: Entry point

    func gemm(
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
        let opA = GEMMOperand(base: a, ld: lda, transposed: transA == .transposed)
        let opB = GEMMOperand(base: b, ld: ldb, transposed: transB == .transposed)

        let work = Double(m) * Double(n) * Double(k)
        let parts = threads > 1 && work >= Double(parallelThreshold) ? threads : 1
        let job = Job(
            gemm: self, m: m, n: n, k: k, alpha: alpha, a: opA, b: opB, beta: beta, c: c, ldc: ldc)
        let mr = kernels.mr, nr = kernels.nr
        // Split C into `parts` blocks along its longer side, in whole register tiles, and run
        // each block as an independent GEMM with its own packing buffers.
        if parts > 1 && n >= m && n >= 2 * nr {
            let width = Self.roundUp((n + parts - 1) / parts, to: nr)
            DispatchQueue.concurrentPerform(iterations: (n + width - 1) / width) { block in
                job.columns(from: block * width, count: width).run()
            }
        } else if parts > 1 && m >= 2 * mr {
            let height = Self.roundUp((m + parts - 1) / parts, to: mr)
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
        var gemm: BlockedGEMM
        var m: Int, n: Int, k: Int
        var alpha: Scalar, a: GEMMOperand<Scalar>, b: GEMMOperand<Scalar>
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
            gemm.serialGEMM(m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c, ldc: ldc)
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
    func serialGEMM(
        m: Int, n: Int, k: Int, alpha: Scalar, a: GEMMOperand<Scalar>, b: GEMMOperand<Scalar>,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        let mr = kernels.mr, nr = kernels.nr
        // The slice depth depends on k alone, never on m, n or the threads: it fixes the
        // arithmetic on each element.
        let kBlock = Self.evenBlock(k, limit: kernels.kc, multiple: 1)
        let mBlock = Self.evenBlock(m, limit: kernels.mc, multiple: mr)
        let nBlock = Self.evenBlock(n, limit: kernels.nc, multiple: nr)

        // An untransposed A is read in place where the kernels can (its strips are already
        // columns of mr contiguous values a step apart by lda); with m a multiple of mr every
        // block is, and A needs no buffer.
        let inPlaceA = !a.transposed && kernels.readsUnpackedA
        let packsA = !(inPlaceA && m % mr == 0)

        // Buffers sized for this call (small products get small buffers), aligned for vectors.
        let size = MemoryLayout<Scalar>.stride
        let aCount = packsA ? Self.roundUp(mBlock, to: mr) * kBlock : 0
        let bCount = Self.roundUp(nBlock, to: nr) * kBlock
        let raw = UnsafeMutableRawPointer.allocate(byteCount: (aCount + bCount) * size, alignment: 64)
        defer { raw.deallocate() }
        let packedA = raw.bindMemory(to: Scalar.self, capacity: aCount + bCount)
        let packedB = packedA + aCount

        var jc = 0
        while jc < n {
            let ncCur = min(nBlock, n - jc)
            var pc = 0
            while pc < k {
                let kcCur = min(kBlock, k - pc)
                kernels.packB(b.offset(row: pc, column: jc), k: kcCur, n: ncCur, alpha: alpha, into: packedB)
                // The first slice applies β to C; the later ones add to what it left.
                let update: GEMMUpdate = pc > 0 || beta == 1 ? .accumulate : beta == 0 ? .overwrite : .scale
                var ic = 0
                while ic < m {
                    let mcCur = min(mBlock, m - ic)
                    let block = a.offset(row: ic, column: pc)
                    if inPlaceA && mcCur % mr == 0 {
                        kernels.multiplyTiles(
                            m: mcCur, n: ncCur, k: kcCur, unpackedA: block.base, lda: block.ld, packedB: packedB,
                            c: c + ic + jc * ldc, ldc: ldc, update: update, beta: beta)
                    } else {
                        kernels.packA(block, m: mcCur, k: kcCur, into: packedA)
                        kernels.multiplyTiles(
                            m: mcCur, n: ncCur, k: kcCur, packedA: packedA, packedB: packedB,
                            c: c + ic + jc * ldc, ldc: ldc, update: update, beta: beta)
                    }
                    ic += mBlock
                }
                pc += kBlock
            }
            jc += nBlock
        }
    }
}
