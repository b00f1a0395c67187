import Testing
@testable import Backprop

/// The formula language's parser: Python's precedence, NumPy spellings, errors with line and
/// column.
struct DerivationParserTests {
    private func parsed(_ text: String) throws -> String {
        try DerivationStatement.parseExpression(text).description
    }

    @Test(arguments: [
        ("a + b * c", "(a + (b * c))"),
        ("a - b - c", "((a - b) - c)"),
        ("a * b @ c / d", "(((a * b) @ c) / d)"),
        ("-x ** 2", "(-(x ** 2))"),
        ("2 ** -1", "(2 ** (-1))"),
        ("2 ** 3 ** 2", "(2 ** (3 ** 2))"),
        ("-a * b", "((-a) * b)"),
        ("a + b > c * d", "((a + b) > (c * d))"),
        ("1 - A1 ** 2", "(1 - (A1 ** 2))"),
        ("1/m * np.dot(dZ2, A1.T)", "((1 / m) * dot(dZ2, transpose(A1)))"),
        ("np.sum(dZ, axis=1, keepdims=True) / m", "(sum(dZ, axis=1, keepdims=True) / m)"),
        ("numpy.matmul(W.T, d)", "matmul(transpose(W), d)"),
        ("(Z1 > 0).astype(float)", "astype((Z1 > 0), float)"),
        ("dZ.sum(axis=1, keepdims=True)", "sum(dZ, axis=1, keepdims=True)"),
        ("X.shape[1]", "shape(X, 1)"),
        ("sigmoid(Z) * (1 - sigmoid(Z))", "(sigmoid(Z) * (1 - sigmoid(Z)))"),
        ("A >= 0.5", "(A >= 0.5)"),
        ("x.reshape((4, 1))", "reshape(x, (4, 1))"),
    ])
    func precedenceAndSpelling(_ source: String, _ expected: String) throws {
        #expect(try parsed(source) == expected)
    }

    @Test func numbers() throws {
        #expect(try DerivationStatement.parseExpression("1e-3") == .number(0.001))
        #expect(try DerivationStatement.parseExpression(".5") == .number(0.5))
        #expect(try DerivationStatement.parseExpression("2.") == .number(2))
        #expect(try DerivationStatement.parseExpression("1.5E+2") == .number(150))
    }

    @Test func statementsCommentsContinuationsAndAugmentedAssignment() throws {
        let source = """
            # a header comment

            dZ2 = A2 - Y   # trailing comment
                dW2 = 1/m * np.dot(dZ2,
                                   A1.T)
            db2 = np.sum(dZ2, axis=1, \\
                         keepdims=True) / m
            dW2 += 0.1 * W2
            """
        let statements = try DerivationStatement.parse(source)
        #expect(statements.map(\.target) == ["dZ2", "dW2", "db2", "dW2"])
        #expect(statements.map(\.line) == [3, 4, 6, 8])
        #expect(statements[0].text == "dZ2 = A2 - Y")
        #expect(statements[1].text == "dW2 = 1/m * np.dot(dZ2, A1.T)")
        #expect(statements[2].text == "db2 = np.sum(dZ2, axis=1, keepdims=True) / m")
        #expect(statements[3].expression.description == "(dW2 + (0.1 * W2))")
        #expect(statements[1].column == 5)
    }

    @Test(arguments: [
        ("dZ1 = np.dot(W2.T dZ2)", 1, 19, "expected ',' or ')'"),
        ("dZ2 = A2 - Y\n\n# c\ndW2 = (1/m * np.dot(dZ2, A1.T)\ndb2 = 0\n", 4, 7, "expected ')'"),
        ("dW2 = 1/m * np.dot(dZ2, A1.T))", 1, 30, "expected the end of the statement"),
        ("dZ2 = A2 $ Y", 1, 10, "unexpected character '$'"),
        ("= A2", 1, 1, "expected a name to assign to"),
        ("dZ2 A2 - Y", 1, 5, "expected '=' after 'dZ2'"),
        ("x = 1\ny = (2 + ]", 2, 10, "expected ')'"),
        ("x = a +\n", 1, 8, "expected an expression"),
        ("x = A[0", 1, 6, "expected ']'"),
        ("def f(x)\n    return x", 1, 9, "expected ':'"),
        ("x = W.foo", 1, 7, "unsupported attribute '.foo'"),
    ])
    func errorsCarryLineAndColumn(_ source: String, _ line: Int, _ column: Int, _ message: String) {
        do {
            _ = try DerivationStatement.parse(source)
            Issue.record("expected a parse error for \(source)")
        } catch let error as DerivationParseError {
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("line \(line), column \(column): "))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func errorDescription() {
        #expect(DerivationParseError(line: 3, column: 14, message: "expected ')'").description == "line 3, column 14: expected ')'")
    }

    @Test func namesAndExampleCountUses() throws {
        let e = try DerivationStatement.parseExpression("1/m * np.sum(dZ1, axis=1, keepdims=True) / m")
        #expect(e.names == ["m", "dZ1", "True"])
        #expect(e.exampleCountUses == 2)
        #expect(try DerivationStatement.parseExpression("np.mean(dZ, axis=1)").exampleCountUses == 1)
        #expect(try DerivationStatement.parseExpression("(Z > 0).astype(float)").names == ["Z"])
    }
}
