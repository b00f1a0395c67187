import Foundation

/// A line of a formula file that cannot be evaluated: an undefined name, shapes that do not fit
/// (both named), an unknown function.
public struct DerivationEvaluationError: LocalizedError, Sendable, Equatable, CustomStringConvertible {
    /// The message, e.g. `shape mismatch in np.dot: (1, 4) and (1, 7)`.
    public let message: String
    /// The mistake the failure shows, where it is one the checker names (a transpose missing in
    /// a product): the line is then wrong, not unevaluated.
    public let mistake: DerivationMistake?
    /// For a product whose operands do not fit: which ones fit transposed.
    let transposeFix: TransposeFix?
    /// The operands' shapes, `(1, 4) and (1, 7)`, where `transposeFix` is set.
    let operandShapes: String

    /// Which operands of a product fit when transposed.
    enum TransposeFix: Sendable, Equatable {
        case first, second, both
    }

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
        mistake = nil
        transposeFix = nil
        operandShapes = ""
    }

    init(_ message: String, mistake: DerivationMistake?, transposeFix: TransposeFix? = nil, operandShapes: String = "") {
        self.message = message
        self.mistake = mistake
        self.transposeFix = transposeFix
        self.operandShapes = operandShapes
    }

    /// The message.
    public var description: String { message }

    /// Errors are equal when their messages and mistakes are.
    public static func == (a: Self, b: Self) -> Bool { a.message == b.message && a.mistake == b.mistake }

    /// The same text as ``description``, for `error.localizedDescription`.
    public var errorDescription: String? { description }
}
