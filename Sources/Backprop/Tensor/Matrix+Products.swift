/// A matrix read as its transpose without copying: `W.T` in `W.T.dot(dZ)` becomes a BLAS
/// transpose flag, never a copy. Materialise it with ``Matrix/init(_:)-(Transposed<Scalar>)`` when a
/// real transposed matrix is wanted.
public struct Transposed<Scalar: BackpropScalar>: Sendable {
    /// The stored matrix; this value stands for its transpose.
    public let base: Matrix<Scalar>

    /// The transposed shape.
    public var shape: Shape { base.shape.transposed }

    /// The matrix product `baseᵀ · other`.
    public func dot(_ other: Matrix<Scalar>) -> Matrix<Scalar> {
        Matrix.product(base, .transposed, other, .none)
    }

    /// The matrix product `baseᵀ · otherᵀ`.
    public func dot(_ other: Transposed) -> Matrix<Scalar> {
        Matrix.product(base, .transposed, other.base, .transposed)
    }
}

extension Matrix {
    /// The transpose as a view (NumPy's `.T`); products take it as a BLAS flag.
    public var T: Transposed<Scalar> { Transposed(base: self) }

    /// A materialised transpose.
    public init(_ transposed: Transposed<Scalar>) {
        let base = transposed.base
        self.init(rows: base.columns, columns: base.rows)
        for j in 0..<base.columns {
            for i in 0..<base.rows { self[j, i] = base[i, j] }
        }
    }

    /// A copy of the transpose.
    public func transposed() -> Matrix { Matrix(T) }

    /// The matrix product `self · other` (NumPy's `np.dot` / `@`).
    public func dot(_ other: Matrix) -> Matrix { Matrix.product(self, .none, other, .none) }

    /// The matrix product `self · otherᵀ`, with the transpose passed to BLAS as a flag.
    public func dot(_ other: Transposed<Scalar>) -> Matrix {
        Matrix.product(self, .none, other.base, .transposed)
    }

    /// `op(a) · op(b)` as a new matrix.
    static func product(_ a: Matrix, _ ta: Transpose, _ b: Matrix, _ tb: Transpose) -> Matrix {
        let rows = ta == .none ? a.rows : a.columns
        let columns = tb == .none ? b.columns : b.rows
        var c = Matrix(rows: rows, columns: columns)
        c.formProduct(a, ta, b, tb, alpha: 1, beta: 0)
        return c
    }

    /// `self ← α · op(a) · op(b) + β · self`, the in-place GEMM every layer runs on.
    ///
    /// With `beta == 0` the old contents are not read. Small products with few rows run on a
    /// direct Swift kernel (`SmallProduct`), which skips the cost of a BLAS call; the rest use
    /// ``LinearAlgebra/backend``.
    /// - Precondition: the shapes fit (the message names both).
    public mutating func formProduct(
        _ a: Matrix, _ ta: Transpose, _ b: Matrix, _ tb: Transpose,
        alpha: Scalar = 1, beta: Scalar = 0
    ) {
        let (rows, columns) = (self.rows, self.columns)
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                elements.withUnsafeMutableBufferPointer { pc in
                    // An empty result has no address; nothing is computed then, so any address
                    // serves for the empty operands.
                    let c = pc.baseAddress ?? UnsafeMutablePointer(mutating: pa.baseAddress ?? pb.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                    GEMM.run(
                        TensorView(base: pa.baseAddress ?? UnsafePointer(c), rows: a.rows, columns: a.columns), ta,
                        TensorView(base: pb.baseAddress ?? UnsafePointer(c), rows: b.rows, columns: b.columns), tb,
                        into: MutableTensorView(base: c, rows: rows, columns: columns), alpha: alpha, beta: beta)
                }
            }
        }
    }
}

/// The matrix product `a · b`, as NumPy's `np.dot(a, b)`.
public func dot<Scalar>(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Matrix<Scalar> { a.dot(b) }
