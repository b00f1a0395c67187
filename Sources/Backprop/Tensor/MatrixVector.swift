import BackpropKernels

/// `y ← α·A·x + β·y` for one column `x`: a layer applied to one example (batch-1 inference),
/// on Backprop's own kernel (`bp_gemv_f32`/`_f64`, MatrixVector.c), one stream over `A`.
///
/// Batch-1 inference is bound by reading the weights. A large `A` (an MNIST network's first
/// layer, 784 × 256 floats, is 784 KiB) has its rows split across ``LinearAlgebra/threadCount``
/// threads of Backprop's pool (``ParallelFor/partsOnPoolOrSerially(_:_:)``), so each core
/// streams its own rows, and the same rows on every call: the same core's cache keeps them.
/// Each row's sum is the kernel's whatever the split, so the result has the same bits on any
/// number of threads.
enum MatrixVector {
    /// Below this many elements of `A` one thread finishes before a second has started.
    static let minimumElementsToSplit = 65_536
    /// Each thread's rows start at a multiple of this (a 64-byte vector of floats).
    static let rowAlignment = 16

    /// How many threads take a part of an `m` × `k` product.
    static func parts(rows m: Int, columns k: Int, threads: Int) -> Int {
        guard m * k >= minimumElementsToSplit else { return 1 }
        return Swift.max(1, Swift.min(threads, m / (4 * rowAlignment)))
    }

    /// The first row of part `part` of `parts` over `m` rows (`m` for `part == parts`).
    static func firstRow(_ part: Int, of parts: Int, rows m: Int) -> Int {
        part == parts ? m : part * m / parts / rowAlignment * rowAlignment
    }

    /// Runs the product when `Scalar` is `Float` or `Double`; false (nothing done) otherwise.
    /// `A` is column-major `m` × `k` with leading dimension `lda`; `x` has `k` elements, `y` `m`.
    @inline(__always)
    static func run<Scalar: BackpropScalar>(
        m: Int, k: Int, alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
        x: UnsafePointer<Scalar>, beta: Scalar, y: UnsafeMutablePointer<Scalar>,
        threads: Int = LinearAlgebra.threadCount
    ) -> Bool {
        guard Scalar.self == Float.self || Scalar.self == Double.self else { return false }
        let count = parts(rows: m, columns: k, threads: threads)
        ParallelFor.partsOnPoolOrSerially(count) { part in
            let (start, end) = (firstRow(part, of: count, rows: m), firstRow(part + 1, of: count, rows: m))
            guard start < end else { return }
            let (a, y) = (a + start, y + start)
            if Scalar.self == Float.self {
                bp_gemv_f32(end - start, k, unsafeBitCast(alpha, to: Float.self), UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                            UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), unsafeBitCast(beta, to: Float.self),
                            UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self))
            } else {
                bp_gemv_f64(end - start, k, unsafeBitCast(alpha, to: Double.self), UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                            UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), unsafeBitCast(beta, to: Double.self),
                            UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self))
            }
        }
        return true
    }
}
