import Testing
@testable import Backprop

/// The value-semantic, column-major matrix: construction, broadcasting, reductions, products.
struct MatrixTests {
    /// `[[1, 2, 3], [4, 5, 6]]`, a (2, 3) matrix.
    static let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])

    /// The textbook triple loop, for comparing products against.
    static func naiveProduct(_ x: Matrix<Double>, _ y: Matrix<Double>) -> Matrix<Double> {
        var result = Matrix<Double>(rows: x.rows, columns: y.columns)
        for i in 0..<x.rows {
            for j in 0..<y.columns {
                var total = 0.0
                for p in 0..<x.columns { total += x[i, p] * y[p, j] }
                result[i, j] = total
            }
        }
        return result
    }

    /// Small integers, so every product below is exact whatever the summation order.
    static func integerMatrix(rows: Int, columns: Int, seed: UInt64) -> Matrix<Double> {
        var generator = SeededGenerator(seed: seed)
        var result = Matrix<Double>(rows: rows, columns: columns)
        for i in 0..<result.count { result.elements[i] = Double(generator.nextBelow(19) - 9) }
        return result
    }

    // MARK: Construction and access

    @Test("The three constructions agree and store column-major")
    func construction() {
        let literal = Self.a
        let rowMajor = Matrix<Double>(rows: 2, columns: 3, rowMajor: [1, 2, 3, 4, 5, 6])
        let columnMajor = Matrix<Double>(rows: 2, columns: 3, columnMajor: [1, 4, 2, 5, 3, 6])
        #expect(literal == rowMajor)
        #expect(literal == columnMajor)
        #expect(literal.shape == Shape(2, 3))
        #expect(literal.rows == 2 && literal.columns == 3 && literal.count == 6)
        #expect(Array(literal.elements) == [1, 4, 2, 5, 3, 6])
        #expect(literal.rowMajorElements == [1, 2, 3, 4, 5, 6])
        #expect(Matrix<Double>(rows: 2, columns: 2, repeating: 7).elements.allSatisfy { $0 == 7 })
        #expect(Matrix<Float>(shape: Shape(3, 1)) == Matrix<Float>([[0], [0], [0]]))
        #expect(Matrix<Double>([]).shape == Shape(0, 0))
        #expect(literal.description == "[[1.0, 2.0, 3.0],\n [4.0, 5.0, 6.0]]")
        #expect(Shape(4, 3).description == "(4, 3)")
        #expect(Shape(4, 3).transposed == Shape(3, 4))
        #expect(Shape(4, 3).count == 12)
    }

    @Test("Subscripts read and write (row, column)")
    func subscripts() {
        var m = Self.a
        #expect(m[0, 0] == 1 && m[0, 2] == 3 && m[1, 0] == 4 && m[1, 2] == 6)
        m[1, 1] = -5
        #expect(m[1, 1] == -5)
        #expect(m.elements[1 + 1 * 2] == -5)
        #expect(Self.a[1, 1] == 5, "value semantics: the original is untouched")
    }

    @Test("column(_:) and columns(_:) select examples in the order asked")
    func columnSelection() {
        #expect(Self.a.column(1) == Matrix([[2], [5]]))
        #expect(Self.a.columns([2, 0, 2]) == Matrix([[3, 1, 3], [6, 4, 6]]))
        #expect(Self.a.columns(1..<3) == Matrix([[2, 3], [5, 6]]))
        #expect(Self.a.columns([Int]()).shape == Shape(2, 0))
    }

    @Test("converted(to:) changes precision and keeps the shape")
    func conversion() {
        let third = Matrix<Double>([[1.0 / 3, 2], [-0.5, 1e10]])
        let single: Matrix<Float> = third.converted(to: Float.self)
        #expect(single.shape == Shape(2, 2))
        #expect(single[0, 0] == Float(1.0 / 3))
        #expect(single[1, 1] == 1e10)
        let back: Matrix<Double> = single.converted()
        #expect(back[0, 1] == 2 && back[1, 0] == -0.5)
        #expect(back[0, 0] == Double(Float(1.0 / 3)))
    }

    // MARK: Broadcasting

    @Test("Broadcast shapes follow NumPy, and mismatches give nil")
    func broadcastShapes() {
        typealias M = Matrix<Double>
        #expect(M.broadcastShape(Shape(3, 4), Shape(3, 1)) == Shape(3, 4))
        #expect(M.broadcastShape(Shape(1, 4), Shape(3, 4)) == Shape(3, 4))
        #expect(M.broadcastShape(Shape(1, 1), Shape(3, 4)) == Shape(3, 4))
        #expect(M.broadcastShape(Shape(3, 1), Shape(1, 4)) == Shape(3, 4))
        #expect(M.broadcastShape(Shape(3, 4), Shape(4, 3)) == nil)
        #expect(M.broadcastShape(Shape(2, 4), Shape(3, 1)) == nil)
    }

    @Test("+ − * / broadcast a (n, 1) column, a (1, m) row and a (1, 1) scalar, on either side")
    func broadcastingArithmetic() {
        let a = Self.a
        let column = Matrix<Double>([[10], [20]])
        let row = Matrix<Double>([[1, 2, 4]])
        let scalar = Matrix<Double>([[2]])

        #expect(a + column == Matrix([[11, 12, 13], [24, 25, 26]]))
        #expect(column + a == Matrix([[11, 12, 13], [24, 25, 26]]))
        #expect(a - column == Matrix([[-9, -8, -7], [-16, -15, -14]]))
        #expect(column - a == Matrix([[9, 8, 7], [16, 15, 14]]))
        #expect(a * column == Matrix([[10, 20, 30], [80, 100, 120]]))
        #expect(a / column == Matrix([[0.1, 0.2, 0.3], [0.2, 0.25, 0.3]]))

        #expect(a + row == Matrix([[2, 4, 7], [5, 7, 10]]))
        #expect(row - a == Matrix([[0, 0, 1], [-3, -3, -2]]))
        #expect(a * row == Matrix([[1, 4, 12], [4, 10, 24]]))
        #expect(a / row == Matrix([[1, 1, 0.75], [4, 2.5, 1.5]]))

        #expect(a + scalar == a + 2)
        #expect(scalar - a == 2 - a)
        #expect(a * scalar == Matrix([[2, 4, 6], [8, 10, 12]]))
        #expect(a / scalar == Matrix([[0.5, 1, 1.5], [2, 2.5, 3]]))
        #expect(scalar / a == 2 / a)

        // A column and a row broadcast against each other to an outer sum.
        #expect(column + row == Matrix([[11, 12, 14], [21, 22, 24]]))
        #expect(row * column == Matrix([[10, 20, 40], [20, 40, 80]]))

        // Same shapes: elementwise (Hadamard), not a matrix product.
        #expect(a * a == Matrix([[1, 4, 9], [16, 25, 36]]))
        #expect(-a == Matrix([[-1, -2, -3], [-4, -5, -6]]))
        #expect(a * 3 == 3 * a && a - 1 == Matrix([[0, 1, 2], [3, 4, 5]]))
    }

    @Test("Compound assignment works in place, with broadcasting on the right")
    func compoundAssignment() {
        var m = Self.a
        m += Matrix([[10], [20]])
        #expect(m == Matrix([[11, 12, 13], [24, 25, 26]]))
        m -= Matrix([[1, 2, 3]])
        #expect(m == Matrix([[10, 10, 10], [23, 23, 23]]))
        m *= Matrix([[2]])
        #expect(m == Matrix([[20, 20, 20], [46, 46, 46]]))
        m /= Matrix([[2], [23]])
        #expect(m == Matrix([[10, 10, 10], [2, 2, 2]]))
        m *= Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m == Matrix([[10, 20, 30], [8, 10, 12]]))
        m += 1
        m -= 3
        m *= 0.5
        m /= 2
        #expect(m == Matrix([[2, 4.5, 7], [1.5, 2, 2.5]]))

        // A copy is not changed by compound assignment on the original.
        var original = Self.a
        let copy = original
        original += 1
        #expect(copy == Self.a)
    }

    @Test("map and zip")
    func mapAndZip() {
        #expect(Self.a.map { $0 * $0 } == Self.a * Self.a)
        let z = Matrix.zip(Self.a, Matrix([[1], [2]])) { Swift.max($0, $1 * 3) }
        #expect(z == Matrix([[3, 3, 3], [6, 6, 6]]))
    }

    // MARK: Reductions

    @Test("sum and mean over axis 0 and 1 keep dimensions; total sum and mean")
    func reductions() {
        let a = Self.a
        #expect(a.sum() == 21)
        #expect(a.mean() == 3.5)
        #expect(a.sum(axis: 0) == Matrix([[5, 7, 9]]))
        #expect(a.sum(axis: 0).shape == Shape(1, 3))
        #expect(a.sum(axis: 1) == Matrix([[6], [15]]))
        #expect(a.sum(axis: 1).shape == Shape(2, 1))
        #expect(a.mean(axis: 0) == Matrix([[2.5, 3.5, 4.5]]))
        #expect(a.mean(axis: 1) == Matrix([[2], [5]]))
        #expect(a.max(axis: 0) == Matrix([[4, 5, 6]]))
        #expect(a.max(axis: 1) == Matrix([[3], [6]]))
        var db = Matrix<Double>(rows: 2, columns: 1, repeating: 99)
        a.sumColumns(into: &db, scale: 0.5)
        #expect(db == Matrix([[3], [7.5]]))
        #expect(a.squaredNorm() == 91)
        #expect(abs(a.norm() - 91.0.squareRoot()) <= 1e-15)
        #expect((-a).maxAbs() == 6)
        #expect(Matrix<Double>(rows: 0, columns: 3).maxAbs() == 0)
        #expect(Matrix<Double>(rows: 0, columns: 3).mean().isNaN)
        // Float sums are accumulated in Double: 1 + 1e-8 × 10⁴ is not lost.
        var small = Matrix<Float>(rows: 1, columns: 10_001, repeating: 1e-8)
        small[0, 0] = 1
        #expect(abs(small.sum() - 1.0001) <= 1e-6)
    }

    @Test("argmaxPerColumn gives each column's largest row (the first on ties)")
    func argmax() {
        let scores = Matrix<Double>([[0.1, 0.7, 0.2, 5], [0.8, 0.1, 0.2, 5], [0.1, 0.2, 0.6, -1]])
        #expect(scores.argmaxPerColumn() == [1, 0, 2, 0])
        #expect(Matrix<Double>([[3, -2]]).argmaxPerColumn() == [0, 0])
    }

    @Test("isFinite spots NaN and infinity")
    func finiteness() {
        #expect(Self.a.isFinite)
        var m = Self.a
        m[1, 2] = .nan
        #expect(!m.isFinite)
        m[1, 2] = -.infinity
        #expect(!m.isFinite)
    }

    // MARK: Transposes and products

    @Test("transposed() and Matrix(.T) materialise the transpose")
    func transpose() {
        let t = Self.a.transposed()
        #expect(t == Matrix([[1, 4], [2, 5], [3, 6]]))
        #expect(Matrix(Self.a.T) == t)
        #expect(Self.a.T.shape == Shape(3, 2))
        #expect(t.transposed() == Self.a)
    }

    @Test("dot in all four transpose combinations equals the naive product",
          arguments: [(1, 1, 1), (2, 3, 4), (5, 1, 7), (1, 6, 3), (17, 9, 13), (33, 65, 31)])
    func products(m: Int, n: Int, k: Int) {
        let x = Self.integerMatrix(rows: m, columns: k, seed: UInt64(m * 1000 + k))
        let y = Self.integerMatrix(rows: k, columns: n, seed: UInt64(n * 1000 + k + 7))
        let expected = Self.naiveProduct(x, y)
        let (xT, yT) = (x.transposed(), y.transposed())  // stored transposed, used through .T
        #expect(x.dot(y) == expected)
        #expect(dot(x, y) == expected)
        #expect(x.dot(yT.T) == expected)
        #expect(xT.T.dot(y) == expected)
        #expect(xT.T.dot(yT.T) == expected)
        #expect(expected.shape == Shape(m, n))
    }

    @Test("formProduct accumulates α·op(a)·op(b) + β·self")
    func formProduct() {
        let x = Self.integerMatrix(rows: 4, columns: 3, seed: 1)
        let y = Self.integerMatrix(rows: 3, columns: 5, seed: 2)
        var c = Self.integerMatrix(rows: 4, columns: 5, seed: 3)
        let start = c
        c.formProduct(x, .none, y, .none, alpha: 2, beta: -1)
        #expect(c == 2 * Self.naiveProduct(x, y) - start)
        var fresh = Matrix<Double>(rows: 4, columns: 5, repeating: .nan)
        fresh.formProduct(x.transposed(), .transposed, y, .none)
        #expect(fresh == Self.naiveProduct(x, y), "β = 0 must not read the old NaNs")
    }

    @Test("Float products agree with Double ones")
    func floatProducts() {
        let x = Self.integerMatrix(rows: 7, columns: 5, seed: 4)
        let y = Self.integerMatrix(rows: 5, columns: 6, seed: 5)
        let single: Matrix<Float> = x.converted()
        let product: Matrix<Double> = single.dot(y.converted(to: Float.self)).converted()
        #expect(product == Self.naiveProduct(x, y))
        #expect(single.T.dot(single) .converted(to: Double.self) == Self.naiveProduct(x.transposed(), x))
    }

    @Test("Empty products give zero-sized results or zeros")
    func emptyProducts() {
        let x = Matrix<Double>(rows: 3, columns: 0)
        let y = Matrix<Double>(rows: 0, columns: 2)
        #expect(x.dot(y) == Matrix(rows: 3, columns: 2))
        #expect(y.T.dot(x.T) == Matrix(rows: 2, columns: 3))
        #expect(Matrix<Double>(rows: 0, columns: 4).dot(Matrix(rows: 4, columns: 2)).shape == Shape(0, 2))
    }
}
