import BackpropKernels

/// Batch normalization's passes over a `(units × examples)` column-major matrix: the batch's
/// moments, the normalization, the backward pass's sums and its `dẐ`, `dZ`.
///
/// `Float` and `Double` run the C kernels of `BackpropKernels` (BatchNormPasses.c) at the
/// instruction set ``KernelInstructionSet/current``; the Swift loops here are the reference
/// they are tested against, bit for bit. Each loop sums over the examples in column order, one
/// sum per unit; the kernels only take several units at a time (the Swift build targets the
/// baseline instruction set, which left these loops at a fifth of the vector width), so the
/// results are the same on every CPU. The maths is in ``BatchNorm`` and ``BatchMoments``.
enum BatchNormPasses {
    /// `mean[i] = Σ_j z[i, j] / m` and `squares[i] = Σ_j (z[i, j] − mean[i])²` in `Double`
    /// (both 0 when there are no columns).
    static func moments<T: BackpropScalar>(
        _ z: UnsafePointer<T>, rows: Int, columns: Int,
        mean: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>, reference: Bool = false
    ) {
        if !reference, T.self == Float.self {
            bp_batch_moments_f32(cast(z), rows, columns, mean, squares)
        } else if !reference, T.self == Double.self {
            bp_batch_moments_f64(cast(z), rows, columns, mean, squares)
        } else {
            for i in 0..<rows { (mean[i], squares[i]) = (0, 0) }
            for j in 0..<columns {
                for i in 0..<rows { mean[i] += Double(z[j * rows + i]) }
            }
            if columns > 0 { for i in 0..<rows { mean[i] /= Double(columns) } }
            for j in 0..<columns {
                for i in 0..<rows {
                    let d = Double(z[j * rows + i]) - mean[i]
                    squares[i] += d * d
                }
            }
        }
    }

    /// `h = (z − μ)·s` per unit into `hat` (when given) and `γ h + β` into `out`.
    static func normalize<T: BackpropScalar>(
        _ z: UnsafePointer<T>, rows: Int, columns: Int, mean: UnsafePointer<T>, scale: UnsafePointer<T>,
        gamma: UnsafePointer<T>, beta: UnsafePointer<T>, hat: UnsafeMutablePointer<T>?, out: UnsafeMutablePointer<T>,
        reference: Bool = false
    ) {
        if !reference, T.self == Float.self {
            bp_batch_normalize_f32(cast(z), rows, columns, cast(mean), cast(scale), cast(gamma), cast(beta), hat.map(cast), cast(out))
        } else if !reference, T.self == Double.self {
            bp_batch_normalize_f64(cast(z), rows, columns, cast(mean), cast(scale), cast(gamma), cast(beta), hat.map(cast), cast(out))
        } else {
            for j in 0..<columns {
                let c = j * rows
                for i in 0..<rows {
                    let h = (z[c + i] - mean[i]) * scale[i]
                    hat?[c + i] = h
                    out[c + i] = gamma[i] * h + beta[i]
                }
            }
        }
    }

    /// `sums[i] += Σ_j d[i, j]`, `sums[rows + i] += Σ_j d[i, j]·hat[i, j]`, in `Double`.
    static func sums<T: BackpropScalar>(
        _ d: UnsafePointer<T>, hat: UnsafePointer<T>, rows: Int, columns: Int,
        into sums: UnsafeMutablePointer<Double>, reference: Bool = false
    ) {
        if !reference, T.self == Float.self {
            bp_batch_norm_sums_f32(cast(d), cast(hat), rows, columns, sums)
        } else if !reference, T.self == Double.self {
            bp_batch_norm_sums_f64(cast(d), cast(hat), rows, columns, sums)
        } else {
            for j in 0..<columns {
                let c = j * rows
                for i in 0..<rows {
                    let di = Double(d[c + i])
                    sums[i] += di
                    sums[rows + i] += di * Double(hat[c + i])
                }
            }
        }
    }

    /// `dẐ = γ dZ̃` per unit into `dHat`, then (when `dZ` is given) `dZ = a dẐ − c − e Ẑ`.
    static func backward<T: BackpropScalar>(
        _ dShifted: UnsafePointer<T>, hat: UnsafePointer<T>, rows: Int, columns: Int,
        gamma: UnsafePointer<T>, a: UnsafePointer<T>, c: UnsafePointer<T>, e: UnsafePointer<T>,
        dHat: UnsafeMutablePointer<T>, dZ: UnsafeMutablePointer<T>?, reference: Bool = false
    ) {
        if !reference, T.self == Float.self {
            bp_batch_norm_backward_f32(cast(dShifted), cast(hat), rows, columns, cast(gamma), cast(a), cast(c), cast(e), cast(dHat), dZ.map(cast))
        } else if !reference, T.self == Double.self {
            bp_batch_norm_backward_f64(cast(dShifted), cast(hat), rows, columns, cast(gamma), cast(a), cast(c), cast(e), cast(dHat), dZ.map(cast))
        } else {
            for j in 0..<columns {
                let col = j * rows
                for i in 0..<rows { dHat[col + i] = gamma[i] * dShifted[col + i] }
            }
            guard let dZ else { return }
            for j in 0..<columns {
                let col = j * rows
                for i in 0..<rows { dZ[col + i] = a[i] * dHat[col + i] - c[i] - e[i] * hat[col + i] }
            }
        }
    }

    @inline(__always)
    private static func cast<T, U>(_ p: UnsafePointer<T>) -> UnsafePointer<U> {
        UnsafeRawPointer(p).assumingMemoryBound(to: U.self)
    }

    @inline(__always)
    private static func cast<T, U>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<U> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: U.self)
    }
}
