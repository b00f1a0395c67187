/// Parsing numbers from text that comes from a file (CSV cells, labels): the one place that
/// decides what a number looks like.
///
/// A number is at most ``maximumLength`` characters of printable ASCII that `Double` accepts
/// (`1.5`, `-2e-3`, `nan`, `inf`); a cell holding a NUL or another control byte (`1\0`) is not
/// a number, although C's `strtod` would stop at the NUL and read `1`. The length cap keeps
/// parsing linear and bounded whatever a file holds.
enum NumberText {
    /// The longest text read as a number (far longer than any double needs: 17 significant digits).
    static let maximumLength = 400

    /// The value `text` spells, or `nil`.
    static func double<S: StringProtocol>(_ text: S) -> Double? {
        var length = 0
        for byte in text.utf8 {
            length += 1
            guard length <= maximumLength, byte > 0x20, byte < 0x7F else { return nil }
        }
        guard length > 0 else { return nil }
        return Double(String(text))
    }

    /// Why `text` is not a number, for a message: "is not a number", "holds a control
    /// character", "is longer than 400 characters".
    static func whyNot<S: StringProtocol>(_ text: S) -> String {
        var length = 0
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F { return "holds a control character, so it is not a number" }
            length += 1
            if length > maximumLength { return "is longer than \(maximumLength) characters, so it is not read as a number" }
        }
        return "is not a number"
    }
}
