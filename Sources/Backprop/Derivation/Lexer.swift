/// A token of the derivation language, with its 1-based position.
struct DerivationToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case number(Double)
        case name(String)
        /// An operator or punctuation: `+ - * / @ ** ( ) [ ] , . = == != < > <= >= += -= *= /=`.
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
        case .newline: "end of line"
        case .end: "end of file"
        }
    }

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol(symbol) }
}

/// Splits formula text into tokens, Python-style: `#` comments, `\` continuations, newlines
/// ignored inside brackets.
enum DerivationLexer {
    private static let twoCharacterSymbols: Set<String> = ["**", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/="]
    private static let oneCharacterSymbols: Set<Character> = ["+", "-", "*", "/", "@", "(", ")", "[", "]", ",", ".", "=", "<", ">"]

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
                add(.name(String(characters[start..<index])), column)
                column += index - start
                continue
            }
            if let next = at(index + 1), twoCharacterSymbols.contains(String([c, next])) {
                add(.symbol(String([c, next])), column)
                index += 2
                column += 2
                continue
            }
            if oneCharacterSymbols.contains(c) {
                if c == "(" || c == "[" {
                    openBrackets.append((c, line, column))
                } else if c == ")" || c == "]" {
                    let expected: Character = c == ")" ? "(" : "["
                    if let open = openBrackets.last {
                        guard open.symbol == expected else {
                            throw DerivationParseError(line: line, column: column,
                                message: "expected '\(open.symbol == "(" ? ")" : "]")' to close the '\(open.symbol)' on line \(open.line), column \(open.column), found '\(c)'")
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
            let closing = open.symbol == "(" ? ")" : "]"
            throw DerivationParseError(line: open.line, column: open.column,
                message: "expected '\(closing)': this '\(open.symbol)' is never closed")
        }
        if let last = tokens.last, last.kind != .newline { add(.newline, column) }
        add(.end, column)
        return tokens
    }
}
