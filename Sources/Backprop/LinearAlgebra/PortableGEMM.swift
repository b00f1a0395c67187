import Foundation

/// Backprop's own GEMM, used when no system BLAS is found.
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
/// blocks of `op(A)` and `op(B)` into contiguous buffers, then run a register-tile kernel over
/// them. Large products are split over `threadCount` threads by column (or row) blocks of `C`.
/// The kernels follow ``KernelInstructionSet/current`` at each call:
///
/// - **AVX2+FMA, AVX-512**: C kernels (BackpropKernels) with fused multiply-add, register
///   tiles of 16 × 6 Float / 8 × 6 Double (AVX2) and 32 × 14 Float / 16 × 14 Double
///   (AVX-512), blocked for the caches the system reports.
/// - **Baseline** (SSE2 on x86-64, NEON on arm64): portable Swift SIMD kernels, 8 × 5 Float
///   and 4 × 5 Double, with separate multiply and add.
///
/// Accuracy: each element of `C` is an ordinary floating-point dot product, accumulated in
/// order of `p` within slices of the inner dimension (256 or 384 deep) that are then added
/// into `C`; so `|computed − exact| ≤ γ_k·(|α|·Σ_p |a_ip||b_pj| + |β c_ij|)` plus one rounding,
/// with `γ_k ≈ k·u` (`u` = 2⁻²⁴ Float, 2⁻⁵³ Double), at every level. The fused levels round
/// once per multiply-add instead of twice, so their results differ from the baseline's in the
/// last bits (within that bound), but AVX2 and AVX-512 give the same bits as each other. At any
/// one level the result is the same from run to run and for every thread count.
public struct PortableGEMM: LinearAlgebraBackend {
    /// Always `builtin`.
    public var name: String { "builtin" }
    /// A short description of the implementation.
    public var version: String {
        let level = effectiveInstructionSet
        guard level != .baseline else {
            return "Backprop built-in GEMM (packed; portable Swift kernels, 8×5 Float, 4×5 Double)"
        }
        let single = NativeGEMMKernels<Float>(level), double = NativeGEMMKernels<Double>(level)
        return "Backprop built-in GEMM (packed; \(level) C kernels, \(single.mr)×\(single.nr) Float, \(double.mr)×\(double.nr) Double)"
    }
    /// Always `nil`: the code is compiled into Backprop, not loaded.
    public var location: String? { nil }
    /// Why the built-in GEMM was chosen over a system BLAS, when one was found and passed over.
    public let note: String?

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
        self.init(threadCount: threadCount, parallelThreshold: Self.defaultParallelThreshold)
    }

    /// `parallelThreshold` outside tests: 2²¹ multiply-adds.
    static var defaultParallelThreshold: Int { 1 << 21 }

    /// The instruction set whose kernels to use, or `nil` for ``KernelInstructionSet/current``
    /// at each call. (Settable here so tests can run every level side by side.)
    let instructionSet: KernelInstructionSet?

    /// The built-in GEMM chosen for the reason `note` (see ``LinearAlgebra``).
    init(note: String) {
        self.init(threadCount: ProcessInfo.processInfo.activeProcessorCount, parallelThreshold: Self.defaultParallelThreshold, note: note)
    }

    init(threadCount: Int, parallelThreshold: Int, instructionSet: KernelInstructionSet? = nil, note: String? = nil) {
        threads = ThreadCountSetting(max(1, threadCount))
        self.note = note
        self.parallelThreshold = parallelThreshold
        self.instructionSet = instructionSet
    }

    /// The instruction set a call made now runs at: the one asked for (or the current one),
    /// lowered to what the CPU supports.
    var effectiveInstructionSet: KernelInstructionSet {
        let requested = (instructionSet ?? KernelInstructionSet.current).rawValue
        return KernelInstructionSet(rawValue: min(requested, KernelInstructionSet.supported.rawValue)) ?? .baseline
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
        let level = effectiveInstructionSet
        if level == .baseline {
            BlockedGEMM(kernels: SIMDGEMMKernels<SIMD8<Float>>()).gemm(
                transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc, threads: threadCount, parallelThreshold: parallelThreshold)
        } else {
            BlockedGEMM(kernels: NativeGEMMKernels<Float>(level)).gemm(
                transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc, threads: threadCount, parallelThreshold: parallelThreshold)
        }
    }

    /// Double-precision GEMM, column-major: `C ← α op(A) op(B) + β C`.
    public func dgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        let level = effectiveInstructionSet
        if level == .baseline {
            BlockedGEMM(kernels: SIMDGEMMKernels<SIMD4<Double>>()).gemm(
                transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc, threads: threadCount, parallelThreshold: parallelThreshold)
        } else {
            BlockedGEMM(kernels: NativeGEMMKernels<Double>(level)).gemm(
                transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc, threads: threadCount, parallelThreshold: parallelThreshold)
        }
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
