/// Examples in the course's layout: `X` is `(n_x, m)`, `Y` is `(n_y, m)` — one example per
/// column in both.
public struct Dataset<Scalar: BackpropScalar>: Sendable {
    /// Features, `(n_x, m)`.
    public var X: Matrix<Scalar>
    /// Labels, `(n_y, m)`: 0/1 rows for binary, one-hot columns for several classes.
    public var Y: Matrix<Scalar>
    /// Where the data came from (a file path or a generator's name), for reports and errors.
    public var name: String
    /// The image each example is, when the data are images (IDX files: `1×H×W`); each column of
    /// `X` is then that image in C·H·W order (``ImageShape``). `nil` for feature vectors.
    public var imageShape: ImageShape? = nil

    /// A dataset; `X` and `Y` must have the same number of columns.
    public init(X: Matrix<Scalar>, Y: Matrix<Scalar>, name: String) throws {
        guard X.columns == Y.columns else {
            throw BackpropError.shapeMismatch(operation: "dataset \(name): X and Y must have one column per example", left: X.shape, right: Y.shape)
        }
        self.X = X
        self.Y = Y
        self.name = name
    }

    /// `m`, the number of examples.
    public var count: Int { X.columns }
}
