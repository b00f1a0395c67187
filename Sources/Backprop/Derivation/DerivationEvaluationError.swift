import Foundation

/// A line of a formula file that cannot be evaluated: an undefined name, shapes that do not fit
/// (both named), an unknown function.
public struct DerivationEvaluationError: LocalizedError, Sendable, Equatable, CustomStringConvertible {
    /// The message, e.g. `shape mismatch in np.dot: (1, 4) and (1, 7)`.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }

    /// The same text as ``description``, for `error.localizedDescription`.
    public var errorDescription: String? { description }
}
