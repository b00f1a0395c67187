#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A system BLAS opened with `dlopen` at run time: OpenBLAS, BLIS, the reference BLAS, or
/// Accelerate on Apple platforms. Nothing is linked at build time, so a bare machine still
/// builds Backprop and runs it on ``PortableGEMM``.
///
/// The CBLAS entry points (`cblas_sgemm`, `cblas_dgemm`) are used when the library exports
/// them, the Fortran ones (`sgemm_`, `dgemm_`) otherwise. The library is identified by the
/// symbols it exports, not by its file name (`libblas.so.3` is often OpenBLAS in disguise).
public final class DynamicBLAS: LinearAlgebraBackend, @unchecked Sendable {
    // @unchecked: every stored property is immutable after `init`; the C functions they
    // point to are thread-safe entry points of the loaded library.

    private typealias CBLASSGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias CBLASDGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
        UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    private typealias FortranSGEMM = @convention(c) (
        UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<Int32>?,
        UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Float>?, UnsafePointer<Float>?,
        UnsafePointer<Int32>?, UnsafePointer<Float>?, UnsafePointer<Int32>?, UnsafePointer<Float>?,
        UnsafeMutablePointer<Float>?, UnsafePointer<Int32>?, Int, Int) -> Void
    private typealias FortranDGEMM = @convention(c) (
        UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<Int32>?,
        UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Double>?, UnsafePointer<Double>?,
        UnsafePointer<Int32>?, UnsafePointer<Double>?, UnsafePointer<Int32>?, UnsafePointer<Double>?,
        UnsafeMutablePointer<Double>?, UnsafePointer<Int32>?, Int, Int) -> Void

    public let name: String
    public let version: String
    public let location: String?
    /// How the library's kernels were chosen, when Backprop had a hand in it (see
    /// ``LinearAlgebraBackend/note``).
    public let note: String?
    /// OpenBLAS's core, as `openblas_get_corename()` reports it (`Haswell`, `SkylakeX`,
    /// `Prescott`, …): the kernels it runs; `nil` for other libraries.
    public let coreName: String?
    private let handle: UnsafeMutableRawPointer
    private let cblasSGEMM: CBLASSGEMM?
    private let cblasDGEMM: CBLASDGEMM?
    private let fortranSGEMM: FortranSGEMM?
    private let fortranDGEMM: FortranDGEMM?
    private let getThreads: (@convention(c) () -> Int32)?
    private let setThreads: (@convention(c) (Int32) -> Void)?
    private let getThreadsBLIS: (@convention(c) () -> Int)?
    private let setThreadsBLIS: (@convention(c) (Int) -> Void)?

    /// Opens the BLAS at `path` (a file path or a library name the dynamic loader can find).
    ///
    /// - Throws: ``BackpropError/backendUnavailable(_:)`` naming the library and the loader's
    ///   reason when it cannot be opened or exports no GEMM.
    public convenience init(path: String) throws {
        try self.init(path: path, note: nil)
    }

    /// Opens the BLAS at `path`, with `note` saying how its kernels were chosen.
    init(path: String, note: String?) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw BackpropError.backendUnavailable("cannot load BLAS library '\(path)': \(reason)")
        }
        func symbol<F>(_ name: String, as _: F.Type) -> F? {
            dlsym(handle, name).map { unsafeBitCast($0, to: F.self) }
        }
        let cblasSGEMM = symbol("cblas_sgemm", as: CBLASSGEMM.self)
        let cblasDGEMM = symbol("cblas_dgemm", as: CBLASDGEMM.self)
        let useCBLAS = cblasSGEMM != nil && cblasDGEMM != nil
        let fortranSGEMM = useCBLAS ? nil : symbol("sgemm_", as: FortranSGEMM.self)
        let fortranDGEMM = useCBLAS ? nil : symbol("dgemm_", as: FortranDGEMM.self)
        guard useCBLAS || (fortranSGEMM != nil && fortranDGEMM != nil) else {
            dlclose(handle)
            throw BackpropError.backendUnavailable(
                "BLAS library '\(path)' exports neither cblas_sgemm/cblas_dgemm nor sgemm_/dgemm_")
        }
        self.handle = handle
        self.cblasSGEMM = useCBLAS ? cblasSGEMM : nil
        self.cblasDGEMM = useCBLAS ? cblasDGEMM : nil
        self.fortranSGEMM = fortranSGEMM
        self.fortranDGEMM = fortranDGEMM
        self.location = path
        self.note = note
        getThreads = symbol("openblas_get_num_threads", as: (@convention(c) () -> Int32).self)
        setThreads = symbol("openblas_set_num_threads", as: (@convention(c) (Int32) -> Void).self)
        getThreadsBLIS = symbol("bli_thread_get_num_threads", as: (@convention(c) () -> Int).self)
        setThreadsBLIS = symbol("bli_thread_set_num_threads", as: (@convention(c) (Int) -> Void).self)
        typealias CString = @convention(c) () -> UnsafePointer<CChar>?
        coreName = symbol("openblas_get_corename", as: CString.self).flatMap { $0() }.map { String(cString: $0) }
        if let config = symbol("openblas_get_config", as: CString.self) {
            name = "openblas"
            version = config().map { String(cString: $0) } ?? "OpenBLAS"
        } else if let info = symbol("bli_info_get_version_str", as: CString.self) {
            name = "blis"
            version = "BLIS " + (info().map { String(cString: $0) } ?? "")
        } else if path.contains("Accelerate") {
            name = "accelerate"
            version = "Apple Accelerate (vecLib)"
        } else {
            name = "reference-blas"
            version = "BLAS (\(path)), version not reported"
        }
    }

    deinit { dlclose(handle) }

    public var threadCount: Int {
        if let getThreads { return Int(getThreads()) }
        if let getThreadsBLIS { return Swift.max(getThreadsBLIS(), 1) }
        return 1
    }

    public func setThreadCount(_ count: Int) {
        let count = Swift.max(count, 1)
        setThreads?(Int32(clamping: count))
        setThreadsBLIS?(count)
    }

    public func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        Self.checkSize(m, n, k, lda, ldb, ldc)
        let beta = Self.clearing(c, m: m, n: n, k: k, ldc: ldc, beta: beta)
        if let f = cblasSGEMM {
            f(Self.columnMajor, Self.flag(transA), Self.flag(transB), Int32(m), Int32(n), Int32(k),
              alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        } else {
            var (ta, tb) = (transA.blasCharacter, transB.blasCharacter)
            var (m32, n32, k32) = (Int32(m), Int32(n), Int32(k))
            var (lda32, ldb32, ldc32) = (Int32(lda), Int32(ldb), Int32(ldc))
            var (alpha, beta) = (alpha, beta)
            fortranSGEMM!(&ta, &tb, &m32, &n32, &k32, &alpha, a, &lda32, b, &ldb32, &beta, c, &ldc32, 1, 1)
        }
    }

    public func dgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        Self.checkSize(m, n, k, lda, ldb, ldc)
        let beta = Self.clearing(c, m: m, n: n, k: k, ldc: ldc, beta: beta)
        if let f = cblasDGEMM {
            f(Self.columnMajor, Self.flag(transA), Self.flag(transB), Int32(m), Int32(n), Int32(k),
              alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        } else {
            var (ta, tb) = (transA.blasCharacter, transB.blasCharacter)
            var (m32, n32, k32) = (Int32(m), Int32(n), Int32(k))
            var (lda32, ldb32, ldc32) = (Int32(lda), Int32(ldb), Int32(ldc))
            var (alpha, beta) = (alpha, beta)
            fortranDGEMM!(&ta, &tb, &m32, &n32, &k32, &alpha, a, &lda32, b, &ldb32, &beta, c, &ldc32, 1, 1)
        }
    }

    /// `CblasColMajor`.
    private static let columnMajor: Int32 = 102

    /// `CblasNoTrans` (111) or `CblasTrans` (112).
    private static func flag(_ t: Transpose) -> Int32 { t == .none ? 111 : 112 }

    /// The `β` to call the library with: for `β = 0` and a short `k` (below 512), `C` is
    /// cleared here (a `memset`) and the product accumulates onto it (`β = 1`), the same values.
    ///
    /// OpenBLAS clears `C` for `β = 0` with a loop slower than `memset`, which shows where `k` is
    /// short: a training step's `dW` (`(256 × 392)`, `k = 64`, one thread, Zen 3) took
    /// 191–213 µs with `β = 0` and 175–180 µs cleared first; `sgemm_beta_ZEN` was 4% of an MNIST
    /// MLP epoch. A long `k` (a large product, which OpenBLAS's threads share, clearing
    /// included) is left as asked.
    @inline(__always)
    private static func clearing<T: BinaryFloatingPoint>(
        _ c: UnsafeMutablePointer<T>, m: Int, n: Int, k: Int, ldc: Int, beta: T
    ) -> T {
        guard beta == 0, k < 512, m > 0, n > 0 else { return beta }
        precondition(ldc >= m, "ldc \(ldc) is below the \(m) rows of C")
        let bytes = m * MemoryLayout<T>.stride
        if ldc == m {
            memset(c, 0, bytes * n)
        } else {
            for j in 0..<n { memset(c + j * ldc, 0, bytes) }
        }
        return 1
    }

    private static func checkSize(_ sizes: Int...) {
        precondition(sizes.allSatisfy { $0 <= Int(Int32.max) },
            "matrix dimension exceeds the 32-bit BLAS interface")
    }
}
