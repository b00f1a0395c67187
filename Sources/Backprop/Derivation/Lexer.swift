/// A token of the derivation language, with its 1-based position.
struct DerivationToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case name(String)
        /// A string literal's text (escapes resolved); `formatted` for an f-string, whose `{…}`
        /// fields the parser reads as expressions.
        case string(String, formatted: Bool)
        /// An operator or punctuation: `+ - * / // % @ ** ( ) [ ] { } , . : = == != < > <= >= += -= *= /=`.
        case symbol(String)
        /// The end of a logical line (newlines inside brackets and after `\` do not count).
        case newline
        case end
    }

    let kind: Kind
    let line: Int
    let column: Int

    /// How the token reads in an error message.
    var spelling: String {
        switch kind {
        case let .number(value): "number \(DerivationExpression.number(value))"
        case let .name(name): "'\(name)'"
        case let .symbol(symbol): "'\(symbol)'"
        case let .string(text, _): "string \"\(BackpropError.excerpt(text))\""
        case .newline: "end of line"
        case .end: "end of file"
        }
    }

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol(symbol) }
}

/// Splits formula text into tokens, Python-style: `#` comments, `\` continuations, newlines
/// ignored inside brackets.
enum DerivationLexer {
    private static let twoCharacterSymbols: Set<String> = ["**", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "//", "->"]
    private static let oneCharacterSymbols: Set<Character> = [
        "+", "-", "*", "/", "%", "@", "(", ")", "[", "]", "{", "}", ",", ".", ":", "=", "<", ">",
    ]
    /// Letters that may prefix a string literal (`f"…"`, `r'…'`, `b"…"`).
    private static let stringPrefixes: Set<String> = ["f", "r", "b", "u", "rb", "br", "fr", "rf"]

    /// The tokens of `source`, ending in `.newline` and `.end`.
    /// - Throws: ``DerivationParseError`` for a character outside the language or an unclosed
    ///   bracket.
    static func tokenize(_ source: String) throws -> [DerivationToken] {
        let characters = Array(source)
        var tokens: [DerivationToken] = []
        var openBrackets: [(symbol: Character, line: Int, column: Int)] = []
        var index = 0, line = 1, column = 1

        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isWholeNumber }
        func at(_ i: Int) -> Character? { i < characters.count ? characters[i] : nil }
        func add(_ kind: DerivationToken.Kind, _ tokenColumn: Int) {
            tokens.append(DerivationToken(kind: kind, line: line, column: tokenColumn))
        }

        while index < characters.count {
            let c = characters[index]
            if c.isNewline {
                if openBrackets.isEmpty, let last = tokens.last, last.kind != .newline { add(.newline, column) }
                index += 1
                line += 1
                column = 1
                continue
            }
            if c == " " || c == "\t" {
                index += 1
                column += 1
                continue
            }
            if c == "#" {
                while let next = at(index), !next.isNewline { index += 1 }
                continue
            }
            if c == "\\" {
                var j = index + 1
                while let next = at(j), next == " " || next == "\t" { j += 1 }
                if at(j) == nil || at(j)!.isNewline {
                    index = j + 1
                    line += 1
                    column = 1
                    continue
                }
                throw DerivationParseError(line: line, column: column, message: "unexpected character after '\\' (a continuation ends the line)")
            }
            if isDigit(c) || (c == "." && at(index + 1).map(isDigit) == true) {
                let start = index
                while let next = at(index), isDigit(next) { index += 1 }
                if at(index) == "." {
                    index += 1
                    while let next = at(index), isDigit(next) { index += 1 }
                }
                if let e = at(index), e == "e" || e == "E" {
                    var j = index + 1
                    if let sign = at(j), sign == "+" || sign == "-" { j += 1 }
                    if let digit = at(j), isDigit(digit) {
                        index = j
                        while let next = at(index), isDigit(next) { index += 1 }
                    }
                }
                let text = String(characters[start..<index])
                guard let value = Double(text) else {
                    throw DerivationParseError(line: line, column: column, message: "malformed number '\(text)'")
                }
                add(.number(value), column)
                column += index - start
                continue
            }
            if c.isLetter || c == "_" {
                let start = index
                while let next = at(index), next.isLetter || isDigit(next) || next == "_" { index += 1 }
                let word = String(characters[start..<index])
                if let quote = at(index), quote == "\"" || quote == "'", stringPrefixes.contains(word.lowercased()) {
                    let (text, end, lines, lastColumn) = try string(characters, from: index, line: line, column: column + index - start)
                    add(.string(text, formatted: word.lowercased().contains("f")), column)
                    index = end
                    if lines > 0 { line += lines; column = lastColumn } else { column += end - start }
                    continue
                }
                add(.name(word), column)
                column += index - start
                continue
            }
            if c == "\"" || c == "'" {
                let (text, end, lines, lastColumn) = try string(characters, from: index, line: line, column: column)
                add(.string(text, formatted: false), column)
                if lines > 0 { line += lines; column = lastColumn } else { column += end - index }
                index = end
                continue
            }
            if let next = at(index + 1), twoCharacterSymbols.contains(String([c, next])) {
                add(.symbol(String([c, next])), column)
                index += 2
                column += 2
                continue
            }
            if oneCharacterSymbols.contains(c) {
                if c == "(" || c == "[" || c == "{" {
                    openBrackets.append((c, line, column))
                } else if c == ")" || c == "]" || c == "}" {
                    let expected: Character = c == ")" ? "(" : (c == "]" ? "[" : "{")
                    if let open = openBrackets.last {
                        guard open.symbol == expected else {
                            throw DerivationParseError(line: line, column: column,
                                message: "expected '\(closing(open.symbol))' to close the '\(open.symbol)' on line \(open.line), column \(open.column), found '\(c)'")
                        }
                        openBrackets.removeLast()
                    }
                }
                add(.symbol(String(c)), column)
                index += 1
                column += 1
                continue
            }
            throw DerivationParseError(line: line, column: column, message: "unexpected character '\(c)'")
        }
        if let open = openBrackets.last {
            throw DerivationParseError(line: open.line, column: open.column,
                message: "expected '\(closing(open.symbol))': this '\(open.symbol)' is never closed")
        }
        if let last = tokens.last, last.kind != .newline { add(.newline, column) }
        add(.end, column)
        return tokens
    }

    private static func closing(_ open: Character) -> Character { open == "(" ? ")" : (open == "[" ? "]" : "}") }

    /// The string literal whose quote is at `start` (single, or triple-quoted across lines):
    /// its text, the index after it, how many newlines it spans and the column after it.
    private static func string(
        _ characters: [Character], from start: Int, line: Int, column: Int
    ) throws -> (text: String, end: Int, lines: Int, column: Int) {
        let quote = characters[start]
        let triple = start + 2 < characters.count && characters[start + 1] == quote && characters[start + 2] == quote
        var index = start + (triple ? 3 : 1)
        var text = "", lines = 0, lastLineStart = start - column + 1
        while index < characters.count {
            let c = characters[index]
            if triple, c == quote, index + 2 < characters.count, characters[index + 1] == quote, characters[index + 2] == quote {
                return (text, index + 3, lines, index + 3 - lastLineStart + 1)
            }
            if !triple, c == quote { return (text, index + 1, 0, 0) }
            if c.isNewline {
                guard triple else { break }
                lines += 1
                lastLineStart = index + 1
            }
            if c == "\\", index + 1 < characters.count {
                let next = characters[index + 1]
                switch next {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "\\", "'", "\"": text.append(next)
                default: text.append(c); text.append(next)
                }
                index += 2
                continue
            }
            text.append(c)
            index += 1
        }
        throw DerivationParseError(line: line, column: column, message: "this string is never closed")
    }
}
