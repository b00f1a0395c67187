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
        let (m, k) = ta == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let (kb, n) = tb == .none ? (b.rows, b.columns) : (b.columns, b.rows)
        precondition(k == kb,
            "shape mismatch in matrix product: \(Shape(m, k)) and \(Shape(kb, n))")
        precondition(rows == m && columns == n,
            "shape mismatch in matrix product: result \(shape) for \(Shape(m, n))")
        if m == 0 || n == 0 { return }
        // Small products skip BLAS (see ``SmallProduct/handles(m:n:k:)``).
        let direct = SmallProduct.handles(m: m, n: n, k: k)
        let backend: (any LinearAlgebraBackend)? = direct ? nil : LinearAlgebra.backend
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                elements.withUnsafeMutableBufferPointer { pc in
                    guard let backend else {
                        SmallProduct.gemm(
                            ta, tb, m: m, n: n, k: k, alpha: alpha,
                            a: pa.baseAddress ?? UnsafePointer(pc.baseAddress!), lda: Swift.max(a.rows, 1),
                            b: pb.baseAddress ?? UnsafePointer(pc.baseAddress!), ldb: Swift.max(b.rows, 1),
                            beta: beta, c: pc.baseAddress!, ldc: m)
                        return
                    }
                    // BLAS rejects a leading dimension of 0, even for empty operands.
                    Scalar.gemm(
                        on: backend, ta, tb, m: m, n: n, k: k, alpha: alpha,
                        a: pa.baseAddress ?? UnsafePointer(pc.baseAddress!), lda: Swift.max(a.rows, 1),
                        b: pb.baseAddress ?? UnsafePointer(pc.baseAddress!), ldb: Swift.max(b.rows, 1),
                        beta: beta, c: pc.baseAddress!, ldc: Swift.max(m, 1))
                }
            }
        }
    }
}

/// The matrix product `a · b`, as NumPy's `np.dot(a, b)`.
public func dot<Scalar>(_ a: Matrix<Scalar>, _ b: Matrix<Scalar>) -> Matrix<Scalar> { a.dot(b) }
