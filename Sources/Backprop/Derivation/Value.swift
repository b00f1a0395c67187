/// A value in a formula file: a Python scalar, a 2-D NumPy array, or a 1-D NumPy array.
///
/// 1-D arrays matter because `np.sum(dZ, axis=1)` without `keepdims=True` gives shape `(n,)`,
/// not `(n, 1)`, and NumPy then broadcasts it as a **row**: `db + b` becomes `(n, n)`. A 1-D
/// array is stored as a `(1, k)` row so that broadcasting follows NumPy's rules exactly.
enum DerivationValue: Sendable, Equatable, CustomStringConvertible {
    /// A Python float (or a NumPy 0-d result such as `np.sum(x)`).
    case scalar(Double)
    /// A 2-D array.
    case matrix(Matrix<Double>)
    /// A 1-D array of shape `(k,)`, stored as a `(1, k)` row.
    case vector(Matrix<Double>)

    /// A 1-D array from its entries.
    static func vector(_ entries: [Double]) -> DerivationValue {
        .vector(Matrix(rows: 1, columns: entries.count, columnMajor: entries))
    }

    /// NumPy's shape text: `()`, `(4,)` or `(4, 7)`.
    var shapeDescription: String {
        switch self {
        case .scalar: "()"
        case let .matrix(matrix): matrix.shape.description
        case let .vector(row): "(\(row.columns),)"
        }
    }

    /// The 2-D value, or `nil` for a scalar or a 1-D array.
    var matrix: Matrix<Double>? {
        if case let .matrix(matrix) = self { return matrix }
        return nil
    }

    /// The elements as stored (a 1-D array as its `(1, k)` row; a scalar as a `(1, 1)`).
    var storage: Matrix<Double> {
        switch self {
        case let .scalar(value): Matrix(rows: 1, columns: 1, repeating: value)
        case let .matrix(matrix), let .vector(matrix): matrix
        }
    }

    /// Applies `transform` to every element, keeping the kind.
    func map(_ transform: (Double) -> Double) -> DerivationValue {
        switch self {
        case let .scalar(value): .scalar(transform(value))
        case let .matrix(matrix): .matrix(matrix.map(transform))
        case let .vector(row): .vector(row.map(transform))
        }
    }

    /// The value as NumPy would print it, roughly.
    var description: String {
        switch self {
        case let .scalar(value): "\(value)"
        case let .matrix(matrix): matrix.description
        case let .vector(row): "[" + row.elements.map { "\($0)" }.joined(separator: ", ") + "]"
        }
    }

    /// Combines values element by element with NumPy broadcasting: scalars everywhere, 1-D
    /// arrays as rows, `(n, 1)` columns and `(1, m)` rows stretched.
    /// - Throws: ``DerivationEvaluationError`` naming the operation and both shapes when they do
    ///   not broadcast.
    static func elementwise(
        _ operands: [DerivationValue], operation: String, _ combine: ([Double]) -> Double
    ) throws -> DerivationValue {
        let arrays = operands.filter { if case .scalar = $0 { return false } else { return true } }
        if arrays.isEmpty {
            return .scalar(combine(operands.map { if case let .scalar(v) = $0 { v } else { 0 } }))
        }
        var shape = arrays[0].storage.shape
        for array in arrays.dropFirst() {
            guard let joint = Matrix<Double>.broadcastShape(shape, array.storage.shape) else {
                throw DerivationEvaluationError(
                    "shape mismatch in \(operation): " + operands.map(\.shapeDescription).joined(separator: " and ")
                    + " do not broadcast")
            }
            shape = joint
        }
        let sources = operands.map(\.storage)
        var result = Matrix<Double>(shape: shape)
        var scratch = [Double](repeating: 0, count: sources.count)
        for j in 0..<shape.columns {
            for i in 0..<shape.rows {
                for (k, source) in sources.enumerated() {
                    scratch[k] = source[source.rows == 1 ? 0 : i, source.columns == 1 ? 0 : j]
                }
                result[i, j] = combine(scratch)
            }
        }
        let allVectors = arrays.allSatisfy { if case .vector = $0 { return true } else { return false } }
        return allVectors ? .vector(result) : .matrix(result)
    }
}
