/// An n-dimensional array as a NumPy `.npy` file holds it: a shape, a memory order and typed
/// elements.
///
/// ``NPY`` and ``NPZ`` read files into `NPYArray`s; ``matrix(_:)`` turns one into a
/// ``Matrix`` with the same logical shape — an `(r, c)` array becomes `r` rows and `c` columns
/// whichever order it was stored in, a 1-D `(n,)` array becomes an `(n, 1)` column and a 0-d
/// scalar a `(1, 1)` matrix.
public struct NPYArray: Sendable, Equatable {
    /// How the elements of an array with two or more dimensions are laid out.
    public enum MemoryOrder: Sendable, Equatable {
        /// Row-major, the last index varying fastest (NumPy's default, `fortran_order: False`).
        case c
        /// Column-major, the first index varying fastest (`fortran_order: True`); the same
        /// layout as ``Matrix``.
        case fortran
    }

    /// The elements in ``order``, typed as stored.
    public enum Elements: Sendable, Equatable {
        /// `float32` elements.
        case float32([Float])
        /// `float64` elements.
        case float64([Double])
        /// `uint8` elements.
        case uint8([UInt8])
        /// `int32` elements.
        case int32([Int32])
        /// `int64` elements.
        case int64([Int64])

        /// The number of elements.
        public var count: Int {
            switch self {
            case let .float32(values): return values.count
            case let .float64(values): return values.count
            case let .uint8(values): return values.count
            case let .int32(values): return values.count
            case let .int64(values): return values.count
            }
        }

        /// The element type.
        public var dataType: NPYDataType {
            switch self {
            case .float32: return .float32
            case .float64: return .float64
            case .uint8: return .uint8
            case .int32: return .int32
            case .int64: return .int64
            }
        }
    }

    /// The shape, as NumPy writes it: `[]` for a scalar, `[n]` for a vector, `[r, c]` for a
    /// matrix.
    public let shape: [Int]
    /// The memory order of ``elements``.
    public let order: MemoryOrder
    /// The elements, in ``order``.
    public let elements: Elements

    /// An array of `shape` from `elements` laid out in `order`.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when the shape has a negative
    ///   dimension or does not hold exactly `elements.count` elements.
    public init(shape: [Int], order: MemoryOrder = .c, elements: Elements) throws {
        guard let count = NPYArray.elementCount(of: shape) else {
            throw BackpropError.invalidArgument(
                "NPY shape \(NPYArray.describe(shape)) is negative or too large")
        }
        guard count == elements.count else {
            throw BackpropError.invalidArgument(
                "NPY shape \(NPYArray.describe(shape)) needs \(count) elements, got \(elements.count)")
        }
        self.shape = shape
        self.order = order
        self.elements = elements
    }

    /// A 2-D array `(rows, columns)` holding `matrix`, with the dtype of its scalar
    /// (`float32` or `float64`), laid out in `order`.
    public init<T: BackpropScalar>(_ matrix: Matrix<T>, order: MemoryOrder = .c) {
        let values: [T] = order == .fortran ? Array(matrix.elements) : matrix.rowMajorElements
        self.shape = [matrix.rows, matrix.columns]
        self.order = order
        self.elements = NPYArray.wrap(values)
    }

    /// A 1-D array `(n,)` holding the elements of a row or a column `matrix`.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when `matrix` has more than one row
    ///   and more than one column.
    public init<T: BackpropScalar>(vector matrix: Matrix<T>) throws {
        guard matrix.rows <= 1 || matrix.columns <= 1 else {
            throw BackpropError.invalidArgument(
                "a 1-D NPY array needs a row or a column, not a \(matrix.shape) matrix")
        }
        self.shape = [matrix.count]
        self.order = .c
        self.elements = NPYArray.wrap(Array(matrix.elements))
    }

    /// A 0-d array holding one `float64`, as `np.save(path, np.float64(x))` writes it.
    public init(scalar value: Double) {
        self.shape = []
        self.order = .c
        self.elements = .float64([value])
    }

    /// The element type.
    public var dataType: NPYDataType { elements.dataType }

    /// The number of elements (1 for a scalar).
    public var count: Int { elements.count }

    /// The elements converted to `Double`, in ``order``.
    public var doubleValues: [Double] {
        switch elements {
        case let .float32(values): return values.map { Double($0) }
        case let .float64(values): return values
        case let .uint8(values): return values.map { Double($0) }
        case let .int32(values): return values.map { Double($0) }
        case let .int64(values): return values.map { Double($0) }
        }
    }

    /// The value of a one-element array (a 0-d scalar such as a saved `cost`, or a shape
    /// `(1,)` or `(1, 1)` array).
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when the array has more than one
    ///   element.
    public func scalar() throws -> Double {
        guard count == 1 else {
            throw BackpropError.invalidArgument(
                "expected a scalar, got an NPY array of shape \(NPYArray.describe(shape))")
        }
        return doubleValues[0]
    }

    /// The array as a ``Matrix`` with the same logical shape: `(r, c)` → `r × c` (from either
    /// memory order), `(n,)` → `n × 1`, `()` → `1 × 1`; integers are converted to `T`.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` for more than two dimensions.
    public func matrix<T: BackpropScalar>(_: T.Type = T.self) throws -> Matrix<T> {
        let rows: Int
        let columns: Int
        switch shape.count {
        case 0: (rows, columns) = (1, 1)
        case 1: (rows, columns) = (shape[0], 1)
        case 2: (rows, columns) = (shape[0], shape[1])
        default:
            throw BackpropError.invalidArgument(
                "an NPY array of shape \(NPYArray.describe(shape)) has \(shape.count) dimensions;"
                    + " a matrix needs at most 2")
        }
        let transpose = shape.count == 2 && order == .c && rows > 1 && columns > 1
        var result = Matrix<T>(rows: rows, columns: columns)
        result.withUnsafeMutableBufferPointer { destination in
            switch elements {
            case let .float32(values): Self.copy(values, into: destination, rows, columns, transpose) { T($0) }
            case let .float64(values): Self.copy(values, into: destination, rows, columns, transpose) { T($0) }
            case let .uint8(values): Self.copy(values, into: destination, rows, columns, transpose) { T($0) }
            case let .int32(values): Self.copy(values, into: destination, rows, columns, transpose) { T($0) }
            case let .int64(values): Self.copy(values, into: destination, rows, columns, transpose) { T($0) }
            }
        }
        return result
    }

    /// Copies `source` into the column-major `destination`, transposing from row-major order
    /// when `transpose` is set.
    @inline(__always)
    private static func copy<S, T>(
        _ source: [S], into destination: UnsafeMutableBufferPointer<T>,
        _ rows: Int, _ columns: Int, _ transpose: Bool, convert: (S) -> T
    ) {
        source.withUnsafeBufferPointer { source in
            if transpose {
                for i in 0..<rows {
                    let rowStart = i * columns
                    for j in 0..<columns { destination[i + j * rows] = convert(source[rowStart + j]) }
                }
            } else {
                for k in 0..<source.count { destination[k] = convert(source[k]) }
            }
        }
    }

    /// Wraps Backprop scalars as `float32` or `float64` elements.
    private static func wrap<T: BackpropScalar>(_ values: [T]) -> Elements {
        if let values = values as? [Float] { return .float32(values) }
        if let values = values as? [Double] { return .float64(values) }
        return .float64(values.map { Double($0) })
    }

    /// The product of `shape`, or `nil` when a dimension is negative or the product overflows.
    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// A shape as NumPy prints it: `()`, `(3,)`, `(2, 3)`.
    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
