import BackpropKernels

/// The built-in GEMM's C kernels (BackpropKernels' GEMM section) for one instruction set: a
/// register tile of two vectors by `nr` columns with fused multiply-add, 16 × 6 Float and 8 × 6
/// Double with AVX2, 32 × 14 Float and 16 × 14 Double with AVX-512, and the blocking that goes
/// with it (`mc` and `nc` from the caches the system reports).
///
/// Every level here gives the same bits (the slice depth `kc` is the same at each, and each
/// element of C takes the same fused operations in the same order), which differ from the
/// portable Swift kernels' by the rounding that fusing saves: see ``PortableGEMM``.
struct NativeGEMMKernels<Scalar: NativeGEMMScalar>: GEMMKernels {
    /// The instruction set, one the CPU supports.
    let level: BPKernelLevel
    let mr: Int, nr: Int, kc: Int, mc: Int, nc: Int

    /// The kernels for `instructionSet`, one the CPU supports (see
    /// ``PortableGEMM/effectiveInstructionSet``).
    init(_ instructionSet: KernelInstructionSet) {
        level = BPKernelLevel(UInt32(instructionSet.rawValue))
        let blocking = bp_gemm_blocking(level, MemoryLayout<Scalar>.size)
        mr = blocking.mr
        nr = blocking.nr
        kc = blocking.kc
        mc = blocking.mc
        nc = blocking.nc
    }

    func packA(_ a: GEMMOperand<Scalar>, m: Int, k: Int, into packed: UnsafeMutablePointer<Scalar>) {
        Scalar.packA(level, a.base, a.ld, a.transposed ? 1 : 0, m, k, packed)
    }

    func packB(
        _ b: GEMMOperand<Scalar>, k: Int, n: Int, alpha: Scalar,
        into packed: UnsafeMutablePointer<Scalar>
    ) {
        Scalar.packB(level, b.base, b.ld, b.transposed ? 1 : 0, k, n, alpha, packed)
    }

    func multiplyTiles(
        m: Int, n: Int, k: Int,
        packedA: UnsafePointer<Scalar>, packedB: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, update: GEMMUpdate, beta: Scalar
    ) {
        let mode = update.mode
        Scalar.multiplyTiles(level, m, n, k, packedA, 0, packedB, c, ldc, mode, beta)
    }

    var readsUnpackedA: Bool { true }

    func multiplyTiles(
        m: Int, n: Int, k: Int,
        unpackedA: UnsafePointer<Scalar>, lda: Int, packedB: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, update: GEMMUpdate, beta: Scalar
    ) {
        precondition(m % mr == 0 && lda >= m)
        Scalar.multiplyTiles(level, m, n, k, unpackedA, lda, packedB, c, ldc, update.mode, beta)
    }
}

extension GEMMUpdate {
    /// The C kernels' name for the update.
    var mode: BPGEMMUpdate {
        switch self {
        case .overwrite: BPGEMMUpdateOverwrite
        case .accumulate: BPGEMMUpdateAccumulate
        case .scale: BPGEMMUpdateScale
        }
    }
}

/// Float and Double, each with its own C entry points (see BackpropKernels.h).
protocol NativeGEMMScalar: BinaryFloatingPoint & Sendable {
    static func packA(
        _ level: BPKernelLevel, _ a: UnsafePointer<Self>, _ lda: Int, _ transposed: Int32,
        _ m: Int, _ k: Int, _ packed: UnsafeMutablePointer<Self>)
    static func packB(
        _ level: BPKernelLevel, _ b: UnsafePointer<Self>, _ ldb: Int, _ transposed: Int32,
        _ k: Int, _ n: Int, _ alpha: Self, _ packed: UnsafeMutablePointer<Self>)
    static func multiplyTiles(
        _ level: BPKernelLevel, _ m: Int, _ n: Int, _ k: Int, _ packedA: UnsafePointer<Self>,
        _ lda: Int, _ packedB: UnsafePointer<Self>, _ c: UnsafeMutablePointer<Self>, _ ldc: Int,
        _ update: BPGEMMUpdate, _ beta: Self)
}

extension Float: NativeGEMMScalar {
    @inline(__always)
    static func packA(
        _ level: BPKernelLevel, _ a: UnsafePointer<Float>, _ lda: Int, _ transposed: Int32,
        _ m: Int, _ k: Int, _ packed: UnsafeMutablePointer<Float>
    ) { bp_sgemm_pack_a(level, a, lda, transposed, m, k, packed) }

    @inline(__always)
    static func packB(
        _ level: BPKernelLevel, _ b: UnsafePointer<Float>, _ ldb: Int, _ transposed: Int32,
        _ k: Int, _ n: Int, _ alpha: Float, _ packed: UnsafeMutablePointer<Float>
    ) { bp_sgemm_pack_b(level, b, ldb, transposed, k, n, alpha, packed) }

    @inline(__always)
    static func multiplyTiles(
        _ level: BPKernelLevel, _ m: Int, _ n: Int, _ k: Int, _ packedA: UnsafePointer<Float>,
        _ lda: Int, _ packedB: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
        _ update: BPGEMMUpdate, _ beta: Float
    ) { bp_sgemm_tiles(level, m, n, k, packedA, lda, packedB, c, ldc, update, beta) }
}

extension Double: NativeGEMMScalar {
    @inline(__always)
    static func packA(
        _ level: BPKernelLevel, _ a: UnsafePointer<Double>, _ lda: Int, _ transposed: Int32,
        _ m: Int, _ k: Int, _ packed: UnsafeMutablePointer<Double>
    ) { bp_dgemm_pack_a(level, a, lda, transposed, m, k, packed) }

    @inline(__always)
    static func packB(
        _ level: BPKernelLevel, _ b: UnsafePointer<Double>, _ ldb: Int, _ transposed: Int32,
        _ k: Int, _ n: Int, _ alpha: Double, _ packed: UnsafeMutablePointer<Double>
    ) { bp_dgemm_pack_b(level, b, ldb, transposed, k, n, alpha, packed) }

    @inline(__always)
    static func multiplyTiles(
        _ level: BPKernelLevel, _ m: Int, _ n: Int, _ k: Int, _ packedA: UnsafePointer<Double>,
        _ lda: Int, _ packedB: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>, _ ldc: Int,
        _ update: BPGEMMUpdate, _ beta: Double
    ) { bp_dgemm_tiles(level, m, n, k, packedA, lda, packedB, c, ldc, update, beta) }
}
