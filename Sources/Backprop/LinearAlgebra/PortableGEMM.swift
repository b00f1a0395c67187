// Temporary naive stand-in; replaced by the packed SIMD implementation.
public struct PortableGEMM: LinearAlgebraBackend {
    public init() {}
    public var name: String { "builtin" }
    public var version: String { "naive" }
    public var location: String? { nil }
    public var threadCount: Int { 1 }
    public func setThreadCount(_ count: Int) {}
    public func sgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        naive(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public func dgemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        naive(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    func naive<T: BinaryFloatingPoint>(_ ta: Transpose, _ tb: Transpose, _ m: Int, _ n: Int, _ k: Int, _ alpha: T, _ a: UnsafePointer<T>, _ lda: Int, _ b: UnsafePointer<T>, _ ldb: Int, _ beta: T, _ c: UnsafeMutablePointer<T>, _ ldc: Int) {
        for j in 0..<n { for i in 0..<m {
            var s: T = 0
            for p in 0..<k {
                let x = ta == .none ? a[i + p * lda] : a[p + i * lda]
                let y = tb == .none ? b[p + j * ldb] : b[j + p * ldb]
                s += x * y
            }
            c[i + j * ldc] = alpha * s + (beta == 0 ? 0 : beta * c[i + j * ldc])
        } }
    }
}
