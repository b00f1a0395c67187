/// The built-in GEMM's portable kernels, in Swift, for the baseline instruction set: an
/// `mr × 5` register tile whose columns are one `Vector` each (`SIMD8<Float>`, 8 × 5;
/// `SIMD4<Double>`, 4 × 5).
///
/// They use separate multiply and add rather than fused multiply-add: Swift builds for the
/// baseline CPU of the target (SSE2 on x86-64) unless told otherwise, and there a fused
/// `addingProduct` on a vector becomes one library call per lane. The faster instruction sets
/// have C kernels (``NativeGEMMKernels``).
struct SIMDGEMMKernels<Vector: SIMD & Sendable>: GEMMKernels
where Vector.Scalar: BinaryFloatingPoint & Sendable {
    typealias Scalar = Vector.Scalar

    /// Rows of the register tile: one SIMD vector.
    var mr: Int { Vector.scalarCount }
    /// Columns of the register tile. With SSE2 (x86-64's baseline, 16 registers of 4 floats) a
    /// tile column of `SIMD8<Float>` takes two registers, so five columns use ten accumulator
    /// registers, plus two for the A vector, one for the broadcast B value and one scratch
    /// (two-operand SSE instructions overwrite an input). Six columns would spill and measured
    /// about 25% slower; four leave the multipliers idle more often.
    var nr: Int { 5 }
    /// An `mr × kc` strip of A and a `kc × nr` strip of B fit in L1.
    var kc: Int { 256 }
    /// A packed block of A, `mc × kc`, is about 192 KiB.
    var mc: Int { 192 * 4 / MemoryLayout<Scalar>.size }
    /// A packed panel of B, `kc × nc`, is 2–3 MiB.
    var nc: Int { 384 * 8 * 4 / MemoryLayout<Scalar>.size }

    // MARK: Packing

    func packA(_ a: GEMMOperand<Scalar>, m: Int, k: Int, into packed: UnsafeMutablePointer<Scalar>) {
        let mr = self.mr
        var strip = packed
        var i0 = 0
        while i0 < m {
            let rows = min(mr, m &- i0)
            if !a.transposed {
                // op(A)[i, p] = a[i + p·lda]: each k step copies `rows` contiguous values.
                var source = a.base + i0
                var destination = strip
                for _ in 0..<k {
                    if rows == mr {
                        UnsafeMutableRawPointer(destination).storeBytes(
                            of: UnsafeRawPointer(source).loadUnaligned(as: Vector.self), as: Vector.self)
                    } else {
                        destination.update(from: source, count: rows)
                        (destination + rows).update(repeating: 0, count: mr &- rows)
                    }
                    source += a.ld
                    destination += mr
                }
            } else {
                // op(A)[i, p] = a[p + i·lda]: each row of op(A) is a contiguous column of a.
                for r in 0..<rows {
                    let source = a.base + (i0 &+ r) &* a.ld
                    var p = 0
                    while p < k {
                        strip[p &* mr &+ r] = source[p]
                        p &+= 1
                    }
                }
                for r in rows..<mr {
                    for p in 0..<k { strip[p &* mr &+ r] = 0 }
                }
            }
            strip += mr &* k
            i0 &+= mr
        }
    }

    func packB(
        _ b: GEMMOperand<Scalar>, k: Int, n: Int, alpha: Scalar,
        into packed: UnsafeMutablePointer<Scalar>
    ) {
        let nr = self.nr
        var strip = packed
        var j0 = 0
        while j0 < n {
            let columns = min(nr, n &- j0)
            if !b.transposed {
                // op(B)[p, j] = b[p + j·ldb]: each column of the strip is contiguous in b.
                for c in 0..<columns {
                    let source = b.base + (j0 &+ c) &* b.ld
                    var p = 0
                    while p < k {
                        strip[p &* nr &+ c] = alpha * source[p]
                        p &+= 1
                    }
                }
            } else {
                // op(B)[p, j] = b[j + p·ldb]: each k step reads `columns` contiguous values.
                var source = b.base + j0
                var destination = strip
                for _ in 0..<k {
                    for c in 0..<columns { destination[c] = alpha * source[c] }
                    source += b.ld
                    destination += nr
                }
            }
            if columns < nr {
                for p in 0..<k {
                    for c in columns..<nr { strip[p &* nr &+ c] = 0 }
                }
            }
            strip += nr &* k
            j0 &+= nr
        }
    }

    // MARK: Tiles

    func multiplyTiles(
        m: Int, n: Int, k: Int,
        packedA: UnsafePointer<Scalar>, packedB: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, update: GEMMUpdate, beta: Scalar
    ) {
        let mr = self.mr, nr = self.nr
        withUnsafeTemporaryAllocation(of: Vector.self, capacity: nr) { edge in
            let tile = UnsafeMutableRawPointer(edge.baseAddress!).assumingMemoryBound(to: Scalar.self)
            var jr = 0
            while jr < n {
                let columns = min(nr, n &- jr)
                let bStrip = packedB + jr &* k
                var ir = 0
                while ir < m {
                    let rows = min(mr, m &- ir)
                    let aStrip = packedA + ir &* k
                    let cTile = c + (ir &+ jr &* ldc)
                    if rows == mr && columns == nr {
                        Self.tile(k: k, a: aStrip, b: bStrip, c: cTile, ldc: ldc, update: update, beta: beta)
                    } else {
                        // Edge tile: compute the full padded tile into `tile`, then add the part
                        // that lies inside C.
                        Self.tile(k: k, a: aStrip, b: bStrip, c: tile, ldc: mr, update: .overwrite, beta: 0)
                        for j in 0..<columns {
                            let source = tile + j &* mr
                            let destination = cTile + j &* ldc
                            for i in 0..<rows {
                                switch update {
                                case .overwrite: destination[i] = source[i]
                                case .accumulate: destination[i] += source[i]
                                case .scale: destination[i] = source[i] + beta * destination[i]
                                }
                            }
                        }
                    }
                    ir &+= mr
                }
                jr &+= nr
            }
        }
    }

    /// The `mr × nr` register tile: `T = Σ_p A[:, p] · B[p, :]` over a packed A strip (k-major
    /// vectors of `mr`) and a packed B strip (k-major groups of `nr`), then written into the
    /// full tile at `c` (column stride `ldc`) according to `update`.
    ///
    /// Each step of `p` is one vector load of A, `nr` broadcasts of B and `nr` multiply-adds
    /// into `nr` vector accumulators that stay in registers for the whole loop.
    @inline(__always)
    static func tile(
        k: Int, a: UnsafePointer<Scalar>, b: UnsafePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>, ldc: Int, update: GEMMUpdate, beta: Scalar
    ) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector()
        var c3 = Vector(), c4 = Vector()
        var pa = UnsafeRawPointer(a)
        var pb = b
        let step = MemoryLayout<Vector>.stride
        var p = 0
        while p < k {
            let column = pa.load(as: Vector.self)
            c0 += column * pb[0]
            c1 += column * pb[1]
            c2 += column * pb[2]
            c3 += column * pb[3]
            c4 += column * pb[4]
            pa += step
            pb += 5  // nr
            p &+= 1
        }

        let out = UnsafeMutableRawPointer(c)
        let columnBytes = ldc &* MemoryLayout<Scalar>.stride
        @inline(__always)
        func write(_ value: Vector, _ j: Int) {
            let offset = j &* columnBytes
            switch update {
            case .overwrite:
                out.storeBytes(of: value, toByteOffset: offset, as: Vector.self)
            case .accumulate:
                let old = UnsafeRawPointer(out).loadUnaligned(fromByteOffset: offset, as: Vector.self)
                out.storeBytes(of: value + old, toByteOffset: offset, as: Vector.self)
            case .scale:
                let old = UnsafeRawPointer(out).loadUnaligned(fromByteOffset: offset, as: Vector.self)
                out.storeBytes(of: value + old * beta, toByteOffset: offset, as: Vector.self)
            }
        }
        write(c0, 0); write(c1, 1); write(c2, 2)
        write(c3, 3); write(c4, 4)
    }
}
