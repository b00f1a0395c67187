import Foundation

/// Errors Backprop throws for problems a caller can fix: wrong shapes, bad settings, bad data.
///
/// Every message is one line that names the problem and, for shapes, both shapes involved.
public enum BackpropError: LocalizedError, Equatable, Sendable, CustomStringConvertible {
    /// Two operands whose shapes do not fit together; `operation` says what was attempted.
    case shapeMismatch(operation: String, left: Shape, right: Shape)
    /// A setting or argument outside what Backprop supports.
    case invalidArgument(String)
    /// A value that is NaN or infinite where a finite number is needed.
    case nonFinite(String)
    /// A linear-algebra backend that was asked for but could not be loaded.
    case backendUnavailable(String)
    /// A data file (NPY, NPZ, IDX, CSV, …) that cannot be read; `reason` says what is wrong and
    /// where in the file.
    case malformedFile(path: String, reason: String)
    /// A size taken from input (a flag, a header, a file) that overflows `Int` or does not fit
    /// the ``MemoryBudget``; the message names what would not fit and the budget.
    case tooLarge(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(operation, left, right):
            return "shape mismatch in \(operation): \(left) and \(right)"
        case let .invalidArgument(message), let .nonFinite(message), let .backendUnavailable(message),
             let .tooLarge(message):
            return message
        case let .malformedFile(path, reason):
            return "\(path): \(reason)"
        }
    }

    /// The same one line as ``description``, so `error.localizedDescription` shows the problem
    /// rather than "The operation could not be completed".
    public var errorDescription: String? { description }
}
