/// The im2col and col2im kernels a convolution runs its GEMMs around, over one example.
///
/// One example `x` is `C·H·W` values in C·H·W order (``ImageShape``). Its im2col matrix is
/// `(P, K)` column-major with `P = n_H·n_W` output positions and `K = C·f·f` window entries:
/// column `k = (c·f + i)·f + j` holds, for every output position `p = h·n_W + w`, the input
/// `x[c, h·s + i − pad, w·s + j − pad]` (zero in the padding). `k` runs in the order of
/// PyTorch's `Conv2d.weight (out_c, in_c, kH, kW)` row by row, so `Z = cols · Wᵀ` is one
/// example's `(P, out_c)` output: its C·H·W column. The padding is never materialised: the
/// rows and columns falling in it are written as zeros.
enum Im2Col {
    /// Writes the im2col matrix of `x` into `cols` (`P · K` elements).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func gather<T: BackpropScalar>(_ g: WindowGeometry, from x: UnsafePointer<T>, into cols: UnsafeMutablePointer<T>) {
        let (H, W, f, s) = (g.input.height, g.input.width, g.kernel, g.stride)
        let (nH, nW, P) = (g.outputHeight, g.outputWidth, g.outputPositions)
        var column = cols
        for c in 0..<g.input.channels {
            let plane = x + c * H * W
            for i in 0..<f {
                let rows = g.validRange(offset: i, size: H, outputs: nH)
                for j in 0..<f {
                    let columns = g.validRange(offset: j, size: W, outputs: nW)
                    // Rows of output positions falling wholly in the padding.
                    column.update(repeating: 0, count: rows.lowerBound * nW)
                    (column + rows.upperBound * nW).update(repeating: 0, count: (nH - rows.upperBound) * nW)
                    for oh in rows {
                        let source = plane + (oh * s + i - g.padBefore) * W + (j - g.padBefore)
                        let target = column + oh * nW
                        target.update(repeating: 0, count: columns.lowerBound)
                        if s == 1 {
                            (target + columns.lowerBound).update(from: source + columns.lowerBound, count: columns.count)
                        } else {
                            for ow in columns { target[ow] = source[ow * s] }
                        }
                        (target + columns.upperBound).update(repeating: 0, count: nW - columns.upperBound)
                    }
                    column += P
                }
            }
        }
    }

    /// Adds the im2col-shaped gradient `cols` back onto one example's input gradient `dx`
    /// (col2im): each window entry goes to the input pixel it was read from; the padding's
    /// share is dropped (the course's `dA_prev_pad[pad:-pad, pad:-pad]`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func scatterAdd<T: BackpropScalar>(_ g: WindowGeometry, from cols: UnsafePointer<T>, into dx: UnsafeMutablePointer<T>) {
        let (H, W, f, s) = (g.input.height, g.input.width, g.kernel, g.stride)
        let (nH, nW, P) = (g.outputHeight, g.outputWidth, g.outputPositions)
        var column = cols
        for c in 0..<g.input.channels {
            let plane = dx + c * H * W
            for i in 0..<f {
                let rows = g.validRange(offset: i, size: H, outputs: nH)
                for j in 0..<f {
                    let columns = g.validRange(offset: j, size: W, outputs: nW)
                    for oh in rows {
                        let target = plane + (oh * s + i - g.padBefore) * W + (j - g.padBefore)
                        let source = column + oh * nW
                        if s == 1 {
                            for ow in columns { target[ow] += source[ow] }
                        } else {
                            for ow in columns { target[ow * s] += source[ow] }
                        }
                    }
                    column += P
                }
            }
        }
    }
}
