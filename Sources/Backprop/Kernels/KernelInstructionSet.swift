import BackpropKernels
import Foundation

/// The instruction set that Backprop's own kernels (the built-in GEMM, the vectorised
/// activations and losses) run at, chosen once at run time from what the CPU supports.
///
/// A portable build of the package targets the architecture's baseline (SSE2 on x86-64), so
/// the fast kernels live in a C target, compiled there for each instruction set, and this
/// choice routes every call. Every version performs the same operations in the same order on
/// each element, so they agree bit for bit; only their speed differs.
///
/// The environment variable `BACKPROP_KERNELS` (`baseline`, `avx2` or `avx512`) can lower the
/// choice, to compare versions or to reproduce a slower machine's run.
public enum KernelInstructionSet: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// The architecture's baseline: SSE2 on x86-64, NEON on arm64.
    case baseline = 0
    /// x86-64 with AVX2 and FMA.
    case avx2 = 1
    /// x86-64 with AVX-512 (F, DQ, BW, VL).
    case avx512 = 2

    /// The instruction set the kernels use now.
    public static var current: KernelInstructionSet {
        KernelInstructionSet(rawValue: Int(bp_kernel_level().rawValue)) ?? .baseline
    }

    /// The best instruction set this CPU supports.
    public static var supported: KernelInstructionSet {
        KernelInstructionSet(rawValue: Int(bp_kernel_level_supported().rawValue)) ?? .baseline
    }

    /// Makes later kernel calls use `level`, or the best this CPU supports below it, and
    /// returns the level now in effect. Meant for tests and benchmarks that compare versions.
    @discardableResult
    public static func use(_ level: KernelInstructionSet) -> KernelInstructionSet {
        KernelInstructionSet(rawValue: Int(bp_set_kernel_level(BPKernelLevel(UInt32(level.rawValue))).rawValue)) ?? .baseline
    }

    /// The environment variable that can lower the choice.
    public static let environmentVariable = "BACKPROP_KERNELS"

    /// Checks `BACKPROP_KERNELS`: unset, empty, `baseline`, `avx2` or `avx512`.
    /// - Throws: ``BackpropError/invalidArgument(_:)`` naming the value otherwise (the kernels
    ///   themselves would ignore it and use the best level).
    public static func validateEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let value = environment[environmentVariable], !value.isEmpty else { return }
        guard ["baseline", "avx2", "avx512"].contains(value) else {
            throw BackpropError.invalidArgument("\(environmentVariable) must be baseline, avx2 or avx512; got '\(value)'")
        }
    }

    /// A short name: `baseline (sse2)`, `avx2+fma` or `avx512`.
    public var description: String {
        String(cString: bp_kernel_level_name(BPKernelLevel(UInt32(rawValue))))
    }
}
