import BackpropKernels

/// Sums, means and norms. Axis reductions keep both dimensions, as NumPy's `keepdims=True`:
/// `axis: 0` collapses the rows to `(1, columns)`, `axis: 1` collapses the columns to
/// `(rows, 1)` — the course's `np.sum(dZ, axis=1, keepdims=True)` for `db`.
extension Matrix {
    /// The sum of all elements (accumulated in `Double` for `Float` matrices).
    public func sum() -> Scalar {
        Scalar(elements.reduce(into: 0.0 as Double) { $0 += Double($1) })
    }

    /// The mean of all elements.
    public func mean() -> Scalar { count == 0 ? .nan : sum() / Scalar(count) }

    /// Sums along `axis` with `keepdims` semantics: `0` gives `(1, columns)`, `1` gives
    /// `(rows, 1)`.
    public func sum(axis: Int) -> Matrix {
        precondition(axis == 0 || axis == 1, "axis must be 0 or 1, not \(axis)")
        if axis == 1 {
            var result = Matrix(rows: rows, columns: 1)
            sumColumns(into: &result, scale: 1)
            return result
        }
        var result = Matrix(rows: 1, columns: columns)
        for j in 0..<columns {
            var total = 0.0
            for i in 0..<rows { total += Double(self[i, j]) }
            result[0, j] = Scalar(total)
        }
        return result
    }

    /// The mean along `axis` with `keepdims` semantics.
    public func mean(axis: Int) -> Matrix {
        let n = axis == 0 ? rows : columns
        return sum(axis: axis) / Scalar(n)
    }

    /// Writes `scale · Σ_columns self` into `result`, an `(rows, 1)` column (the `db` reduction).
    /// Sums accumulate in `Double`, so a full-batch `Float` epoch over 60,000 columns keeps its
    /// digits.
    public func sumColumns(into result: inout Matrix, scale: Scalar) {
        precondition(result.rows == rows && result.columns == 1,
            "shape mismatch in sum(axis: 1): \(shape) into \(result.shape)")
        result.elements.withUnsafeMutableBufferPointer { sumColumns(into: $0, scale: scale) }
    }

    /// Writes `scale · Σ_columns self` into `result`, `rows` elements (a `db` in its slab).
    func sumColumns(into result: UnsafeMutableBufferPointer<Scalar>, scale: Scalar) {
        precondition(result.count == rows, "shape mismatch in sum(axis: 1): \(shape) into \(result.count) elements")
        let (rows, columns) = (self.rows, self.columns)
        if rows == 0 { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: rows) { t in
            t.initialize(repeating: 0)
            elements.withUnsafeBufferPointer { x in
                guard let x = x.baseAddress else { return }
                if rows <= 8 {
                    Self.fastSumFewRows(x, rows: rows, columns: columns, into: t.baseAddress!)
                } else {
                    // Column by column: the inner loop over contiguous rows vectorises.
                    var column = x
                    for _ in 0..<columns {
                        for i in 0..<rows { t[i] += Double(column[i]) }
                        column += rows
                    }
                }
            }
            for i in 0..<rows { result[i] = Scalar(t[i]) * scale }
        }
    }

    /// Eight consecutive elements, widened to `Double`.
    @inline(__always)
    private static func load8(_ x: UnsafePointer<Scalar>) -> SIMD8<Double> {
        SIMD8(Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3]),
              Double(x[4]), Double(x[5]), Double(x[6]), Double(x[7]))
    }

    /// ``sumFewRows(_:rows:columns:into:)`` through the C kernels (`bp_row_sums_f32`, `_f64`)
    /// for `Float` and `Double`: the same bits at every level, 8 doubles a vector.
    static func fastSumFewRows(_ x: UnsafePointer<Scalar>, rows: Int, columns: Int, into totals: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(x)
        if Scalar.self == Double.self {
            bp_row_sums_f64(raw.assumingMemoryBound(to: Double.self), rows, columns, totals)
        } else if Scalar.self == Float.self {
            bp_row_sums_f32(raw.assumingMemoryBound(to: Float.self), rows, columns, totals)
        } else {
            sumFewRows(x, rows: rows, columns: columns, into: totals)
        }
    }

    /// Adds the row sums of a column-major `rows × columns` block with `1 ≤ rows ≤ 8` to `totals`:
    /// the reference of the C kernels.
    ///
    /// Eight columns are `8 · rows` consecutive elements, which is `rows` SIMD vectors of eight;
    /// vector `v` accumulates into its own register, and lane `l` of it always holds elements
    /// of row `(8v + l) mod rows`. So the stream is summed at full vector width with `rows`
    /// independent accumulators whatever the row count, and folded into rows at the end.
    static func sumFewRows(
        _ x: UnsafePointer<Scalar>, rows: Int, columns: Int, into totals: UnsafeMutablePointer<Double>
    ) {
        var v0 = SIMD8<Double>(), v1 = SIMD8<Double>(), v2 = SIMD8<Double>(), v3 = SIMD8<Double>()
        var v4 = SIMD8<Double>(), v5 = SIMD8<Double>(), v6 = SIMD8<Double>(), v7 = SIMD8<Double>()
        let blocks = columns / 8
        let blockLength = 8 &* rows
        var block = x
        for _ in 0..<blocks {
            // The row count is loop-invariant, so these branches always predict.
            v0 += load8(block)
            if rows > 1 { v1 += load8(block + 8) }
            if rows > 2 { v2 += load8(block + 16) }
            if rows > 3 { v3 += load8(block + 24) }
            if rows > 4 { v4 += load8(block + 32) }
            if rows > 5 { v5 += load8(block + 40) }
            if rows > 6 { v6 += load8(block + 48) }
            if rows > 7 { v7 += load8(block + 56) }
            block += blockLength
        }
        func fold(_ vector: SIMD8<Double>, _ v: Int) {
            if v >= rows { return }
            for lane in 0..<8 { totals[(8 &* v &+ lane) % rows] += vector[lane] }
        }
        fold(v0, 0); fold(v1, 1); fold(v2, 2); fold(v3, 3)
        fold(v4, 4); fold(v5, 5); fold(v6, 6); fold(v7, 7)
        // The last columns (fewer than eight) one element at a time.
        let remaining = (columns - blocks * 8) * rows
        for offset in 0..<remaining { totals[offset % rows] += Double(block[offset]) }
    }

    /// The largest element along `axis` (keepdims).
    public func max(axis: Int) -> Matrix {
        precondition(axis == 0 || axis == 1, "axis must be 0 or 1, not \(axis)")
        var result = axis == 0
            ? Matrix(rows: 1, columns: columns, repeating: -.infinity)
            : Matrix(rows: rows, columns: 1, repeating: -.infinity)
        for j in 0..<columns {
            for i in 0..<rows {
                let (r, c) = axis == 0 ? (0, j) : (i, 0)
                if self[i, j] > result[r, c] { result[r, c] = self[i, j] }
            }
        }
        return result
    }

    /// For each column, the row index of its largest element (the predicted class).
    public func argmaxPerColumn() -> [Int] {
        (0..<columns).map { j in
            var best = 0
            for i in 1..<Swift.max(rows, 1) where self[i, j] > self[best, j] { best = i }
            return best
        }
    }

    /// `‖self‖²_F`, the sum of squares (accumulated in `Double`).
    public func squaredNorm() -> Double {
        elements.reduce(into: 0.0 as Double) { $0 += Double($1) * Double($1) }
    }

    /// The Frobenius norm `‖self‖_F`.
    public func norm() -> Double { squaredNorm().squareRoot() }

    /// The largest absolute element, or 0 for an empty matrix.
    public func maxAbs() -> Scalar { elements.reduce(0) { Swift.max($0, abs($1)) } }
}
