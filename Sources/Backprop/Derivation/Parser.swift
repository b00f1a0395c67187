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

    mutating func program() throws -> [DerivationNode] {
        let nodes = try block(deeperThan: nil)
        guard peek.kind == .end else { throw error(at: peek, "expected a statement, found \(peek.spelling)") }
        return nodes
    }

    mutating func singleExpression() throws -> DerivationExpression {
        skipNewlines()
        let e = try expression()
        skipNewlines()
        guard peek.kind == .end else { throw error(at: peek, "expected the end of the expression, found \(peek.spelling)") }
        return e
    }

    /// Statements whose first token stands right of column `indent` (all of them at the top
    /// level, where indentation is not significant).
    private mutating func block(deeperThan indent: Int?) throws -> [DerivationNode] {
        var nodes: [DerivationNode] = []
        while true {
            skipNewlines()
            if peek.kind == .end { return nodes }
            if let indent, peek.column <= indent { return nodes }
            nodes.append(try statement())
        }
    }

    /// A block after a `:`: an indented suite on the next lines, or one statement on this line.
    private mutating func suite(after header: DerivationToken) throws -> [DerivationNode] {
        try expect(":")
        if peek.kind != .newline && peek.kind != .end { return [try statement()] }
        let body = try block(deeperThan: header.column)
        guard !body.isEmpty else { throw error(at: peek, "expected an indented block after line \(header.line)") }
        return body
    }

    /// Statement keywords the checker does not evaluate: the statement (and its block) is kept
    /// as ``DerivationNode/unsupported(_:_:)``.
    private static let unsupportedKeywords: Set<String> = [
        "while", "class", "try", "with", "lambda", "del", "raise", "yield", "async", "await", "match", "except", "finally",
    ]

    private mutating func statement() throws -> DerivationNode {
        let start = peek
        if case let .name(keyword) = start.kind {
            switch keyword {
            case "def": return try function(start)
            case "return":
                advance()
                let value = peek.kind == .newline || peek.kind == .end ? nil : try expressionList()
                return .return(value, try site(start))
            case "for":
                advance()
                let target = try self.target(from: expressionList(stoppingAtIn: true), at: start)
                guard case .name("in") = peek.kind else { throw error(at: peek, "expected 'in' in the for statement, found \(peek.spelling)") }
                advance()
                let iterable = try expressionList()
                let site = try headerSite(start)
                return .loop(target, iterable, body: try suite(after: start), site)
            case "if":
                advance()
                var branches = [(condition: try expression(), body: [DerivationNode]())]
                let site = try headerSite(start)
                branches[0].body = try suite(after: start)
                var otherwise: [DerivationNode] = []
                while true {
                    skipNewlines()
                    guard peek.column == start.column, case let .name(word) = peek.kind else { break }
                    let token = peek
                    if word == "elif" {
                        advance()
                        let condition = try expression()
                        branches.append((condition, try suite(after: token)))
                    } else if word == "else" {
                        advance()
                        otherwise = try suite(after: token)
                        break
                    } else {
                        break
                    }
                }
                return .conditional(branches, otherwise: otherwise, site)
            case "assert":
                advance()
                let condition = try expression()
                if peek.isSymbol(",") {
                    advance()
                    _ = try expression()
                }
                return .assertion(condition, try site(start))
            case "import", "from", "pass", "global", "nonlocal", "continue", "break":
                while peek.kind != .newline && peek.kind != .end { advance() }
                return .skip(try site(start))
            case let word where Self.unsupportedKeywords.contains(word):
                var last = start
                while peek.kind != .newline && peek.kind != .end {
                    last = peek
                    advance()
                }
                let site = try site(start)
                if last.isSymbol(":") { _ = try block(deeperThan: start.column) }
                return .unsupported("'\(word)' is not evaluated by the checker", site)
            default: break
            }
        }
        if start.isSymbol("=") { throw error(at: start, "expected a name to assign to, found '='") }
        let first = try expressionList()
        let augmented: [String: DerivationOperator] = ["+=": .add, "-=": .subtract, "*=": .multiply, "/=": .divide]
        if case let .symbol(symbol) = peek.kind, symbol == "=" || augmented[symbol] != nil {
            let assignment = peek
            advance()
            let target = try self.target(from: first, at: start)
            var value = try expressionList()
            if let op = augmented[symbol] {
                guard case .tuple = first else {
                    value = .binary(op, first, value)
                    return .assign(target, value, try site(start))
                }
                throw error(at: assignment, "'\(symbol)' needs one target")
            }
            return .assign(target, value, try site(start))
        }
        if case .name = start.kind, case .name = first, !(peek.kind == .newline || peek.kind == .end) {
            throw error(at: peek, "expected '=' after \(start.spelling), found \(peek.spelling)")
        }
        if case .name = first {
            throw error(at: peek, "expected '=' after \(start.spelling), found \(peek.spelling)")
        }
        return .expression(first, try site(start))
    }

    /// `def name(a, b=1, *args):` and its body.
    private mutating func function(_ start: DerivationToken) throws -> DerivationNode {
        advance()
        let name = try expectName("a function name after 'def'")
        try expect("(")
        var parameters: [String] = []
        var defaults: [String: DerivationExpression] = [:]
        while !peek.isSymbol(")") {
            while peek.isSymbol("*") || peek.isSymbol("**") { advance() }
            let parameter = try expectName("a parameter name")
            if peek.isSymbol(":") {
                advance()
                _ = try expression()
            }
            if peek.isSymbol("=") {
                advance()
                defaults[parameter] = try expression()
            }
            parameters.append(parameter)
            if peek.isSymbol(",") { advance() } else if !peek.isSymbol(")") {
                throw error(at: peek, "expected ',' or ')' in the parameter list, found \(peek.spelling)")
            }
        }
        advance()
        if peek.isSymbol("->") {
            advance()
            _ = try expression()
        }
        let site = try headerSite(start)
        return .function(name: name, parameters: parameters, defaults: defaults, body: try suite(after: start), site)
    }

    /// An assignment target from the expression parsed on the left of `=`.
    private func target(from expression: DerivationExpression, at token: DerivationToken) throws -> DerivationTarget {
        switch expression {
        case let .name(name): return .name(name, column: token.column)
        case let .element(base, index): return .element(base, index)
        case let .tuple(items), let .list(items):
            return .tuple(try items.map { try target(from: $0, at: token) })
        default: throw error(at: token, "cannot assign to \(expression)")
        }
    }

    /// Expressions separated by commas: one expression, or a tuple of them (`a, b`).
    private mutating func expressionList(stoppingAtIn: Bool = false) throws -> DerivationExpression {
        let first = try expression()
        guard peek.isSymbol(",") else { return first }
        var items = [first]
        while peek.isSymbol(",") {
            advance()
            if peek.kind == .newline || peek.kind == .end || peek.isSymbol("=") || peek.isSymbol(":") { break }
            if stoppingAtIn, case .name("in") = peek.kind { break }
            items.append(try expression())
        }
        return .tuple(items)
    }

    /// The site of the statement that started at `start` and ends at the current line end.
    private mutating func site(_ start: DerivationToken) throws -> DerivationSite {
        let endLine = tokens[max(position - 1, 0)].line
        guard peek.kind == .newline || peek.kind == .end else {
            throw error(at: peek, "expected the end of the statement, found \(peek.spelling)")
        }
        return DerivationSite(line: start.line, column: start.column, text: text(from: start.line, to: endLine))
    }

    /// The site of a block header (`def …:`, `for …:`), before its `:`.
    private func headerSite(_ start: DerivationToken) throws -> DerivationSite {
        guard peek.isSymbol(":") else { throw error(at: peek, "expected ':', found \(peek.spelling)") }
        return DerivationSite(line: start.line, column: start.column, text: text(from: start.line, to: peek.line))
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
        while case let .symbol(symbol) = peek.kind, ["*", "/", "@", "//", "%"].contains(symbol) {
            let token = peek
            advance()
            let right = try unary()
            if let op = DerivationOperator(rawValue: symbol) {
                left = try node(.binary(op, left.expression, right.expression), [left, right], at: token)
            } else {
                let function = symbol == "//" ? "floor_divide" : "mod"
                left = try node(.call(function, [DerivationArgument(value: left.expression), DerivationArgument(value: right.expression)]), [left, right], at: token)
            }
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
        if case .name("not") = peek.kind {
            let token = peek
            advance()
            let operand = try unary()
            return try node(.not(operand.expression), [operand], at: token)
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
                if ["dtype", "ndim", "size"].contains(attribute), !peek.isSymbol("(") {
                    e = try node(.call(attribute, [DerivationArgument(value: e.expression)]), [e], at: dot)
                } else if attribute == "T" {
                    e = try node(.call("transpose", [DerivationArgument(value: e.expression)]), [e], at: dot)
                } else if attribute == "shape" {
                    guard peek.isSymbol("[") else {
                        e = try node(.call("shape", [DerivationArgument(value: e.expression)]), [e], at: dot)
                        continue
                    }
                    advance()
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
                    throw error(at: attributeToken, "unsupported attribute '.\(attribute)' (only .T, .shape, .dtype, .ndim, .size and method calls)")
                }
            } else if peek.isSymbol("[") {
                let bracket = peek
                advance()
                let index = try expressionNode()
                var items = [index]
                while peek.isSymbol(",") {
                    advance()
                    items.append(try expressionNode())
                }
                try expect("]")
                let key = items.count == 1 ? index.expression : .tuple(items.map(\.expression))
                e = try node(.element(e.expression, key), [e] + items, at: bracket)
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
                var function = try expectName("a function name after '\(name).'")
                if function == "random" && peek.isSymbol(".") {
                    // `np.random.seed(1)`, `np.random.randn(4, 3)`, `np.random.rand(…)`.
                    advance()
                    function = "random." + (try expectName("a function name after '\(name).random.'"))
                }
                if !peek.isSymbol("(") {
                    switch function {
                    case "pi": return Node(.number(Double.pi))
                    case "e": return Node(.number(2.718281828459045))
                    case "inf": return Node(.number(Double.infinity))
                    case "float32", "float64", "float_", "int32", "int64", "newaxis": return Node(.name("float"))
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
        case let .string(text, formatted):
            advance()
            return Node(formatted ? try fString(text, at: token) : .string(text))
        case .symbol("["), .symbol("{"):
            let closing = token.isSymbol("[") ? "]" : "}"
            advance()
            var keys: [Node] = [], values: [Node] = []
            while !peek.isSymbol(closing) {
                let item = try expressionNode()
                if closing == "}" {
                    try expect(":")
                    keys.append(item)
                    values.append(try expressionNode())
                } else {
                    values.append(item)
                }
                if peek.isSymbol(",") { advance() } else if !peek.isSymbol(closing) {
                    throw error(at: peek, "expected ',' or '\(closing)', found \(peek.spelling)")
                }
            }
            advance()
            let expression: DerivationExpression = closing == "]"
                ? .list(values.map(\.expression))
                : .dictionary(keys: keys.map(\.expression), values: values.map(\.expression))
            return try node(expression, keys + values, at: token)
        case .symbol("("):
            advance()
            if peek.isSymbol(")") {
                advance()
                return Node(.tuple([]))
            }
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

    /// An f-string's pieces: literal text and `{expression}` fields (`{{` and `}}` are braces).
    private func fString(_ text: String, at token: DerivationToken) throws -> DerivationExpression {
        var parts: [DerivationExpression] = []
        var literal = ""
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let c = characters[index]
            if (c == "{" || c == "}"), index + 1 < characters.count, characters[index + 1] == c {
                literal.append(c)
                index += 2
                continue
            }
            guard c == "{" else {
                literal.append(c)
                index += 1
                continue
            }
            var depth = 0, end = index + 1
            while end < characters.count, !(characters[end] == "}" && depth == 0) {
                if "([{".contains(characters[end]) { depth += 1 }
                if ")]}".contains(characters[end]) { depth -= 1 }
                end += 1
            }
            guard end < characters.count else { throw error(at: token, "f-string: '{' is never closed") }
            var field = String(characters[(index + 1)..<end])
            if let colon = field.lastIndex(of: ":"), !field[colon...].contains(")") { field = String(field[..<colon]) }
            if !literal.isEmpty { parts.append(.string(literal)) }
            literal = ""
            do {
                parts.append(try DerivationStatement.parseExpression(field))
            } catch let inner as DerivationParseError {
                throw error(at: token, "f-string field '{\(field)}': \(inner.message)")
            }
            index = end + 1
        }
        if !literal.isEmpty { parts.append(.string(literal)) }
        return .formatted(parts)
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
