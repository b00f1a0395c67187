/// A warning about a known numerical mistake in a forward pass or a formula file.
public struct DerivationLintWarning: Sendable, Equatable, CustomStringConvertible {
    /// What kind of mistake.
    public enum Kind: String, Sendable, Equatable {
        /// Softmax applied to something already softmaxed, or before a loss that expects logits.
        case doubleSoftmax
        /// Sigmoid applied to something already a sigmoid output, or before a loss that expects
        /// logits.
        case doubleSigmoid
        /// A cross-entropy computed with `log` of probabilities where the stable logits form
        /// exists.
        case lossOnProbabilities
        /// An output activation and loss that train badly together.
        case unstablePairing
    }

    /// The kind of warning.
    public let kind: Kind
    /// The 1-based line, when the warning is about a file.
    public let line: Int?
    /// The warning in words.
    public let message: String

    /// A warning.
    public init(kind: Kind, line: Int?, message: String) {
        self.kind = kind
        self.line = line
        self.message = message
    }

    /// `line N: message` (or the message alone).
    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}
