import Foundation

extension BackpropError {
    /// The bytes of the file at `url` (memory-mapped when safe), or a ``malformedFile(path:reason:)``
    /// error saying why it cannot be read: the one way every reader opens a file.
    static func contents(of url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw BackpropError.malformedFile(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }
}
