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
        let (rows, columns) = (self.rows, self.columns)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: rows) { t in
            t.initialize(repeating: 0)
            elements.withUnsafeBufferPointer { x in
                var k = 0
                for _ in 0..<columns {
                    for i in 0..<rows { t[i] += Double(x[k + i]) }
                    k += rows
                }
            }
            result.elements.withUnsafeMutableBufferPointer { r in
                for i in 0..<rows { r[i] = Scalar(t[i]) * scale }
            }
        }
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
