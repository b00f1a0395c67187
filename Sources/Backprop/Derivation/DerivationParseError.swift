import Foundation

/// A formula file that does not parse, located by 1-based line and column:
/// `line 3, column 14: expected ')'`.
public struct DerivationParseError: LocalizedError, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line.
    public let line: Int
    /// The 1-based column (in characters).
    public let column: Int
    /// What was wrong, e.g. `expected ')'`.
    public let message: String

    /// An error at `line`, `column`.
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }

    /// The same text as ``description``, for `error.localizedDescription`.
    public var errorDescription: String? { description }
}
