import Foundation

/// A trained network together with everything needed to use it on raw inputs: the input
/// standardisation it was trained with, its class names, how its labels were encoded, its task,
/// and the run that made it.
///
/// A model file is a safetensors file: the network's `state_dict` tensors and architecture
/// (``Network/save(to:metadata:)``) plus the fields of ``metadata`` in `__metadata__`. Read it
/// with ``init(contentsOf:kinds:)`` and call ``predict(_:)`` on raw features; the standardisation
/// is applied for you.
///
/// ```swift
/// let model = try Model<Float>(contentsOf: URL(fileURLWithPath: "runs/iris/model.safetensors"))
/// let probabilities = try model.predict(rawFeatures)   // (n_y, m)
/// ```
public struct Model<Scalar: BackpropScalar>: Sendable {
    /// The network, which takes standardised inputs when ``standardizer`` is set.
    public var network: Network<Scalar>
    /// The per-feature standardisation fitted on the training split (`nil`: inputs are used as given).
    public var standardizer: Standardizer?
    /// The class of each output unit (one-hot) or of the values 0 and 1 (binary); `nil` when unknown.
    public var classNames: [String]?
    /// What the model predicts.
    public var task: ModelTask
    /// How labels were turned into `Y`.
    public var labelEncoding: LabelEncoding
    /// The data and preparation of the run that trained it (`nil` for models saved without one).
    public var run: TrainingRun?

    /// A model around `network`; the task and label encoding default to what its output layer implies.
    public init(
        network: Network<Scalar>, standardizer: Standardizer? = nil, classNames: [String]? = nil,
        task: ModelTask? = nil, labelEncoding: LabelEncoding? = nil, run: TrainingRun? = nil
    ) {
        self.network = network
        self.standardizer = standardizer
        self.classNames = classNames
        self.task = task ?? ModelTask.implied(by: network)
        self.labelEncoding = labelEncoding ?? LabelEncoding.implied(by: network)
        self.run = run
    }

    /// Reads a model file written by ``save(to:metadata:)`` (or a checkpoint, or a plain network file).
    public init(contentsOf url: URL, kinds: LayerKinds = .builtIn) throws {
        try self.init(safeTensors: SafeTensors.read(contentsOf: url), source: url.path, kinds: kinds)
    }

    /// Builds a model from a parsed safetensors file; `source` names it in errors.
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` naming the metadata field that
    ///   does not parse or does not fit the network.
    public init(safeTensors file: SafeTensors.File, source: String, kinds: LayerKinds = .builtIn) throws {
        let network = try Network<Scalar>(safeTensors: file, source: source, kinds: kinds)
        let fields = try ModelMetadata.decode(file.metadata, source: source, features: network.inputSize, outputs: network.outputSize)
        self.init(network: network, standardizer: fields.standardizer, classNames: fields.classNames,
                  task: fields.task, labelEncoding: fields.labelEncoding, run: fields.run)
    }

    /// The `__metadata__` fields that describe the model beyond its architecture.
    public var metadata: [String: String] {
        ModelMetadata.encode(standardizer: standardizer, classNames: classNames, task: task, labelEncoding: labelEncoding, run: run)
    }

    /// Writes the model (atomically): the network, its architecture and ``metadata``, and `extra`.
    public func save(to url: URL, metadata extra: [String: String] = [:]) throws {
        try network.save(to: url, metadata: metadata.merging(extra) { $1 })
    }

    /// Raw features `(n_x, m)` as the network takes them (standardised when the model was
    /// trained on standardised inputs).
    public func prepare(_ X: Matrix<Scalar>) throws -> Matrix<Scalar> {
        guard X.rows == network.inputSize else {
            throw BackpropError.shapeMismatch(operation: "features against the model's inputs (rows of X must equal n_x = \(network.inputSize))", left: X.shape, right: Shape(network.inputSize, X.columns))
        }
        return try standardizer.map { try $0.transform(X) } ?? X
    }

    /// The output activations `A[L]` `(n_y, m)` for raw features `(n_x, m)`.
    public func predict(_ X: Matrix<Scalar>) throws -> Matrix<Scalar> {
        try network.predict(prepare(X))
    }

    /// The name of output column `k` of ``predict(_:)``: `p_<class>` for classification (a
    /// sigmoid's one unit is the positive class, `p_1` or `p_<second class>`), `y` or `y<k>` for regression.
    public func outputName(_ k: Int) -> String {
        switch task {
        case .regression: return network.outputSize == 1 ? "y" : "y\(k)"
        case .classification:
            let index = network.outputSize == 1 ? 1 : k
            let name = classNames.flatMap { index < $0.count ? $0[index] : nil } ?? String(index)
            return "p_" + name
        }
    }
}
