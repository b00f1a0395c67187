/// Helpers for reading safetensors `__metadata__` fields strictly: short excerpts of bad
/// values and one-line descriptions of JSON decoding errors, for messages that name the field.
enum MetadataField {
    /// The largest count (steps, epochs, batches, examples) a file may claim: 2^53, the last
    /// integer a `Double` holds exactly, and far below where `+= 1` could overflow `Int`.
    static let maximumCount = 1 << 53

    /// `text` made safe to quote in an error message (``BackpropError/excerpt(_:limit:)``).
    static func excerpt(_ text: String) -> String { BackpropError.excerpt(text) }

    /// What a JSON decoding error says, in a few words: which key is missing or of the wrong type.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not valid JSON" }
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case let .keyNotFound(key, context): return "'\(path(context.codingPath + [key]))' is missing"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): return "'\(path(context.codingPath))' has the wrong type"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty ? "not valid JSON" : "'\(path(context.codingPath))' has a bad value"
        @unknown default: return "not valid JSON"
        }
    }
}
