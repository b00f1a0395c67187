/// The arrays of one `.npz` file, by name (the entry name without `.npy`), in file order.
public struct NPZArchive: Sendable {
    /// The file the arrays came from, for error messages.
    public let source: String
    /// The array names in the order of the archive's entries.
    public let names: [String]
    /// The arrays by name.
    public let arrays: [String: NPYArray]

    /// The array called `name`, if there is one.
    public subscript(name: String) -> NPYArray? { arrays[name] }

    /// The array called `name` as a ``Matrix`` (see ``NPYArray/matrix(_:)``).
    ///
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` naming the file and the arrays
    ///   it does hold when there is no array called `name`.
    public func matrix<T: BackpropScalar>(named name: String, as _: T.Type = T.self) throws -> Matrix<T> {
        guard let array = arrays[name] else {
            throw BackpropError.malformedFile(
                path: source, reason: "no array '\(name)' (it holds \(names.map { "'\($0)'" }.joined(separator: ", ")))")
        }
        return try array.matrix()
    }
}
