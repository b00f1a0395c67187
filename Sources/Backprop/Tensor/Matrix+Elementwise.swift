/// Elementwise arithmetic with NumPy's broadcasting of `(n, 1)` columns, `(1, m)` rows and
/// `(1, 1)` scalars. `*` is the elementwise (Hadamard) product, as in NumPy; the matrix product
/// is ``dot(_:_:)``.
extension Matrix {
    /// The shape two operands broadcast to, or `nil` when they do not fit.
    public static func broadcastShape(_ a: Shape, _ b: Shape) -> Shape? {
        func fit(_ x: Int, _ y: Int) -> Int? { x == y ? x : (x == 1 ? y : (y == 1 ? x : nil)) }
        guard let rows = fit(a.rows, b.rows), let columns = fit(a.columns, b.columns) else {
            return nil
        }
        return Shape(rows, columns)
    }

    /// Applies `transform` to every element.

    public func map(_ transform: (Scalar) -> Scalar) -> Matrix {
        var result = self
        result.formMap(transform)
        return result
    }

    /// Replaces every element `x` with `transform(x)`.

    public mutating func formMap(_ transform: (Scalar) -> Scalar) {
        elements.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = transform(buffer[i]) }
        }
    }

    /// Combines `a` and `b` element by element, broadcasting `(n,1)`, `(1,m)` and `(1,1)`.
    ///
    /// - Precondition: the shapes broadcast (NumPy raises in the same case).

    public static func zip(
        _ a: Matrix, _ b: Matrix, operation: String = "elementwise operation",
        _ combine: (Scalar, Scalar) -> Scalar
    ) -> Matrix {
        if a.rows == b.rows && a.columns == b.columns {
            var result = a
            result.elements.withUnsafeMutableBufferPointer { r in
                b.elements.withUnsafeBufferPointer { y in
                    for i in r.indices { r[i] = combine(r[i], y[i]) }
                }
            }
            return result
        }
        guard let shape = broadcastShape(a.shape, b.shape) else {
            preconditionFailure("shape mismatch in \(operation): \(a.shape) and \(b.shape)")
        }
        var result = Matrix(shape: shape)
        let (aRow, aColumn) = (a.rows == 1 ? 0 : 1, a.columns == 1 ? 0 : a.rows)
        let (bRow, bColumn) = (b.rows == 1 ? 0 : 1, b.columns == 1 ? 0 : b.rows)
        result.elements.withUnsafeMutableBufferPointer { r in
            a.elements.withUnsafeBufferPointer { x in
                b.elements.withUnsafeBufferPointer { y in
                    var k = 0
                    for j in 0..<shape.columns {
                        for i in 0..<shape.rows {
                            r[k] = combine(x[i * aRow + j * aColumn], y[i * bRow + j * bColumn])
                            k += 1
                        }
                    }
                }
            }
        }
        return result
    }

    /// Combines `self` with `other` in place; `other` must broadcast to `self`'s shape.

    public mutating func formZip(
        _ other: Matrix, operation: String = "elementwise operation",
        _ combine: (Scalar, Scalar) -> Scalar
    ) {
        precondition(Matrix.broadcastShape(shape, other.shape) == shape,
            "shape mismatch in \(operation): \(shape) and \(other.shape)")
        let (rows, columns) = (self.rows, self.columns)
        let (bRow, bColumn) = (other.rows == 1 ? 0 : 1, other.columns == 1 ? 0 : other.rows)
        elements.withUnsafeMutableBufferPointer { r in
            other.elements.withUnsafeBufferPointer { y in
                if bRow == 1 && bColumn == rows {
                    for i in r.indices { r[i] = combine(r[i], y[i]) }
                    return
                }
                var k = 0
                for j in 0..<columns {
                    for i in 0..<rows {
                        r[k] = combine(r[k], y[i * bRow + j * bColumn])
                        k += 1
                    }
                }
            }
        }
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix { zip(a, b, operation: "+", +) }
    public static func - (a: Matrix, b: Matrix) -> Matrix { zip(a, b, operation: "-", -) }
    /// The elementwise (Hadamard) product `a ⊙ b`, as NumPy's `a * b`.
    public static func * (a: Matrix, b: Matrix) -> Matrix { zip(a, b, operation: "*", *) }
    public static func / (a: Matrix, b: Matrix) -> Matrix { zip(a, b, operation: "/", /) }

    public static func += (a: inout Matrix, b: Matrix) { a.formZip(b, operation: "+=", +) }
    public static func -= (a: inout Matrix, b: Matrix) { a.formZip(b, operation: "-=", -) }
    public static func *= (a: inout Matrix, b: Matrix) { a.formZip(b, operation: "*=", *) }
    public static func /= (a: inout Matrix, b: Matrix) { a.formZip(b, operation: "/=", /) }

    public static func + (a: Matrix, s: Scalar) -> Matrix { a.map { $0 + s } }
    public static func + (s: Scalar, a: Matrix) -> Matrix { a.map { s + $0 } }
    public static func - (a: Matrix, s: Scalar) -> Matrix { a.map { $0 - s } }
    public static func - (s: Scalar, a: Matrix) -> Matrix { a.map { s - $0 } }
    public static func * (a: Matrix, s: Scalar) -> Matrix { a.map { $0 * s } }
    public static func * (s: Scalar, a: Matrix) -> Matrix { a.map { s * $0 } }
    public static func / (a: Matrix, s: Scalar) -> Matrix { a.map { $0 / s } }
    public static func / (s: Scalar, a: Matrix) -> Matrix { a.map { s / $0 } }
    public static prefix func - (a: Matrix) -> Matrix { a.map { -$0 } }

    public static func *= (a: inout Matrix, s: Scalar) { a.formMap { $0 * s } }
    public static func /= (a: inout Matrix, s: Scalar) { a.formMap { $0 / s } }
    public static func += (a: inout Matrix, s: Scalar) { a.formMap { $0 + s } }
    public static func -= (a: inout Matrix, s: Scalar) { a.formMap { $0 - s } }
}
