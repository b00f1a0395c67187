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
            statements += try statement()
        }
    }

    mutating func singleExpression() throws -> DerivationExpression {
        skipNewlines()
        let e = try expression()
        skipNewlines()
        guard peek.kind == .end else { throw error(at: peek, "expected the end of the expression, found \(peek.spelling)") }
        return e
    }

    /// One assignment, or a parallel one (`a, b = x, y`) as one statement per name, in order.
    private mutating func statement() throws -> [DerivationStatement] {
        let start = peek
        guard case let .name(target) = start.kind else {
            throw error(at: start, "expected a name to assign to, found \(start.spelling)")
        }
        advance()
        if peek.isSymbol(",") { return try parallelAssignment(first: target, at: start) }
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
        return [DerivationStatement(
            target: target, expression: value, line: start.line, column: start.column,
            text: text(from: start.line, to: endLine))]
    }

    /// `a, b = x, y`: as many values as names, none reading a name the statement assigns
    /// before it (Python evaluates the whole right side first; one per line reads the same).
    private mutating func parallelAssignment(first: String, at start: DerivationToken) throws -> [DerivationStatement] {
        var targets = [(name: first, token: start)]
        while peek.isSymbol(",") {
            advance()
            let token = peek
            targets.append((try expectName("a name to assign to after ','"), token))
        }
        guard peek.isSymbol("=") else { throw error(at: peek, "expected '=' after '\(targets.map(\.name).joined(separator: ", "))', found \(peek.spelling)") }
        advance()
        var values: [(expression: DerivationExpression, first: DerivationToken, after: DerivationToken)] = []
        repeat {
            if !values.isEmpty { advance() }
            let first = peek
            values.append((try expression(), first, peek))
        } while peek.isSymbol(",")
        guard peek.kind == .newline || peek.kind == .end else {
            throw error(at: peek, "expected the end of the statement, found \(peek.spelling)")
        }
        guard values.count == targets.count else {
            let what = values.count == 1 ? "one value (unpacking a tuple such as a cache is not supported)" : "\(values.count) values"
            throw error(at: values[0].first, "\(targets.count) names but \(what): write one value per name, a, b = x, y")
        }
        let endLine = tokens[position - 1].line
        var statements: [DerivationStatement] = []
        for (index, (target, value)) in zip(targets, values).enumerated() {
            if let read = targets[..<index].first(where: { value.expression.names.contains($0.name) }) {
                throw error(at: value.first, "'\(read.name)' is assigned by this statement and read by it: split it into one assignment per line")
            }
            // `target = value` from the source, when the value sits on one line.
            var text = text(from: start.line, to: endLine)
            if value.first.line == value.after.line, value.first.line - 1 < sourceLines.count {
                let line = Array(sourceLines[value.first.line - 1])
                let range = (value.first.column - 1)..<min(value.after.column - 1, line.count)
                let source = String(line[range]).split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if !range.isEmpty { text = target.name + " = " + String(source).trimmingWhitespace() }
            }
            statements.append(DerivationStatement(
                target: target.name, expression: value.expression, line: start.line, column: target.token.column, text: text))
        }
        return statements
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

    /// How deeply expressions may nest — brackets, calls, unary minus, `**` — before the parser
    /// refuses the statement rather than recurse further (and risk the stack).
    static let maximumNesting = 100
    /// How tall an expression tree may grow (`a + b + c + …` chains count one level per
    /// operator), so that evaluating and printing it cannot exhaust the stack.
    static let maximumHeight = 1000

    /// An expression and the height of its tree (a leaf is 1).
    private struct Node {
        var expression: DerivationExpression
        var height: Int

        init(_ expression: DerivationExpression, height: Int = 1) {
            self.expression = expression
            self.height = height
        }
    }

    /// The current recursion depth of ``unary()``, which every nested expression passes through.
    private var nesting = 0

    /// `expression` over `children`, checked against ``maximumHeight``.
    private func node(_ expression: DerivationExpression, _ children: [Node], at token: DerivationToken) throws -> Node {
        let height = (children.map(\.height).max() ?? 0) + 1
        guard height <= Self.maximumHeight else {
            throw error(at: token, "expression is too long: more than \(Self.maximumHeight) nested operations; split it into several statements")
        }
        return Node(expression, height: height)
    }

    private mutating func expression() throws -> DerivationExpression { try expressionNode().expression }

    private mutating func expressionNode() throws -> Node { try comparison() }

    private mutating func comparison() throws -> Node {
        var left = try additive()
        while case let .symbol(symbol) = peek.kind, let op = DerivationOperator(rawValue: symbol), op.isComparison {
            let token = peek
            advance()
            let right = try additive()
            left = try node(.binary(op, left.expression, right.expression), [left, right], at: token)
        }
        return left
    }

    private mutating func additive() throws -> Node {
        var left = try term()
        while case let .symbol(symbol) = peek.kind, symbol == "+" || symbol == "-" {
            let token = peek
            advance()
            let right = try term()
            left = try node(.binary(symbol == "+" ? .add : .subtract, left.expression, right.expression), [left, right], at: token)
        }
        return left
    }

    private mutating func term() throws -> Node {
        var left = try unary()
        while case let .symbol(symbol) = peek.kind, ["*", "/", "@"].contains(symbol) {
            let token = peek
            advance()
            let right = try unary()
            left = try node(.binary(DerivationOperator(rawValue: symbol)!, left.expression, right.expression), [left, right], at: token)
        }
        return left
    }

    private mutating func unary() throws -> Node {
        guard nesting < Self.maximumNesting else {
            throw error(at: peek, "expression is nested too deeply (more than \(Self.maximumNesting) levels of brackets, calls, '-' or '**')")
        }
        nesting += 1
        defer { nesting -= 1 }
        if peek.isSymbol("-") {
            let token = peek
            advance()
            let operand = try unary()
            return try node(.negate(operand.expression), [operand], at: token)
        }
        if peek.isSymbol("+") {
            advance()
            return try unary()
        }
        return try power()
    }

    private mutating func power() throws -> Node {
        let base = try postfix()
        if peek.isSymbol("**") {
            let token = peek
            advance()
            let exponent = try unary()
            return try node(.binary(.power, base.expression, exponent.expression), [base, exponent], at: token)
        }
        return base
    }

    private mutating func postfix() throws -> Node {
        var e = try primary()
        while true {
            if peek.isSymbol(".") {
                let dot = peek
                advance()
                let attributeToken = peek
                let attribute = try expectName("an attribute or method name after '.'")
                if attribute == "T" {
                    e = try node(.call("transpose", [DerivationArgument(value: e.expression)]), [e], at: dot)
                } else if attribute == "shape" {
                    try expect("[")
                    let index = try expressionNode()
                    try expect("]")
                    e = try node(
                        .call("shape", [DerivationArgument(value: e.expression), DerivationArgument(value: index.expression)]),
                        [e, index], at: dot)
                } else if peek.isSymbol("(") {
                    advance()
                    let (arguments, height) = try self.arguments()
                    e = try node(
                        .call(attribute, [DerivationArgument(value: e.expression)] + arguments),
                        [e, Node(.number(0), height: height)], at: dot)
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

    private mutating func primary() throws -> Node {
        let token = peek
        switch token.kind {
        case let .number(value):
            advance()
            return Node(.number(value))
        case let .name(name):
            advance()
            if (name == "np" || name == "numpy") && peek.isSymbol(".") {
                advance()
                let functionToken = peek
                let function = try expectName("a function name after '\(name).'")
                if !peek.isSymbol("(") {
                    switch function {
                    case "pi": return Node(.number(Double.pi))
                    case "e": return Node(.number(2.718281828459045))
                    case "inf": return Node(.number(Double.infinity))
                    case "float32", "float64", "float_", "int32", "int64": return Node(.name("float"))
                    default: throw error(at: functionToken, "expected '(' after '\(name).\(function)'")
                    }
                }
                advance()
                let (arguments, height) = try self.arguments()
                return try node(.call(function, arguments), [Node(.number(0), height: height)], at: token)
            }
            if peek.isSymbol("(") {
                advance()
                let (arguments, height) = try self.arguments()
                return try node(.call(name, arguments), [Node(.number(0), height: height)], at: token)
            }
            return Node(.name(name))
        case .symbol("("):
            advance()
            let first = try expressionNode()
            if peek.isSymbol(",") {
                var items = [first]
                while peek.isSymbol(",") {
                    advance()
                    if peek.isSymbol(")") { break }
                    items.append(try expressionNode())
                }
                try expect(")")
                return try node(.tuple(items.map(\.expression)), items, at: token)
            }
            try expect(")")
            return first
        default:
            throw error(at: token, "expected an expression, found \(token.spelling)")
        }
    }

    /// The arguments after an opening `(`, through the closing `)`, and the tallest one's height.
    private mutating func arguments() throws -> ([DerivationArgument], height: Int) {
        var result: [DerivationArgument] = []
        var height = 0
        while !peek.isSymbol(")") {
            if case let .name(label) = peek.kind, tokens[position + 1].isSymbol("=") {
                advance()
                advance()
                let value = try expressionNode()
                height = max(height, value.height)
                result.append(DerivationArgument(label: label, value: value.expression))
            } else {
                if result.contains(where: { $0.label != nil }) {
                    throw error(at: peek, "positional argument after a keyword argument")
                }
                let value = try expressionNode()
                height = max(height, value.height)
                result.append(DerivationArgument(value: value.expression))
            }
            if peek.isSymbol(",") {
                advance()
            } else if !peek.isSymbol(")") {
                throw error(at: peek, "expected ',' or ')' in the argument list, found \(peek.spelling)")
            }
        }
        advance()
        return (result, height)
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
