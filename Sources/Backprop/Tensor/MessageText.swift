extension BackpropError {
    /// `text` made safe to echo inside a one-line message: control characters escaped (`\n`,
    /// `\0`, `\u{1b}`) and anything past `limit` characters cut, with the full length noted:
    /// `12345678901234567890… (52428800 bytes)`. Every message that quotes a value from
    /// input (a CSV cell, a label, an option's value) quotes it through this.
    public static func excerpt<S: StringProtocol>(_ text: S, limit: Int = 40) -> String {
        var shown = ""
        var count = 0
        var cut = false
        for character in text {
            if count == limit {
                cut = true
                break
            }
            shown += escaped(character)
            count += 1
        }
        guard cut else { return shown }
        return shown + "… (\(text.utf8.count) bytes)"
    }

    /// `message` as exactly one line: line breaks and other control characters escaped, and
    /// at most `limit` characters (a longer message is cut and says so). What the CLI prints
    /// after `Error: `.
    public static func singleLine(_ message: String, limit: Int = 2000) -> String {
        var result = ""
        var count = 0
        for character in message {
            if count == limit { return result + "… (cut at \(limit) characters)" }
            result += escaped(character)
            count += 1
        }
        return result
    }

    /// One character, with a control character (C0, DEL, C1, line and paragraph separators)
    /// spelt as an escape. A tab stays a tab.
    private static func escaped(_ character: Character) -> String {
        switch character {
        case "\n": return "\\n"
        case "\r", "\r\n": return "\\r"
        case "\0": return "\\0"
        case "\t": return "\t"
        default:
            let scalars = character.unicodeScalars
            if scalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 }) {
                return scalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029
                    ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
            }
            return String(character)
        }
    }
}
