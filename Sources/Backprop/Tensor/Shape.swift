/// The shape of a matrix as the course writes it: `(rows, columns)`, e.g. `(n_x, m)`.
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    /// The number of rows (units, features).
    public var rows: Int
    /// The number of columns (examples).
    public var columns: Int

    /// Creates the shape `(rows, columns)`.
    public init(_ rows: Int, _ columns: Int) {
        self.rows = rows
        self.columns = columns
    }

    /// `rows × columns`.
    public var count: Int { rows * columns }

    /// The shape with rows and columns swapped.
    public var transposed: Shape { Shape(columns, rows) }

    /// NumPy's spelling, `(3, 4)`.
    public var description: String { "(\(rows), \(columns))" }
}
