import BackpropKernels

/// A direct Swift GEMM for products too small to be worth a BLAS call.
///
/// Training a tiny network (the course's 2-4-1 "planar" model) runs products such as
/// `(4×2)·(2×400)` or `(1×400)·(400×4)` thousands of times. For those, a BLAS call costs more
/// in dispatch and in kernels built for wide blocks of rows than the arithmetic itself, so
/// ``Matrix/formProduct(_:_:_:_:alpha:beta:)`` sends the products that ``handles(m:n:k:)``
/// accepts here instead.
///
/// It computes exactly what Fortran BLAS `xGEMM` computes, on **column-major** matrices:
///
///     C ← α · op(A) · op(B) + β · C
///
/// with the same conventions as ``LinearAlgebraBackend``: when `β == 0`, `C` is overwritten
/// without being read (it may hold NaN); when `α == 0` or `k == 0`, `C ← β C` and neither `A`
/// nor `B` is read. Only the summation order differs from BLAS.
///
/// The kernel vectorises over whichever dimension is contiguous:
/// - blocks of four rows of `C`, four columns at a time (a 4 × 4 register tile):
///   `C[i..<i+4, j] = Σ_p op(A)[i..<i+4, p] · op(B)[p, j]`, with `op(A)` read as stored when
///   it is not transposed, or first packed into a small contiguous buffer when it is;
/// - the rows left over (all of them when `m < 4`): when `op(B) = Bᵀ`, four columns of `C` at
///   a time, streaming the contiguous rows of `B`; when row `i` of `op(A)` and column `j` of
///   `op(B)` are both contiguous, a SIMD dot product; otherwise a dot product with four
///   independent partial sums, so a long `k` is not one chain of dependent additions.
enum SmallProduct {
    /// The largest product (`m·n·k` multiply-adds) computed here rather than by the backend.
    static let maximumWork = 4096

    /// The smallest row count `m` left to the backend.
    static let rowLimit = 8

    /// Whether an `(m, k) · (k, n)` product goes to the direct kernel: fewer than
    /// ``rowLimit`` rows and at most ``maximumWork`` multiply-adds.
    ///
    /// Measured against OpenBLAS 0.3.21 (AVX-512 kernels, Double, this kernel built for
    /// baseline SSE2): OpenBLAS's small-matrix kernels run square blocks such as `8×8×8` or
    /// `16×16×16` 1.5–2.6 times faster than any SSE2 code can, but they are slow when `m` is
    /// below one vector of rows: `(4×2)·(2×400)` with `β = 1` takes 4.3 µs there and 0.7 µs
    /// here, `(1×4)·(4×400)` with `β = 1` 4.3 µs against 1.4 µs, `(4×1)ᵀ…` (`TN`, `k = 1`)
    /// 1.2–1.6 µs against 0.4–0.5 µs, `(1×400)·(400×4)ᵀ` 0.45–0.67 µs against 0.21 µs. Past
    /// about 4,096 multiply-adds BLAS's wider arithmetic wins even for thin `m`
    /// (`(1×32)·(32×128)`: 0.37 µs against 0.8 µs). Every product of the 2-4-1 planar
    /// network (at most 3,200 multiply-adds, `m ≤ 4`) lands here; every product of the
    /// 784-256-128-10 MNIST network at batch 128 (`m ≥ 10`, at least 163,840) goes to BLAS.
    @inline(__always)
    static func handles(m: Int, n: Int, k: Int) -> Bool {
        // m < rowLimit, and n, k ≤ maximumWork keep the product from overflowing.
        m < rowLimit && n <= maximumWork && k <= maximumWork && m * n * k <= maximumWork
    }

    /// `C ← α op(A) op(B) + β C`, column-major, with BLAS's argument conventions.
    ///
    /// - Precondition: `m, n, k ≥ 0`; the leading dimensions are at least the stored row counts.
    static func gemm<Scalar: BackpropScalar>(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
        b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if alpha == 0 || k == 0 {
            c.scaleColumns(rows: m, columns: n, leadingDimension: ldc, by: beta)
            return
        }
        let ta: Int32 = transA == .none ? 0 : 1
        let tb: Int32 = transB == .none ? 0 : 1
        if Scalar.self == Double.self {
            bp_small_gemm_f64(ta, tb, m, n, k, unsafeBitCast(alpha, to: Double.self), Self.cast(a), lda, Self.cast(b), ldb, unsafeBitCast(beta, to: Double.self), Self.cast(c), ldc)
        } else if Scalar.self == Float.self {
            bp_small_gemm_f32(ta, tb, m, n, k, unsafeBitCast(alpha, to: Float.self), Self.cast(a), lda, Self.cast(b), ldb, unsafeBitCast(beta, to: Float.self), Self.cast(c), ldc)
        } else {
            reference(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    private static func cast<T, U>(_ p: UnsafePointer<T>) -> UnsafePointer<U> { UnsafeRawPointer(p).assumingMemoryBound(to: U.self) }
    private static func cast<T, U>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> { UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self) }

    /// The Swift kernel: what `Float` and `Double` products compute in C
    /// (`bp_small_gemm_f32`, `bp_small_gemm_f64`, the same operations in the same order, so the
    /// same bits at every instruction set: `SmallProductKernelTests`), and what other scalar
    /// types run. Requires `m, n, k ≥ 1` and `alpha ≠ 0`.
    static func reference<Scalar: BackpropScalar>(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
        b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        // op(B)[p, j] = b[p * bStep + j * bColumn].
        let (bStep, bColumn) = transB == .none ? (1, ldb) : (ldb, 1)
        if transA == .none || m < 4 {
            // op(A)[i, p] = a[i * aRow + p * aStep]; the SIMD blocks need aRow == 1.
            let (aRow, aStep) = transA == .none ? (1, lda) : (lda, 1)
            kernel(
                m: m, n: n, k: k, alpha: alpha, a: a, aRow: aRow, aStep: aStep,
                b: b, bStep: bStep, bColumn: bColumn, transB: transB, beta: beta, c: c, ldc: ldc)
            return
        }
        // Pack op(A) = Aᵀ column-major (m × k, leading dimension m); m·k ≤ maximumWork.
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: m * k) { packed in
            let packed = packed.baseAddress!
            for p in 0..<k {
                let column = packed + p * m
                for i in 0..<m { column[i] = a[p + i * lda] }
            }
            kernel(
                m: m, n: n, k: k, alpha: alpha, a: UnsafePointer(packed), aRow: 1, aStep: m,
                b: b, bStep: bStep, bColumn: bColumn, transB: transB, beta: beta, c: c, ldc: ldc)
        }
    }

    /// Stores `α · sum + β · C` (or `α · sum` when `β == 0`) at `target`.
    @inline(__always)
    private static func store<Scalar: BackpropScalar>(
        _ sum: Scalar, alpha: Scalar, beta: Scalar, at target: UnsafeMutablePointer<Scalar>
    ) {
        target.pointee = beta == 0 ? alpha * sum : alpha * sum + beta * target.pointee
    }

    /// Loads four contiguous scalars.
    @inline(__always)
    private static func load4<Scalar: BackpropScalar>(_ pointer: UnsafePointer<Scalar>) -> SIMD4<Scalar> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Scalar>.self)
    }

    /// Writes `α · sum (+ β · C)` over the four scalars at `target`.
    @inline(__always)
    private static func store4<Scalar: BackpropScalar>(
        _ sum: SIMD4<Scalar>, alpha: Scalar, beta: Scalar, at target: UnsafeMutablePointer<Scalar>
    ) {
        let raw = UnsafeMutableRawPointer(target)
        if beta == 0 {
            raw.storeBytes(of: alpha * sum, as: SIMD4<Scalar>.self)
        } else {
            let old = raw.loadUnaligned(as: SIMD4<Scalar>.self)
            raw.storeBytes(of: alpha * sum + beta * old, as: SIMD4<Scalar>.self)
        }
    }

    /// The kernel proper; `op(A)[i, p] = a[i * aRow + p * aStep]` and
    /// `op(B)[p, j] = b[p * bStep + j * bColumn]`. When `m ≥ 4` it requires `aRow == 1`.
    private static func kernel<Scalar: BackpropScalar>(
        m: Int, n: Int, k: Int, alpha: Scalar,
        a: UnsafePointer<Scalar>, aRow: Int, aStep: Int,
        b: UnsafePointer<Scalar>, bStep: Int, bColumn: Int, transB: Transpose,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        let blockRows = m & ~3
        var i = 0
        while i < blockRows {
            let ai = a + i
            var j = 0
            // 4 × 4 tiles of C: each column block of op(A) loaded once serves four columns.
            while j &+ 4 <= n {
                let b0 = b + j &* bColumn, b1 = b0 + bColumn, b2 = b1 + bColumn, b3 = b2 + bColumn
                var c0 = SIMD4<Scalar>(), c1 = SIMD4<Scalar>(), c2 = SIMD4<Scalar>(), c3 = SIMD4<Scalar>()
                var ap = ai
                var offset = 0
                for _ in 0..<k {
                    let column = load4(ap)
                    c0 += column * b0[offset]
                    c1 += column * b1[offset]
                    c2 += column * b2[offset]
                    c3 += column * b3[offset]
                    ap += aStep
                    offset &+= bStep
                }
                let cj = c + (i &+ j &* ldc)
                store4(c0, alpha: alpha, beta: beta, at: cj)
                store4(c1, alpha: alpha, beta: beta, at: cj + ldc)
                store4(c2, alpha: alpha, beta: beta, at: cj + 2 &* ldc)
                store4(c3, alpha: alpha, beta: beta, at: cj + 3 &* ldc)
                j &+= 4
            }
            // The last columns one at a time, two partial sums over p for a long k.
            while j < n {
                let bj = b + j &* bColumn
                var even = SIMD4<Scalar>(), odd = SIMD4<Scalar>()
                var p = 0
                while p &+ 2 <= k {
                    even += load4(ai + p &* aStep) * bj[p &* bStep]
                    odd += load4(ai + (p &+ 1) &* aStep) * bj[(p &+ 1) &* bStep]
                    p &+= 2
                }
                if p < k { even += load4(ai + p &* aStep) * bj[p &* bStep] }
                store4(even + odd, alpha: alpha, beta: beta, at: c + (i &+ j &* ldc))
                j &+= 1
            }
            i &+= 4
        }
        while i < m {
            let ai = a + i &* aRow
            var j = 0
            if transB == .transposed {
                // op(B)[p, j..<j+4] = b[p * ldb + j ..< +4] is contiguous: stream rows of B.
                while j &+ 4 <= n {
                    let bj = b + j
                    var even = SIMD4<Scalar>(), odd = SIMD4<Scalar>()
                    var p = 0
                    while p &+ 2 <= k {
                        even += load4(bj + p &* bStep) * ai[p &* aStep]
                        odd += load4(bj + (p &+ 1) &* bStep) * ai[(p &+ 1) &* aStep]
                        p &+= 2
                    }
                    if p < k { even += load4(bj + p &* bStep) * ai[p &* aStep] }
                    let sum = even + odd
                    for lane in 0..<4 {
                        store(sum[lane], alpha: alpha, beta: beta, at: c + (i &+ (j &+ lane) &* ldc))
                    }
                    j &+= 4
                }
            }
            let contiguous = aStep == 1 && bStep == 1
            while j < n {
                let bj = b + j &* bColumn
                var p = 0
                var sum: Scalar = 0
                if contiguous {
                    // Row i of op(A) and column j of op(B) are both contiguous: a SIMD dot.
                    var even = SIMD4<Scalar>(), odd = SIMD4<Scalar>()
                    while p &+ 8 <= k {
                        even += load4(ai + p) * load4(bj + p)
                        odd += load4(ai + (p &+ 4)) * load4(bj + (p &+ 4))
                        p &+= 8
                    }
                    if p &+ 4 <= k {
                        even += load4(ai + p) * load4(bj + p)
                        p &+= 4
                    }
                    sum = (even + odd).sum()
                    while p < k {
                        sum += ai[p] * bj[p]
                        p &+= 1
                    }
                } else {
                    var s0: Scalar = 0, s1: Scalar = 0, s2: Scalar = 0, s3: Scalar = 0
                    while p &+ 4 <= k {
                        s0 += ai[p &* aStep] * bj[p &* bStep]
                        s1 += ai[(p &+ 1) &* aStep] * bj[(p &+ 1) &* bStep]
                        s2 += ai[(p &+ 2) &* aStep] * bj[(p &+ 2) &* bStep]
                        s3 += ai[(p &+ 3) &* aStep] * bj[(p &+ 3) &* bStep]
                        p &+= 4
                    }
                    while p < k {
                        s0 += ai[p &* aStep] * bj[p &* bStep]
                        p &+= 1
                    }
                    sum = (s0 + s1) + (s2 + s3)
                }
                store(sum, alpha: alpha, beta: beta, at: c + (i &+ j &* ldc))
                j &+= 1
            }
            i &+= 1
        }
    }
}
