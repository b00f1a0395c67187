/// What a model predicts, and so how its labels and outputs are read.
public enum ModelTask: String, Sendable, Codable, CaseIterable {
    /// Classes: a sigmoid unit (binary) or several units (one-hot, softmax); accuracy, the
    /// confusion matrix, precision, recall and F1 apply.
    case classification
    /// Numbers: identity outputs trained with the mean squared error; R², MAE and RMSE apply.
    case regression

    /// The task a network's output layer implies: regression for an identity output trained
    /// with MSE, classification otherwise.
    public static func implied<S: BackpropScalar>(by network: Network<S>) -> ModelTask {
        network.outputActivation == .identity && network.loss == .meanSquaredError ? .regression : .classification
    }
}

/// How the labels of a dataset were turned into `Y`.
public enum LabelEncoding: String, Sendable, Codable, CaseIterable {
    /// `Y` is `(1, m)` of 0 and 1 (class 1 is the positive class of a sigmoid output).
    case binary
    /// `Y` is `(classes, m)`, one-hot.
    case oneHot = "one_hot"
    /// `Y` holds the label values themselves (regression).
    case numeric

    /// The encoding a network's output layer implies.
    public static func implied<S: BackpropScalar>(by network: Network<S>) -> LabelEncoding {
        if ModelTask.implied(by: network) == .regression { return .numeric }
        return network.outputSize == 1 ? .binary : .oneHot
    }
}
