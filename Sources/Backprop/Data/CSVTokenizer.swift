/// Splits comma-separated text into rows of fields, keeping the line each row starts on.
///
/// Fields may be quoted with `"` (a doubled `""` inside stands for one quote), and a quoted
/// field may hold the separator or a line break. Line ends are `\n` or `\r\n`; blank lines are
/// skipped.
struct CSVTokenizer {
    /// A row: its fields, trimmed, and where it starts.
    struct Row {
        /// The 1-based line the row starts on.
        var line: Int
        var fields: [String]
    }

    private let bytes: [UInt8]
    private let separator: UInt8
    private var position = 0
    private var line = 1

    init(_ bytes: [UInt8], separator: UInt8) {
        // Skip a UTF-8 byte order mark.
        self.bytes = bytes
        self.position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        self.separator = separator
    }

    /// The next non-blank row, or `nil` at the end of the text.
    ///
    /// - Throws: a reason when a quoted field is not closed.
    mutating func nextRow() throws(CSVTokenizerError) -> Row? {
        while position < bytes.count {
            let rowLine = line
            var fields = [String]()
            var rowEnded = false
            while !rowEnded {
                let (field, ended) = try nextField(rowLine: rowLine, fieldIndex: fields.count)
                fields.append(field)
                rowEnded = ended
            }
            if fields.count == 1 && fields[0].isEmpty { continue }  // a blank line
            return Row(line: rowLine, fields: fields)
        }
        return nil
    }

    /// Reads one field; `ended` is true when the row ends after it.
    private mutating func nextField(rowLine: Int, fieldIndex: Int) throws(CSVTokenizerError) -> (String, ended: Bool) {
        var start = position
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        if start < bytes.count, bytes[start] == 0x22 {  // a quoted field
            position = start + 1
            var text = [UInt8]()
            while true {
                guard position < bytes.count else {
                    throw CSVTokenizerError(line: rowLine, field: fieldIndex, reason: "unterminated quoted field")
                }
                let byte = bytes[position]
                position += 1
                if byte == 0x22 {
                    if position < bytes.count, bytes[position] == 0x22 {
                        text.append(0x22)
                        position += 1
                    } else {
                        break
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    text.append(byte)
                }
            }
            // Anything between the closing quote and the separator is kept, trimmed.
            let (rest, ended) = rawField()
            return (String(decoding: text, as: UTF8.self) + rest, ended)
        }
        return rawField()
    }

    /// Reads an unquoted field up to the separator or the end of the line, trimmed of spaces,
    /// tabs and a carriage return.
    private mutating func rawField() -> (String, ended: Bool) {
        let separator = separator
        // One scan over a buffer pointer: linear, without a retain per byte in debug builds.
        let end = bytes.withUnsafeBufferPointer { buffer in
            var end = position
            while end < buffer.count, buffer[end] != separator, buffer[end] != 0x0A { end += 1 }
            return end
        }
        var start = position
        var last = end
        while start < last, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while last > start, bytes[last - 1] == 0x20 || bytes[last - 1] == 0x09 || bytes[last - 1] == 0x0D { last -= 1 }
        let text = String(decoding: bytes[start..<last], as: UTF8.self)
        let ended = end >= bytes.count || bytes[end] == 0x0A
        if end < bytes.count, bytes[end] == 0x0A { line += 1 }
        position = end + 1
        return (text, ended)
    }
}

/// A quoted field that never closes, with where it starts.
struct CSVTokenizerError: Error {
    var line: Int
    var field: Int
    var reason: String
}
