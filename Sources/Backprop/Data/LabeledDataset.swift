/// A ``Dataset`` together with what its rows and label rows mean: the feature names and the
/// class names, as a table loader found them.
public struct LabeledDataset<Scalar: BackpropScalar>: Sendable {
    /// The examples: `X` is `(features, m)`, `Y` is `(1, m)` 0/1 for two classes encoded as
    /// binary, otherwise `(classes, m)` one-hot.
    public var dataset: Dataset<Scalar>
    /// The name of each row of `X`, in order.
    public var featureNames: [String]
    /// The classes in label order: class `k` is row `k` of a one-hot `Y`, or the value `k` of a
    /// binary `Y`. Integer labels are sorted numerically, text labels lexicographically.
    public var classNames: [String]
    /// The class index of each example, `0..<classNames.count`.
    public var classIndices: [Int]

    /// A labelled dataset; `classIndices` has one entry per example.
    public init(dataset: Dataset<Scalar>, featureNames: [String], classNames: [String], classIndices: [Int]) {
        self.dataset = dataset
        self.featureNames = featureNames
        self.classNames = classNames
        self.classIndices = classIndices
    }

    /// Features, `(n_x, m)`.
    public var X: Matrix<Scalar> { dataset.X }
    /// Labels, `(n_y, m)`.
    public var Y: Matrix<Scalar> { dataset.Y }
    /// `m`, the number of examples.
    public var count: Int { dataset.count }
}
