/// A recursive-descent parser for the derivation language, with Python's precedence:
/// `**` (right-associative, binding tighter than a unary minus on its left) > unary `-` >
/// `* / @` > `+ -` > comparisons. Postfix `.T`, `.method(…)`, `.shape[k]` and calls bind tightest.
struct DerivationParser {
    private let tokens: [DerivationToken]
    private let sourceLines: [Substring]
    private var position = 0

    init(tokens: [DerivationToken], source: String) {
        self.tokens = tokens
        self.sourceLines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }

    // MARK: Statements

    mutating func program() throws -> [DerivationStatement] {
        var statements: [DerivationStatement] = []
        while true {
            skipNewlines()
            if peek.kind == .end { return statements }
            statements.append(try statement())
        }
    }

    mutating func singleExpression() throws -> DerivationExpression {
        skipNewlines()
        let e = try expression()
        skipNewlines()
        guard peek.kind == .end else { throw error(at: peek, "expected the end of the expression, found \(peek.spelling)") }
        return e
    }

    private mutating func statement() throws -> DerivationStatement {
        let start = peek
        guard case let .name(target) = start.kind else {
            throw error(at: start, "expected a name to assign to, found \(start.spelling)")
        }
        advance()
        let assignment = peek
        let augmented: [String: DerivationOperator] = ["+=": .add, "-=": .subtract, "*=": .multiply, "/=": .divide]
        guard case let .symbol(symbol) = assignment.kind, symbol == "=" || augmented[symbol] != nil else {
            throw error(at: assignment, "expected '=' after '\(target)', found \(assignment.spelling)")
        }
        advance()
        var value = try expression()
        if let op = augmented[symbol] { value = .binary(op, .name(target), value) }
        let endLine = tokens[position - 1].line
        guard peek.kind == .newline || peek.kind == .end else {
            throw error(at: peek, "expected the end of the statement, found \(peek.spelling)")
        }
        return DerivationStatement(
            target: target, expression: value, line: start.line, column: start.column,
            text: text(from: start.line, to: endLine))
    }

    /// The source lines of a statement without comments or continuation backslashes.
    private func text(from first: Int, to last: Int) -> String {
        (first...last).compactMap { number -> String? in
            guard number - 1 < sourceLines.count else { return nil }
            var line = String(sourceLines[number - 1])
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            line = line.trimmingWhitespace()
            if line.hasSuffix("\\") { line = String(line.dropLast()).trimmingWhitespace() }
            return line.isEmpty ? nil : line
        }.joined(separator: " ")
    }

    // MARK: Expressions, loosest first

    private mutating func expression() throws -> DerivationExpression { try comparison() }

    private mutating func comparison() throws -> DerivationExpression {
        var left = try additive()
        while case let .symbol(symbol) = peek.kind, let op = DerivationOperator(rawValue: symbol), op.isComparison {
            advance()
            left = .binary(op, left, try additive())
        }
        return left
    }

    private mutating func additive() throws -> DerivationExpression {
        var left = try term()
        while case let .symbol(symbol) = peek.kind, symbol == "+" || symbol == "-" {
            advance()
            left = .binary(symbol == "+" ? .add : .subtract, left, try term())
        }
        return left
    }

    private mutating func term() throws -> DerivationExpression {
        var left = try unary()
        while case let .symbol(symbol) = peek.kind, ["*", "/", "@"].contains(symbol) {
            advance()
            left = .binary(DerivationOperator(rawValue: symbol)!, left, try unary())
        }
        return left
    }

    private mutating func unary() throws -> DerivationExpression {
        if peek.isSymbol("-") {
            advance()
            return .negate(try unary())
        }
        if peek.isSymbol("+") {
            advance()
            return try unary()
        }
        return try power()
    }

    private mutating func power() throws -> DerivationExpression {
        let base = try postfix()
        if peek.isSymbol("**") {
            advance()
            return .binary(.power, base, try unary())
        }
        return base
    }

    private mutating func postfix() throws -> DerivationExpression {
        var e = try primary()
        while true {
            if peek.isSymbol(".") {
                advance()
                let attributeToken = peek
                let attribute = try expectName("an attribute or method name after '.'")
                if attribute == "T" {
                    e = .call("transpose", [DerivationArgument(value: e)])
                } else if attribute == "shape" {
                    try expect("[")
                    let index = try expression()
                    try expect("]")
                    e = .call("shape", [DerivationArgument(value: e), DerivationArgument(value: index)])
                } else if peek.isSymbol("(") {
                    advance()
                    e = .call(attribute, [DerivationArgument(value: e)] + (try arguments()))
                } else {
                    throw error(at: attributeToken, "unsupported attribute '.\(attribute)' (only .T, .shape[k] and method calls)")
                }
            } else if peek.isSymbol("[") {
                throw error(at: peek, "indexing with '[' is not supported (except .shape[k])")
            } else {
                return e
            }
        }
    }

    private mutating func primary() throws -> DerivationExpression {
        let token = peek
        switch token.kind {
        case let .number(value):
            advance()
            return .number(value)
        case let .name(name):
            advance()
            if (name == "np" || name == "numpy") && peek.isSymbol(".") {
                advance()
                let functionToken = peek
                let function = try expectName("a function name after '\(name).'")
                if !peek.isSymbol("(") {
                    switch function {
                    case "pi": return .number(Double.pi)
                    case "e": return .number(2.718281828459045)
                    case "inf": return .number(Double.infinity)
                    case "float32", "float64", "float_", "int32", "int64": return .name("float")
                    default: throw error(at: functionToken, "expected '(' after '\(name).\(function)'")
                    }
                }
                advance()
                return .call(function, try arguments())
            }
            if peek.isSymbol("(") {
                advance()
                return .call(name, try arguments())
            }
            return .name(name)
        case .symbol("("):
            advance()
            let first = try expression()
            if peek.isSymbol(",") {
                var items = [first]
                while peek.isSymbol(",") {
                    advance()
                    if peek.isSymbol(")") { break }
                    items.append(try expression())
                }
                try expect(")")
                return .tuple(items)
            }
            try expect(")")
            return first
        default:
            throw error(at: token, "expected an expression, found \(token.spelling)")
        }
    }

    /// The arguments after an opening `(`, through the closing `)`.
    private mutating func arguments() throws -> [DerivationArgument] {
        var result: [DerivationArgument] = []
        while !peek.isSymbol(")") {
            if case let .name(label) = peek.kind, tokens[position + 1].isSymbol("=") {
                advance()
                advance()
                result.append(DerivationArgument(label: label, value: try expression()))
            } else {
                if result.contains(where: { $0.label != nil }) {
                    throw error(at: peek, "positional argument after a keyword argument")
                }
                result.append(DerivationArgument(value: try expression()))
            }
            if peek.isSymbol(",") {
                advance()
            } else if !peek.isSymbol(")") {
                throw error(at: peek, "expected ',' or ')' in the argument list, found \(peek.spelling)")
            }
        }
        advance()
        return result
    }

    // MARK: Tokens

    private var peek: DerivationToken { tokens[position] }

    private mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    private mutating func skipNewlines() {
        while peek.kind == .newline { advance() }
    }

    private mutating func expect(_ symbol: String) throws {
        guard peek.isSymbol(symbol) else { throw error(at: peek, "expected '\(symbol)', found \(peek.spelling)") }
        advance()
    }

    private mutating func expectName(_ what: String) throws -> String {
        guard case let .name(name) = peek.kind else { throw error(at: peek, "expected \(what), found \(peek.spelling)") }
        advance()
        return name
    }

    private func error(at token: DerivationToken, _ message: String) -> DerivationParseError {
        DerivationParseError(line: token.line, column: token.column, message: message)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" || first == "\r" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return String(s)
    }
}
