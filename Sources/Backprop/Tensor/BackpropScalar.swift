import RealModule

/// The element types Backprop computes in: `Float` and `Double`.
///
/// The protocol ties generic code to the right GEMM, so `Matrix<Float>` and `Matrix<Double>`
/// reach `sgemm` and `dgemm` without a run-time branch.
public protocol BackpropScalar: Real, BinaryFloatingPoint, SIMDScalar, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// A short name for reports and file headers: `float32` or `float64`.
    static var dtypeName: String { get }

    /// `C ← α op(A) op(B) + β C` on `backend`, column-major.
    static func gemm(
        on backend: any LinearAlgebraBackend,
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: BackpropScalar {
    public static var dtypeName: String { "float32" }

    @inlinable
    public static func gemm(
        on backend: any LinearAlgebraBackend,
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        backend.sgemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
            b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

extension Double: BackpropScalar {
    public static var dtypeName: String { "float64" }

    @inlinable
    public static func gemm(
        on backend: any LinearAlgebraBackend,
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        backend.dgemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
            b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}
