/// One assignment of a formula file, `target = expression`, where it stands, and its text.
///
/// Augmented assignments are expanded: `dW1 += lambd / m * W1` reads as
/// `dW1 = dW1 + lambd / m * W1`.
struct DerivationStatement: Sendable, Equatable {
    /// The assigned name, e.g. `dW1`.
    let target: String
    /// The right-hand side.
    let expression: DerivationExpression
    /// The 1-based line the statement starts on.
    let line: Int
    /// The 1-based column of the target.
    let column: Int
    /// The statement's source without comments, continuation lines joined.
    let text: String

    /// A statement as the parser makes it.
    init(target: String, expression: DerivationExpression, line: Int, column: Int, text: String) {
        self.target = target
        self.expression = expression
        self.line = line
        self.column = column
        self.text = text
    }

    /// Parses a formula file and lists its simple assignments (`name = value`, at any depth),
    /// `#` comments and blank lines skipped.
    /// - Throws: ``DerivationParseError`` with the line and column of the first problem.
    static func parse(_ source: String) throws -> [DerivationStatement] {
        try DerivationProgram(parsing: source).assignments
    }

    /// Parses a single expression, e.g. `np.dot(W2.T, dZ2)`.
    /// - Throws: ``DerivationParseError``.
    static func parseExpression(_ source: String) throws -> DerivationExpression {
        var parser = DerivationParser(tokens: try DerivationLexer.tokenize(source), source: source)
        return try parser.singleExpression()
    }
}
