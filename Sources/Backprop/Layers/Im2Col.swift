/// The im2col and col2im kernels a convolution runs its GEMMs around, over a group of examples.
///
/// Example `e` of the group is `C·H·W` values in C·H·W order (``ImageShape``), `n = C·H·W`
/// elements after example `e − 1`. The group's im2col matrix is `(b·P, K)` column-major, with
/// `b` examples, `P = n_H·n_W` output positions and `K = C·f·f` window entries: row
/// `e·P + p` (`p = h·n_W + w`) of column `k = (c·f + i)·f + j` holds
/// `x_e[c, h·s + i − pad, w·s + j − pad]` (zero in the padding). `k` runs in the order of
/// PyTorch's `Conv2d.weight (out_c, in_c, kH, kW)` row by row, so `cols · Wᵀ` is the group's
/// `(b·P, out_c)` output, each channel a column holding the examples one after another. The
/// padding is never materialised: the entries falling in it are written as zeros.
///
/// Every inner loop runs over a contiguous run of one output row (`n_W` positions), on plain
/// pointers, so it vectorises (stride 1) or is a short strided gather (stride > 1).
enum Im2Col {
    /// Writes the im2col matrix of the `examples` examples at `x` into `cols`
    /// (`examples · P · K` elements).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func gather<T: BackpropScalar>(
        _ g: WindowGeometry, from x: UnsafePointer<T>, examples b: Int, into cols: UnsafeMutablePointer<T>
    ) {
        let (H, W, f, s, n) = (g.input.height, g.input.width, g.kernel, g.stride, g.input.featureCount)
        let (nH, nW, P) = (g.outputHeight, g.outputWidth, g.outputPositions)
        var column = cols
        for c in 0..<g.input.channels {
            for i in 0..<f {
                let rows = g.validRange(offset: i, size: H, outputs: nH)
                for j in 0..<f {
                    let columns = g.validRange(offset: j, size: W, outputs: nW)
                    let (first, count) = (columns.lowerBound, columns.count)
                    for e in 0..<b {
                        let plane = x + e * n + c * H * W
                        let block = column + e * P
                        // Rows of output positions falling wholly in the padding.
                        fill(block, count: rows.lowerBound * nW)
                        fill(block + rows.upperBound * nW, count: (nH - rows.upperBound) * nW)
                        for oh in rows {
                            let source = plane + (oh * s + i - g.padBefore) * W + (j - g.padBefore) + first * s
                            let target = block + oh * nW
                            fill(target, count: first)
                            if s == 1 {
                                copy(source, to: target + first, count: count)
                            } else {
                                copy(source, stride: s, to: target + first, count: count)
                            }
                            fill(target + columns.upperBound, count: nW - columns.upperBound)
                        }
                    }
                    column += b * P
                }
            }
        }
    }

    /// Adds the im2col-shaped gradient `cols` of a group of `examples` back onto their input
    /// gradients at `dx` (col2im): each window entry goes to the input pixel it was read from;
    /// the padding's share is dropped (the course's `dA_prev_pad[pad:-pad, pad:-pad]`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func scatterAdd<T: BackpropScalar>(
        _ g: WindowGeometry, from cols: UnsafePointer<T>, examples b: Int, into dx: UnsafeMutablePointer<T>
    ) {
        let (H, W, f, s, n) = (g.input.height, g.input.width, g.kernel, g.stride, g.input.featureCount)
        let (nH, nW, P) = (g.outputHeight, g.outputWidth, g.outputPositions)
        var column = cols
        for c in 0..<g.input.channels {
            for i in 0..<f {
                let rows = g.validRange(offset: i, size: H, outputs: nH)
                for j in 0..<f {
                    let columns = g.validRange(offset: j, size: W, outputs: nW)
                    let (first, count) = (columns.lowerBound, columns.count)
                    for e in 0..<b {
                        let plane = dx + e * n + c * H * W
                        let block = column + e * P
                        for oh in rows {
                            let target = plane + (oh * s + i - g.padBefore) * W + (j - g.padBefore) + first * s
                            let source = block + oh * nW + first
                            if s == 1 {
                                add(source, to: target, count: count)
                            } else {
                                add(source, to: target, stride: s, count: count)
                            }
                        }
                    }
                    column += b * P
                }
            }
        }
    }

    @inline(__always)
    private static func fill<T: BackpropScalar>(_ target: UnsafeMutablePointer<T>, count: Int) {
        for t in 0..<count { target[t] = 0 }
    }

    @inline(__always)
    private static func copy<T: BackpropScalar>(_ source: UnsafePointer<T>, to target: UnsafeMutablePointer<T>, count: Int) {
        for t in 0..<count { target[t] = source[t] }
    }

    @inline(__always)
    private static func copy<T: BackpropScalar>(
        _ source: UnsafePointer<T>, stride s: Int, to target: UnsafeMutablePointer<T>, count: Int
    ) {
        for t in 0..<count { target[t] = source[t * s] }
    }

    @inline(__always)
    private static func add<T: BackpropScalar>(_ source: UnsafePointer<T>, to target: UnsafeMutablePointer<T>, count: Int) {
        for t in 0..<count { target[t] += source[t] }
    }

    @inline(__always)
    private static func add<T: BackpropScalar>(
        _ source: UnsafePointer<T>, to target: UnsafeMutablePointer<T>, stride s: Int, count: Int
    ) {
        for t in 0..<count { target[t * s] += source[t] }
    }
}
