/// A dense, value-semantic matrix in the course's layout: **column-major**, one example per
/// column.
///
/// `Matrix<Float>` and `Matrix<Double>` are the only instantiations. A `(n, m)` matrix stored
/// column-major is byte-for-byte the row-major `(m, n)` array PyTorch and NumPy use for a
/// batch-first tensor, so the same buffer serves both views.
///
/// Copies are cheap until one side is mutated (copy-on-write through the element array);
/// the `…InPlace` and compound-assignment operations reuse storage on hot paths.
public struct Matrix<Scalar: BackpropScalar>: Sendable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements, column by column (element `(i, j)` is at `i + j * rows`).
    public internal(set) var elements: ContiguousArray<Scalar>

    /// A `rows × columns` matrix with every element equal to `value`.
    ///
    /// - Precondition: the dimensions are not negative and their product fits an `Int`. Sizes
    ///   from input are checked first, with ``CheckedSize`` and a ``MemoryBudget``.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        precondition(rows >= 0 && columns >= 0 && !overflow,
            "matrix dimensions (\(rows), \(columns)) are negative or overflow; check sizes from input with MemoryBudget")
        self.rows = rows
        self.columns = columns
        self.elements = ContiguousArray(repeating: value, count: count)
    }

    /// A matrix whose elements are not initialized: for a buffer that a kernel overwrites
    /// entirely before anything reads it (a layer's output during inference), so that a large
    /// one is not first filled with zeros.
    init(uninitializedRows rows: Int, columns: Int) {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        precondition(rows >= 0 && columns >= 0 && !overflow,
            "matrix dimensions (\(rows), \(columns)) are negative or overflow; check sizes from input with MemoryBudget")
        self.rows = rows
        self.columns = columns
        self.elements = ContiguousArray(unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Makes `self` a `(rows, columns)` buffer for a kernel that overwrites every element: the
    /// storage is kept when the shape already fits and it is not shared, replaced by an
    /// uninitialized one otherwise (a layer's output in a loop that reuses it).
    mutating func prepareOutput(rows: Int, columns: Int) {
        if self.rows != rows || self.columns != columns { self = Matrix(uninitializedRows: rows, columns: columns) }
    }

    /// A matrix of the given shape with every element equal to `value`.
    public init(shape: Shape, repeating value: Scalar = 0) {
        self.init(rows: shape.rows, columns: shape.columns, repeating: value)
    }

    /// A matrix from elements given column by column (Fortran order).
    public init<C: Collection>(rows: Int, columns: Int, columnMajor elements: C)
    where C.Element == Scalar {
        precondition(elements.count == rows * columns,
            "\(elements.count) elements cannot fill a (\(rows), \(columns)) matrix")
        self.rows = rows
        self.columns = columns
        self.elements = ContiguousArray(elements)
    }

    /// A matrix from elements given row by row (C order, as NumPy prints them).
    public init<C: Collection>(rows: Int, columns: Int, rowMajor elements: C)
    where C.Element == Scalar {
        precondition(elements.count == rows * columns,
            "\(elements.count) elements cannot fill a (\(rows), \(columns)) matrix")
        let source = Array(elements)
        self.init(rows: rows, columns: columns)
        for i in 0..<rows {
            for j in 0..<columns { self.elements[i + j * rows] = source[i * columns + j] }
        }
    }

    /// A matrix from a list of rows, as written on paper: `Matrix([[1, 2], [3, 4]])`.
    public init(_ rowList: [[Scalar]]) {
        let columns = rowList.first?.count ?? 0
        precondition(rowList.allSatisfy { $0.count == columns }, "rows of different lengths")
        self.init(rows: rowList.count, columns: columns, rowMajor: rowList.joined())
    }

    /// The shape `(rows, columns)`.
    public var shape: Shape { Shape(rows, columns) }

    /// The number of elements.
    public var count: Int { elements.count }

    /// The element in row `row` and column `column`.

    public subscript(row: Int, column: Int) -> Scalar {
        get { elements[row + column * rows] }
        set { elements[row + column * rows] = newValue }
    }

    /// Calls `body` with the elements, column by column.

    public func withUnsafeBufferPointer<R>(
        _ body: (UnsafeBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the mutable elements, column by column.

    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try elements.withUnsafeMutableBufferPointer(body)
    }

    /// The same values in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, columnMajor: elements.lazy.map { Other($0) })
    }

    /// The elements row by row (C order), e.g. for writing a row-major file.
    public var rowMajorElements: [Scalar] {
        var result = [Scalar]()
        result.reserveCapacity(count)
        for i in 0..<rows { for j in 0..<columns { result.append(self[i, j]) } }
        return result
    }

    /// Column `j` as an `(rows, 1)` matrix.
    public func column(_ j: Int) -> Matrix {
        Matrix(rows: rows, columns: 1, columnMajor: elements[(j * rows)..<((j + 1) * rows)])
    }

    /// The columns whose indices are in `indices`, in that order (a mini-batch of examples).
    public func columns<S: Sequence>(_ indices: S) -> Matrix where S.Element == Int {
        var result = ContiguousArray<Scalar>()
        var n = 0
        for j in indices {
            result.append(contentsOf: elements[(j * rows)..<((j + 1) * rows)])
            n += 1
        }
        return Matrix(rows: rows, columns: n, columnMajor: result)
    }

    /// Whether every element is finite (no NaN, no infinity).
    public var isFinite: Bool { elements.withUnsafeBufferPointer(\.allFinite) }
}

extension Matrix: CustomStringConvertible {
    /// NumPy-like text, row by row.
    public var description: String {
        let body = (0..<rows).map { i in
            "[" + (0..<columns).map { j in "\(self[i, j])" }.joined(separator: ", ") + "]"
        }
        return "[" + body.joined(separator: ",\n ") + "]"
    }
}
