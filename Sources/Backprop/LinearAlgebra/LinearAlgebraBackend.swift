/// Whether a GEMM operand is used as stored or transposed (`op(A) = A` or `Aᵀ`).
public enum Transpose: Sendable, Equatable {
    case none
    case transposed

    /// The flag as a Fortran BLAS character (`N` or `T`).
    var blasCharacter: CChar { self == .none ? 78 : 84 }
}

/// The narrow seam between Backprop and whatever does its dense linear algebra.
///
/// Every matrix is **column-major** (the course's `(n, m)` shapes: one example per column),
/// exactly as the reference Fortran BLAS takes it:
///
///     C ← α · op(A) · op(B) + β · C
///
/// where `op(A)` is `(m, k)`, `op(B)` is `(k, n)` and `C` is `(m, n)`, and each leading
/// dimension is the stride between columns of the *stored* matrix. A backend only has to
/// provide the two GEMMs; everything else in Backprop is written in Swift around them, so a
/// GPU or distributed backend later plugs in here.
public protocol LinearAlgebraBackend: Sendable {
    /// A short identifier: `openblas`, `blis`, `reference-blas`, `accelerate` or `builtin`.
    var name: String { get }
    /// The library's own description of itself (for OpenBLAS, `openblas_get_config()`).
    var version: String { get }
    /// Where the library was loaded from, when it was loaded at run time.
    var location: String? { get }
    /// How the backend or its kernels were chosen, when that needs saying (a system BLAS
    /// passed over, a core type set); `nil` when there is nothing to say.
    var note: String? { get }
    /// The number of threads the backend uses for one GEMM.
    var threadCount: Int { get }
    /// Asks the backend to use `count` threads (ignored by single-threaded backends).
    func setThreadCount(_ count: Int)

    /// Single-precision GEMM, column-major: `C ← α op(A) op(B) + β C`.
    func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)

    /// Double-precision GEMM, column-major: `C ← α op(A) op(B) + β C`.
    func dgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int)
}

extension LinearAlgebraBackend {
    /// `nil`: nothing to say about how the backend was chosen.
    public var note: String? { nil }
}
