/// A value of the small part of Python's literal syntax that `.npy` headers use.
enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    /// A tuple or a list.
    case sequence([PythonLiteral])
    case dictionary([(key: String, value: PythonLiteral)])

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool { lhs.description == rhs.description }

    /// The value as Python would print it.
    var description: String {
        switch self {
        case let .string(string): return "'\(string)'"
        case let .integer(value): return String(value)
        case let .boolean(value): return value ? "True" : "False"
        case .none: return "None"
        case let .sequence(items):
            return items.count == 1 ? "(\(items[0]),)" : "(" + items.map(\.description).joined(separator: ", ") + ")"
        case let .dictionary(entries):
            return "{" + entries.map { "'\($0.key)': \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A recursive-descent parser for Python literals: strings, integers, `True`, `False`, `None`,
/// tuples, lists and dicts with string keys — what `numpy.lib.format` writes in a header.
struct PythonLiteralParser {
    /// How deeply tuples, lists and dicts may nest. NumPy's headers nest two levels (a dict
    /// holding a shape tuple); the limit keeps a hostile header from exhausting the stack.
    static let maximumNesting = 32

    private let characters: [Character]
    private var position = 0
    private var nesting = 0

    init(_ text: String) { characters = Array(text) }

    /// Parses one value and checks that only whitespace follows it.
    mutating func parseValue() throws(NPYHeaderError) -> PythonLiteral {
        let value = try value()
        skipWhitespace()
        guard position == characters.count else { throw error("unexpected '\(characters[position])'") }
        return value
    }

    private mutating func value() throws(NPYHeaderError) -> PythonLiteral {
        skipWhitespace()
        guard position < characters.count else { throw error("unexpected end") }
        let character = characters[position]
        if character == "(" || character == "[" || character == "{" {
            guard nesting < Self.maximumNesting else {
                throw error("nested more than \(Self.maximumNesting) levels deep")
            }
        }
        nesting += 1
        defer { nesting -= 1 }
        switch character {
        case "'", "\"": return .string(try string())
        case "(": return .sequence(try sequence(closing: ")"))
        case "[": return .sequence(try sequence(closing: "]"))
        case "{": return try dictionary()
        case "-", "+", "0"..."9": return try integer()
        default:
            var word = ""
            while position < characters.count, characters[position].isLetter || characters[position] == "_" {
                word.append(characters[position])
                position += 1
            }
            switch word {
            case "True": return .boolean(true)
            case "False": return .boolean(false)
            case "None": return .none
            case "": throw error("unexpected '\(character)'")
            default: throw error("unexpected name '\(BackpropError.excerpt(word))'")
            }
        }
    }

    private mutating func string() throws(NPYHeaderError) -> String {
        let quote = characters[position]
        position += 1
        var result = ""
        while position < characters.count {
            let character = characters[position]
            position += 1
            if character == quote { return result }
            if character == "\\", position < characters.count {
                result.append(characters[position])
                position += 1
            } else {
                result.append(character)
            }
        }
        throw error("unterminated string")
    }

    private mutating func integer() throws(NPYHeaderError) -> PythonLiteral {
        var text = ""
        if characters[position] == "-" || characters[position] == "+" {
            text.append(characters[position])
            position += 1
        }
        while position < characters.count, characters[position].isASCII, characters[position].isNumber {
            text.append(characters[position])
            position += 1
        }
        // Python 2 era headers wrote long integers as `3L`.
        if position < characters.count, characters[position] == "L" { position += 1 }
        guard let value = Int(text) else { throw error("'\(BackpropError.excerpt(text))' is not an integer Backprop can hold") }
        return .integer(value)
    }

    private mutating func sequence(closing: Character) throws(NPYHeaderError) -> [PythonLiteral] {
        position += 1
        var items = [PythonLiteral]()
        while true {
            skipWhitespace()
            guard position < characters.count else { throw error("unterminated '\(closing == ")" ? "(" : "[")'") }
            if characters[position] == closing {
                position += 1
                return items
            }
            items.append(try value())
            skipWhitespace()
            guard position < characters.count else { continue }
            if characters[position] == "," {
                position += 1
            } else if characters[position] != closing {
                throw error("expected ',' or '\(closing)', found '\(characters[position])'")
            }
        }
    }

    private mutating func dictionary() throws(NPYHeaderError) -> PythonLiteral {
        position += 1
        var entries = [(key: String, value: PythonLiteral)]()
        while true {
            skipWhitespace()
            guard position < characters.count else { throw error("unterminated '{'") }
            if characters[position] == "}" {
                position += 1
                return .dictionary(entries)
            }
            guard case let .string(key) = try value() else { throw error("a dict key is not a string") }
            skipWhitespace()
            guard position < characters.count, characters[position] == ":" else { throw error("expected ':' after '\(BackpropError.excerpt(key))'") }
            position += 1
            entries.append((key, try value()))
            skipWhitespace()
            guard position < characters.count else { continue }
            if characters[position] == "," {
                position += 1
            } else if characters[position] != "}" {
                throw error("expected ',' or '}', found '\(characters[position])'")
            }
        }
    }

    private mutating func skipWhitespace() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    private func error(_ reason: String) -> NPYHeaderError {
        NPYHeaderError("\(reason) at character \(position + 1)")
    }
}
