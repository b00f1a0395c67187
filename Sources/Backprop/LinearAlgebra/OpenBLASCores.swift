import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// OpenBLAS's choice of kernels, checked against what the CPU can run.
///
/// An OpenBLAS built with `DYNAMIC_ARCH` (every distribution's) picks its kernels when it is
/// loaded, from a table of CPU models it knows. A CPU newer than the library is not in that
/// table and gets a generic core: Debian 12's OpenBLAS 0.3.21 takes an Intel Xeon of family 6
/// model 207 (Emerald Rapids, AVX-512) for a Prescott and runs its SSE3 kernels, 64 GFLOP/s
/// for a 1024² SGEMM on two cores where its SkylakeX kernels give 300 on the same machine.
///
/// When the loaded library reports such a core (``suits(_:_:)`` is false for the CPU's
/// ``KernelInstructionSet/supported`` level) and `OPENBLAS_CORETYPE` is not set, Backprop
/// closes it and opens it again with `OPENBLAS_CORETYPE` set to the core for that level
/// (``coreType(for:)``), the variable OpenBLAS documents for this, unset again once the library
/// has read it. If the second load still reports a weak core (the library could not be
/// unloaded, or refused the core), the caller falls back to the built-in GEMM, whose kernels
/// use the CPU's level.
///
/// A core type the user set is never overridden, but it is not followed into slower products
/// either: when `OPENBLAS_CORETYPE` holds OpenBLAS to kernels below the CPU's level (an image
/// that sets `OPENBLAS_CORETYPE=Haswell` for every program, on an AVX-512 Zen 5: 250 against the
/// built-in GEMM's 438 GFLOP/s for a 1024² SGEMM on two cores), the library comes back
/// ``Outcome/weak(_:)`` and the system search uses the built-in GEMM. `BACKPROP_BLAS` naming
/// the library still uses it, on the core the user chose.
enum OpenBLASCores {
    /// The variable OpenBLAS reads, when it loads, to override its CPU detection.
    static let variable = "OPENBLAS_CORETYPE"

    /// Whether OpenBLAS's core `name` (as `openblas_get_corename()` reports it) has GEMM
    /// kernels for `level`: AVX-512 kernels for ``KernelInstructionSet/avx512``, AVX2 with FMA
    /// (or better) for ``KernelInstructionSet/avx2``. Any core suits the baseline, and any
    /// core suits a CPU that is not x86-64 (this check is about x86's generic fallbacks).
    static func suits(_ name: String, _ level: KernelInstructionSet) -> Bool {
        #if arch(x86_64)
        let core = name.lowercased()
        let avx512 = ["skylakex", "cooperlake", "sapphirerapids"]
        switch level {
        case .baseline: return true
        case .avx2: return avx512.contains(core) || ["haswell", "zen"].contains(core)
        case .avx512: return avx512.contains(core)
        }
        #else
        return true
        #endif
    }

    /// The core type to ask OpenBLAS for on a CPU at `level`, or `nil` for the baseline.
    static func coreType(for level: KernelInstructionSet) -> String? {
        switch level {
        case .baseline: nil
        case .avx2: "Haswell"
        case .avx512: "SkylakeX"
        }
    }

    /// What opening `path` gave: the library with kernels for the CPU (or one whose choice
    /// is the user's), or one still on a weak core, its ``DynamicBLAS/note`` saying why.
    enum Outcome {
        case library(DynamicBLAS)
        case weak(DynamicBLAS)
    }

    /// Opens the BLAS at `path`; if it is an OpenBLAS that chose kernels below this CPU's level,
    /// opens it again with the core type set (see the type's documentation).
    ///
    /// - Parameters:
    ///   - environment: the process's environment, as ``LinearAlgebra`` read it
    ///     (`OPENBLAS_CORETYPE` in it, or in the process's own environment, means the user
    ///     chose).
    ///   - level: the CPU's level (``KernelInstructionSet/supported``; a parameter for tests).
    /// - Throws: what ``DynamicBLAS/init(path:)`` throws.
    static func open(
        path: String, environment: [String: String], level: KernelInstructionSet = .supported
    ) throws -> Outcome {
        // One open at a time: a second open racing the close below would hold the weak copy
        // loaded, and the variable is set for the process while the library reads it.
        try lock.withLock {
            var first: DynamicBLAS? = try DynamicBLAS(path: path)
            guard let core = first?.coreName else { return .library(first!) }
            // The user's choice: in the environment given, or in the process's own (a reopening
            // sets and then unsets the variable, which must never clobber a value the user set).
            let chosen = environment[variable] ?? getenv(variable).map { String(cString: $0) }
            let wanted: String
            switch decision(core: core, userChoice: chosen, level: level) {
            case .keep:
                return .library(first!)
            case .passOver:
                // The same loaded library again, carrying the reason (a reference more).
                let reason = "\(variable)=\(chosen ?? core) holds OpenBLAS to \(core)'s kernels on this CPU (\(level))"
                return .weak(try DynamicBLAS(path: path, note: reason))
            case let .reopen(coreType):
                wanted = coreType
            }
            first = nil  // closes the library, so the next open loads it afresh
            setenv(variable, wanted, 1)
            defer { unsetenv(variable) }
            let why = "OpenBLAS took this CPU (\(level)) for \(core) and chose that core's kernels"
            let second = try DynamicBLAS(path: path, note: "\(why); Backprop opened it again with \(variable)=\(wanted)")
            guard let now = second.coreName, suits(now, level) else {
                let reason = "\(why); \(variable)=\(wanted) did not take effect (set \(variable) to choose them yourself)"
                // The same loaded library again, this time carrying the reason (a reference
                // more, not a second load).
                return .weak(try DynamicBLAS(path: path, note: reason))
            }
            return .library(second)
        }
    }

    /// What to do with an OpenBLAS that chose `core` on a CPU at `level`.
    enum Decision: Equatable {
        /// Use it: the core suits the level (or there is nothing better to ask for).
        case keep
        /// Open it again with `OPENBLAS_CORETYPE` set to this core type.
        case reopen(String)
        /// The user's `OPENBLAS_CORETYPE` holds it below the level: leave it for the built-in
        /// GEMM, whose kernels follow the CPU.
        case passOver
    }

    /// The decision for an OpenBLAS that chose `core` on a CPU at `level`, with `userChoice` the
    /// value of `OPENBLAS_CORETYPE` in the environment (`nil` when unset).
    static func decision(core: String, userChoice: String?, level: KernelInstructionSet) -> Decision {
        guard !suits(core, level), let wanted = coreType(for: level) else { return .keep }
        return userChoice == nil ? .reopen(wanted) : .passOver
    }

    private static let lock = NSLock()
}
