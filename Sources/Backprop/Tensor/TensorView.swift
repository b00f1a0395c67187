/// A column-major `rows × columns` matrix that lives in memory someone else owns: one tensor of
/// a parameter or gradient slab, seen by a layer while the slab is held open.
///
/// Views are valid only inside the closure that produced them (``Parameters/withViews(_:)``,
/// a pass over the gradient slab); a layer reads and writes through them and keeps none.
public struct TensorView<Scalar: BackpropScalar> {
    /// The first element.
    public let base: UnsafePointer<Scalar>
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int

    /// A view of `rows × columns` elements at `base`, column by column.
    public init(base: UnsafePointer<Scalar>, rows: Int, columns: Int) {
        self.base = base
        self.rows = rows
        self.columns = columns
    }

    /// The shape `(rows, columns)`.
    public var shape: Shape { Shape(rows, columns) }
    /// The number of elements.
    public var count: Int { rows * columns }
    /// The elements as a buffer.
    public var buffer: UnsafeBufferPointer<Scalar> { UnsafeBufferPointer(start: base, count: count) }
    /// Element `(i, j)`.
    public subscript(i: Int, j: Int) -> Scalar { base[i + j * rows] }
    /// A copy as a matrix of its own.
    public var matrix: Matrix<Scalar> { Matrix(rows: rows, columns: columns, columnMajor: buffer) }
}

/// A writable ``TensorView``: a gradient a layer's backward pass fills, or a parameter an
/// initialiser draws.
public struct MutableTensorView<Scalar: BackpropScalar> {
    /// The first element.
    public let base: UnsafeMutablePointer<Scalar>
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int

    /// A view of `rows × columns` elements at `base`, column by column.
    public init(base: UnsafeMutablePointer<Scalar>, rows: Int, columns: Int) {
        self.base = base
        self.rows = rows
        self.columns = columns
    }

    /// The shape `(rows, columns)`.
    public var shape: Shape { Shape(rows, columns) }
    /// The number of elements.
    public var count: Int { rows * columns }
    /// The elements as a buffer.
    public var buffer: UnsafeMutableBufferPointer<Scalar> { UnsafeMutableBufferPointer(start: base, count: count) }
    /// Element `(i, j)`.
    public subscript(i: Int, j: Int) -> Scalar {
        get { base[i + j * rows] }
        nonmutating set { base[i + j * rows] = newValue }
    }
    /// The same memory, read-only.
    public var readOnly: TensorView<Scalar> { TensorView(base: base, rows: rows, columns: columns) }

    /// `self ← α · op(a) · op(b) + β · self` (as ``Matrix``'s `formProduct` does).
    public func formProduct(
        _ a: Matrix<Scalar>, _ ta: Transpose, _ b: Matrix<Scalar>, _ tb: Transpose,
        alpha: Scalar = 1, beta: Scalar = 0
    ) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                GEMM.run(
                    TensorView(base: pa.baseAddress ?? UnsafePointer(base), rows: a.rows, columns: a.columns), ta,
                    TensorView(base: pb.baseAddress ?? UnsafePointer(base), rows: b.rows, columns: b.columns), tb,
                    into: self, alpha: alpha, beta: beta)
            }
        }
    }

    /// Writes `scale · Σ_columns m` into this `(rows, 1)` view (`np.sum(dZ, axis=1, keepdims=True)`).
    public func formColumnSum(_ m: Matrix<Scalar>, scale: Scalar = 1) {
        precondition(rows == m.rows && columns == 1, "shape mismatch in sum(axis: 1): \(m.shape) into \(shape)")
        m.sumColumns(into: buffer, scale: scale)
    }
}

extension Matrix {
    /// `self ← α · op(a) · op(b) + β · self` where `a` is a view (a parameter in its slab).
    public mutating func formProduct(
        _ a: TensorView<Scalar>, _ ta: Transpose, _ b: Matrix, _ tb: Transpose,
        alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let (rows, columns) = (self.rows, self.columns)
        b.withUnsafeBufferPointer { pb in
            withUnsafeMutableBufferPointer { pc in
                guard let c = pc.baseAddress else { return }
                GEMM.run(
                    a, ta, TensorView(base: pb.baseAddress ?? UnsafePointer(c), rows: b.rows, columns: b.columns), tb,
                    into: MutableTensorView(base: c, rows: rows, columns: columns), alpha: alpha, beta: beta)
            }
        }
    }
}

/// The one GEMM entry point every product goes through: shapes checked, small products on the
/// direct kernel (``SmallProduct``), the rest on ``LinearAlgebra/backend``.
enum GEMM {
    @inline(__always)
    static func run<Scalar: BackpropScalar>(
        _ a: TensorView<Scalar>, _ ta: Transpose, _ b: TensorView<Scalar>, _ tb: Transpose,
        into c: MutableTensorView<Scalar>, alpha: Scalar, beta: Scalar
    ) {
        let (m, k) = ta == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let (kb, n) = tb == .none ? (b.rows, b.columns) : (b.columns, b.rows)
        precondition(k == kb, "shape mismatch in matrix product: \(Shape(m, k)) and \(Shape(kb, n))")
        precondition(c.rows == m && c.columns == n,
            "shape mismatch in matrix product: result \(c.shape) for \(Shape(m, n))")
        if m == 0 || n == 0 { return }
        if SmallProduct.handles(m: m, n: n, k: k) {
            SmallProduct.gemm(
                ta, tb, m: m, n: n, k: k, alpha: alpha, a: a.base, lda: Swift.max(a.rows, 1),
                b: b.base, ldb: Swift.max(b.rows, 1), beta: beta, c: c.base, ldc: m)
            return
        }
        // One column times a layer (batch-1 inference): Backprop's own streaming kernel, no
        // BLAS packing or thread wake-ups. x = op(B) is contiguous either way.
        if n == 1 && ta == .none && k > 0,
           MatrixVector.run(m: m, k: k, alpha: alpha, a: a.base, lda: Swift.max(a.rows, 1), x: b.base, beta: beta, y: c.base) {
            return
        }
        // BLAS rejects a leading dimension of 0, even for empty operands.
        Scalar.gemm(
            on: LinearAlgebra.backend, ta, tb, m: m, n: n, k: k, alpha: alpha,
            a: a.base, lda: Swift.max(a.rows, 1), b: b.base, ldb: Swift.max(b.rows, 1),
            beta: beta, c: c.base, ldc: Swift.max(m, 1))
    }
}
