import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Open MPI, opened with `dlopen` at run time, as the BLAS is: nothing about MPI is linked at
/// build time, so Backprop builds and runs on a machine without it, and only a data-parallel
/// run (``MPIReducer``) needs it.
///
/// The library is `BACKPROP_MPI` when that is set, otherwise Open MPI's `libmpi.so.40` (then
/// `libmpi.so`, `libmpi.dylib`). Open MPI's `MPI_COMM_WORLD`, `MPI_DOUBLE`, `MPI_SUM` … are
/// macros over the addresses of exported globals (`ompi_mpi_comm_world`, `ompi_mpi_double`,
/// `ompi_mpi_op_sum`), so the handles are those addresses, taken with `dlsym`. MPICH's ABI
/// (integer handles, `libmpi.so.12`) is recognised and refused by name: its handles differ.
///
/// Every call goes through the calling thread; Backprop makes MPI calls from one thread only
/// (`MPI_THREAD_SERIALIZED`), while its own worker threads compute.
public final class MPILibrary: @unchecked Sendable {
    // @unchecked: every stored property is immutable after `init`; the library's entry points
    // are called from one thread at a time (MPI_THREAD_SERIALIZED).

    typealias Handle = OpaquePointer
    typealias InitThread = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?, Int32, UnsafeMutablePointer<Int32>?) -> Int32
    typealias Flag = @convention(c) (UnsafeMutablePointer<Int32>?) -> Int32
    typealias NoArguments = @convention(c) () -> Int32
    typealias CommInt = @convention(c) (Handle?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias Allgather = @convention(c) (UnsafeRawPointer?, Int32, Handle?, UnsafeMutableRawPointer?, Int32, Handle?, Handle?) -> Int32
    typealias IreduceScatterBlock = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle?, Handle?, Handle?, UnsafeMutablePointer<Handle?>?) -> Int32
    typealias Iallgather = @convention(c) (UnsafeRawPointer?, Int32, Handle?, UnsafeMutableRawPointer?, Int32, Handle?, Handle?, UnsafeMutablePointer<Handle?>?) -> Int32
    typealias Test = @convention(c) (UnsafeMutablePointer<Handle?>?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?) -> Int32
    typealias Waitall = @convention(c) (Int32, UnsafeMutablePointer<Handle?>?, UnsafeMutableRawPointer?) -> Int32
    typealias Testall = @convention(c) (Int32, UnsafeMutablePointer<Handle?>?, UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?) -> Int32
    typealias Abort = @convention(c) (Handle?, Int32) -> Int32
    typealias Text = @convention(c) (UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias ErrorText = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int32>?) -> Int32
    typealias SetErrorHandler = @convention(c) (Handle?, Handle?) -> Int32

    /// The file that was opened (as given to `dlopen`).
    public let location: String
    /// `MPI_Get_library_version`'s first line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, …".
    public let version: String

    private let handle: UnsafeMutableRawPointer
    let initThread: InitThread
    let initialized: Flag
    let finalized: Flag
    let finalizeCall: NoArguments
    let commRank: CommInt
    let commSize: CommInt
    let allgather: Allgather
    let ireduceScatterBlock: IreduceScatterBlock
    let iallgather: Iallgather
    let test: Test
    let waitall: Waitall
    let testall: Testall
    let abortCall: Abort
    let errorString: ErrorText
    let setErrorHandler: SetErrorHandler
    /// `MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_DOUBLE`, `MPI_UINT64_T`, `MPI_SUM`, `MPI_ERRORS_RETURN`.
    let world: Handle, float: Handle, double: Handle, uint64: Handle, sum: Handle, errorsReturn: Handle

    /// The library names tried, in order, when `BACKPROP_MPI` is not set.
    public static let defaultNames = ["libmpi.so.40", "libmpi.so", "libmpi.40.dylib", "libmpi.dylib"]

    /// Opens `BACKPROP_MPI` or the first of ``defaultNames`` that loads.
    /// - Throws: ``BackpropError/backendUnavailable(_:)`` naming every library tried and why each failed.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MPILibrary {
        if let path = environment["BACKPROP_MPI"], !path.isEmpty {
            do { return try MPILibrary(path: path) } catch let BackpropError.backendUnavailable(reason) {
                throw BackpropError.backendUnavailable("BACKPROP_MPI=\(path) cannot be used: \(reason)")
            }
        }
        var failures: [String] = []
        for name in defaultNames {
            do { return try MPILibrary(path: name) } catch let BackpropError.backendUnavailable(reason) { failures.append(reason) }
        }
        throw BackpropError.backendUnavailable(
            "no MPI library could be loaded (tried \(defaultNames.joined(separator: ", ")): \(failures.joined(separator: "; "))); install Open MPI (Debian: apt-get install openmpi-bin) or name its libmpi with BACKPROP_MPI")
    }

    /// Opens the MPI library at `path` (a path or a name the dynamic loader finds).
    public init(path: String) throws {
        // RTLD_GLOBAL: Open MPI dlopens its own components, which look for libmpi's symbols.
        guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            // dlerror usually starts with the path already.
            throw BackpropError.backendUnavailable(reason.hasPrefix(path) ? reason : "\(path): \(reason)")
        }
        func function<F>(_ name: String, as _: F.Type) throws -> F {
            guard let pointer = dlsym(handle, name) else {
                throw BackpropError.backendUnavailable("\(path) has no \(name)")
            }
            return unsafeBitCast(pointer, to: F.self)
        }
        func global(_ name: String) throws -> Handle {
            guard let pointer = dlsym(handle, name) else {
                throw BackpropError.backendUnavailable("\(path) has no \(name)")
            }
            return OpaquePointer(pointer)
        }
        do {
            guard dlsym(handle, "ompi_mpi_comm_world") != nil else {
                let flavour = dlsym(handle, "MPIR_Init_thread") != nil || path.contains(".so.12") ? "MPICH (integer handles)" : "not Open MPI"
                throw BackpropError.backendUnavailable("\(path) is \(flavour); Backprop speaks Open MPI's ABI (libmpi.so.40)")
            }
            initThread = try function("MPI_Init_thread", as: InitThread.self)
            initialized = try function("MPI_Initialized", as: Flag.self)
            finalized = try function("MPI_Finalized", as: Flag.self)
            finalizeCall = try function("MPI_Finalize", as: NoArguments.self)
            commRank = try function("MPI_Comm_rank", as: CommInt.self)
            commSize = try function("MPI_Comm_size", as: CommInt.self)
            allgather = try function("MPI_Allgather", as: Allgather.self)
            ireduceScatterBlock = try function("MPI_Ireduce_scatter_block", as: IreduceScatterBlock.self)
            iallgather = try function("MPI_Iallgather", as: Iallgather.self)
            test = try function("MPI_Test", as: Test.self)
            waitall = try function("MPI_Waitall", as: Waitall.self)
            testall = try function("MPI_Testall", as: Testall.self)
            abortCall = try function("MPI_Abort", as: Abort.self)
            errorString = try function("MPI_Error_string", as: ErrorText.self)
            setErrorHandler = try function("MPI_Comm_set_errhandler", as: SetErrorHandler.self)
            world = try global("ompi_mpi_comm_world")
            float = try global("ompi_mpi_float")
            double = try global("ompi_mpi_double")
            uint64 = try global("ompi_mpi_uint64_t")
            sum = try global("ompi_mpi_op_sum")
            errorsReturn = try global("ompi_mpi_errors_return")
            let libraryVersion = try function("MPI_Get_library_version", as: Text.self)
            // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI; leave room for any build.
            var buffer = [CChar](repeating: 0, count: 8192)
            var length: Int32 = 0
            _ = libraryVersion(&buffer, &length)
            let text = String(decoding: buffer.prefix(Int(max(0, min(length, 8191)))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            version = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ",\u{0}"))) } ?? "Open MPI"
        } catch {
            dlclose(handle)
            throw error
        }
        self.handle = handle
        location = path
    }

    /// Whether `MPI_Init` has run in this process.
    public var isInitialized: Bool {
        var flag: Int32 = 0
        _ = initialized(&flag)
        return flag != 0
    }

    /// Whether `MPI_Finalize` has run in this process.
    public var isFinalized: Bool {
        var flag: Int32 = 0
        _ = finalized(&flag)
        return flag != 0
    }

    /// `MPI_Finalize`, once (later calls do nothing).
    public func finalize() {
        if isInitialized && !isFinalized { _ = finalizeCall() }
    }

    /// `MPI_Abort(MPI_COMM_WORLD, code)`: ends every rank of the job (the launcher kills them).
    public func abort(code: Int32) -> Never {
        _ = abortCall(world, code)
        exit(code)
    }

    /// Throws when an MPI call returned an error code, naming the call and MPI's own words.
    func check(_ code: Int32, _ call: String) throws {
        guard code != 0 else { return }
        var buffer = [CChar](repeating: 0, count: 1024)
        var length: Int32 = 0
        _ = errorString(code, &buffer, &length)
        let text = String(decoding: buffer.prefix(Int(max(0, min(length, 1023)))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw BackpropError.backendUnavailable("\(call) failed (MPI error \(code): \(text)); a rank may have died")
    }
}
