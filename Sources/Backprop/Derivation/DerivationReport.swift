/// The verdict on a derivation: per line correct, wrong (with a diagnosis), not checked, or an
/// error; the 1/m convention the derivation follows; and lint warnings.
public struct DerivationReport: Sendable {
    /// How one line fared.
    public enum Status: String, Sendable, Equatable {
        /// Equal to the reference ledger under the derivation's convention, on every seed.
        case correct
        /// Different from the reference; ``Line/diagnosis`` says how.
        case wrong
        /// A temporary, or a name the network has no gradient for: evaluated, not compared.
        case notChecked
        /// The line could not be evaluated; ``Line/diagnosis`` holds the message.
        case error
    }

    /// One assignment's verdict.
    public struct Line: Sendable, Equatable {
        /// The 1-based line number in the file (for the closure form: the position in the order
        /// checked, output layer first).
        public let line: Int
        /// The assigned name, e.g. `dW1`.
        public let name: String
        /// The statement's text (for the closure form, the name).
        public let text: String
        /// The verdict.
        public let status: Status
        /// For wrong lines the diagnosis in words (e.g. `off by 1/m: 1/m applied twice (first
        /// applied on line 1)`); for errors the message; otherwise `nil` or a note.
        public let diagnosis: String?
        /// The recognised kind of mistake, for wrong and error lines.
        public let mistake: DerivationMistake?
        /// The gradients this line computes, when they are not its own name: `dW3, dW2, dW1`
        /// for `dW = …` inside `linear_backward`, once per layer it is called for.
        public let checkedAs: [String]
        /// The column of the statement (of its target).
        public let column: Int

        /// A line's verdict.
        public init(
            line: Int, name: String, text: String, status: Status, diagnosis: String?, mistake: DerivationMistake?,
            checkedAs: [String] = [], column: Int = 1
        ) {
            self.line = line
            self.name = name
            self.text = text
            self.status = status
            self.diagnosis = diagnosis
            self.mistake = mistake
            self.checkedAs = checkedAs
            self.column = column
        }
    }

    /// Every assignment, in file order.
    public let lines: [Line]
    /// The convention the derivation follows: decided by the first line whose value matches
    /// one convention's reference and not the other's; `nil` when no line decides it.
    public let convention: Convention?
    /// The line (``Line/line``) that decided the convention.
    public let conventionLine: Int?
    /// The architecture checked against.
    public let architecture: DerivationArchitecture
    /// The batch sizes m of the random instances (never powers of two).
    public let exampleCounts: [Int]
    /// Lint warnings on the file (double softmax, cross-entropy from probabilities).
    public let lintWarnings: [DerivationLintWarning]

    /// Whether no line is wrong and none failed to evaluate.
    public var isCorrect: Bool { !lines.contains { $0.status == .wrong || $0.status == .error } }

    /// Whether some line is wrong (lines that could not be evaluated are not mistakes).
    public var hasMistakes: Bool { lines.contains { $0.status == .wrong } }

    /// The L2 strength λ the reference includes: ``DerivationChecker/courseL2`` when the file
    /// reads `lambd` (C2W1's regularized backward pass), else 0.
    public var l2: Double = 0

    /// The keep probability of the reference's inverted dropout: ``DerivationChecker/courseKeepProbability``
    /// (or the number the file sets) when the file reads `keep_prob` (C2W1's
    /// `backward_propagation_with_dropout`), else `nil`. The masks `D1, D2, …` are the
    /// reference's, given to the file in its cache and by its `np.random.rand` calls.
    public var keepProbability: Double?

    /// How the architecture was found: `nil` when given, else a sentence naming what in the
    /// file it was inferred from.
    public var inference: String?

    /// The lines with `status`.
    public func lines(_ status: Status) -> [Line] { lines.filter { $0.status == status } }

    /// The verdict for the (last) assignment to `name`.
    public func line(named name: String) -> Line? { lines.last { $0.name == name } }
}
