/// Chooses the linear-algebra backend once per process, at run time.
///
/// Order of the search:
/// 1. `BACKPROP_BLAS`: a library path or name to `dlopen`, or `builtin` to force
///    ``PortableGEMM``. If it names a library that cannot be loaded, that is an error
///    (``selection`` holds it), never a silent fallback.
/// 2. Apple platforms: Accelerate. Linux: `libopenblas.so.0`, `libblis.so.4`, `libblas.so.3`.
/// 3. ``PortableGEMM``, the built-in Swift GEMM.
///
/// An OpenBLAS that took the CPU for an older one and chose generic kernels (SSE3 on an
/// AVX-512 machine) is opened again with `OPENBLAS_CORETYPE` set to the CPU's core, or passed
/// over for the built-in GEMM when that does not take (see the internal `OpenBLASCores`); the
/// backend's ``LinearAlgebraBackend/note`` says which. A core type the user set is kept, and
/// when it holds OpenBLAS below the CPU's level (`OPENBLAS_CORETYPE=Haswell` on an AVX-512
/// CPU), the search passes OpenBLAS over for the built-in GEMM, whose kernels follow the CPU;
/// `BACKPROP_BLAS` naming the library uses it anyway.
///
/// `BACKPROP_THREADS`, when set to a positive integer, sets ``threadCount``.
public enum LinearAlgebra {
    /// The environment variable that names the BLAS to load, or `builtin`.
    public static let blasVariable = "BACKPROP_BLAS"
    /// The environment variable that sets the thread count.
    public static let threadsVariable = "BACKPROP_THREADS"

    /// The libraries tried, in order, when `BACKPROP_BLAS` is not set.
    public static var systemCandidates: [String] {
        #if canImport(Darwin)
        ["/System/Library/Frameworks/Accelerate.framework/Accelerate"]
        #else
        ["libopenblas.so.0", "libblis.so.4", "libblas.so.3"]
        #endif
    }

    /// The outcome of the search: the backend, or why the requested one could not be loaded.
    public static let selection: Result<any LinearAlgebraBackend, BackpropError> =
        select(environment: currentEnvironment())

    /// The backend every ``Matrix`` product runs on.
    ///
    /// - Precondition: ``selection`` succeeded. Command-line tools should check ``selection``
    ///   first and report its error; a library user who set a bad `BACKPROP_BLAS` stops here
    ///   with that message.
    public static var backend: any LinearAlgebraBackend {
        switch selection {
        case let .success(backend): return backend
        case let .failure(error): fatalError("\(error)")
        }
    }

    /// The thread count Backprop works with: the backend's, and the number of shards a large
    /// training batch is split into. It starts as the backend's own count (after
    /// `BACKPROP_THREADS`) and changes only through ``setThreadCount(_:)``; the trainer's
    /// single-threaded BLAS during a sharded epoch does not change it, so two trainers in one
    /// process see the same value, and a run's shards (and so a sharded run's results) do not
    /// depend on what else is training. (A step with one shard runs its products on the BLAS's
    /// threads, and on one thread while another trainer's sharded step runs: with OpenBLAS's
    /// Zen kernels that changes its bits; see `concurrently`.)
    public static var threadCount: Int { threadSetting.value }

    /// Sets ``threadCount`` (at least 1) and the backend's thread count.
    public static func setThreadCount(_ count: Int) {
        threadSetting.set(Swift.max(1, count), backend: backend)
    }

    /// Runs `body(part)` for `parts` parts of one computation on as many threads, each with a
    /// single-threaded BLAS (the BLAS's own threads, spinning between a shard's small GEMMs,
    /// cost more than they give); the BLAS gets ``threadCount`` back when the last such
    /// section in the process ends. Setting it costs nanoseconds. This is the CPU backend's
    /// business, not the caller's.
    ///
    /// The BLAS's thread count is one setting for the whole process, and it changes results:
    /// OpenBLAS's Zen kernels give other bits for a product on two threads than on one (in
    /// about a third of the elements). So sections are counted: while any is running, in any
    /// trainer, the BLAS stays on one thread, and a section's products never run on more,
    /// whatever another trainer's section does as it ends.
    static func concurrently(_ parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else {
            ParallelFor.parts(parts, body)
            return
        }
        let backend = self.backend
        threadSetting.beginSingleThreaded(backend: backend)
        defer { threadSetting.endSingleThreaded(backend: backend) }
        ParallelFor.parts(parts, body)
    }

    /// `body` with the backend on one thread, as each part of ``concurrently(_:_:)`` runs.
    static func withSingleThreadedBackend<R>(_ body: () -> R) -> R {
        let backend = self.backend
        threadSetting.beginSingleThreaded(backend: backend)
        defer { threadSetting.endSingleThreaded(backend: backend) }
        return body()
    }

    private static let threadSetting = ThreadSetting(
        (try? selection.get()).map { Swift.max(1, $0.threadCount) } ?? 1)

    /// Runs the search against the given environment (exposed for tests and tools).
    public static func select(
        environment: [String: String]
    ) -> Result<any LinearAlgebraBackend, BackpropError> {
        let chosen: any LinearAlgebraBackend
        if let requested = environment[blasVariable], !requested.isEmpty {
            if requested == "builtin" {
                chosen = PortableGEMM()
            } else {
                do {
                    // Asked for by name: used even if its kernels stay weak (the note says so).
                    switch try OpenBLASCores.open(path: requested, environment: environment) {
                    case let .library(library), let .weak(library): chosen = library
                    }
                } catch let error as BackpropError {
                    return .failure(.backendUnavailable("\(blasVariable)=\(requested): \(error)"))
                } catch {
                    return .failure(.backendUnavailable("\(blasVariable)=\(requested): \(error)"))
                }
            }
        } else {
            chosen = systemBLAS(environment: environment)
        }
        if let text = environment[threadsVariable] {
            guard let threads = Int(text), threads > 0 else {
                return .failure(.invalidArgument(
                    "\(threadsVariable)=\(text) is not a positive whole number of threads"))
            }
            chosen.setThreadCount(threads)
        }
        return .success(chosen)
    }

    /// The first system library that loads, or the built-in GEMM. An OpenBLAS left on weak
    /// kernels ends the search: the libraries after it (`libblas.so.3` is often the same
    /// OpenBLAS, or the reference BLAS) would be no better than the built-in GEMM.
    private static func systemBLAS(environment: [String: String]) -> any LinearAlgebraBackend {
        for path in systemCandidates {
            switch try? OpenBLASCores.open(path: path, environment: environment) {
            case let .library(library)?: return library
            case let .weak(library)?:
                return PortableGEMM(note: "\(path) passed over: \(library.note ?? "weak kernels"); \(blasVariable)=\(path) uses it anyway")
            case nil: continue
            }
        }
        return PortableGEMM()
    }

    private static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        for name in [blasVariable, threadsVariable, OpenBLASCores.variable] {
            if let value = getenv(name) { result[name] = String(cString: value) }
        }
        return result
    }
}

/// ``LinearAlgebra/threadCount``'s storage and the count of running single-threaded sections
/// (``LinearAlgebra/concurrently(_:_:)``), under one lock, which also orders every change to
/// the backend's thread count.
private final class ThreadSetting: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int
    private var sections = 0
    init(_ value: Int) { stored = value }
    var value: Int { lock.withLock { stored } }

    /// Sets the count, and the backend's unless a section holds it at one thread.
    func set(_ value: Int, backend: any LinearAlgebraBackend) {
        lock.withLock {
            stored = value
            if sections == 0 { backend.setThreadCount(value) }
        }
    }

    func beginSingleThreaded(backend: any LinearAlgebraBackend) {
        lock.withLock {
            if sections == 0 { backend.setThreadCount(1) }
            sections += 1
        }
    }

    func endSingleThreaded(backend: any LinearAlgebraBackend) {
        lock.withLock {
            sections -= 1
            if sections == 0 { backend.setThreadCount(stored) }
        }
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
