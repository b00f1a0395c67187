import RealModule

/// Evaluates formula-file statements in `Double`, in order, over an environment of named values
/// (`X`, `Y`, `m`, `W1`, `b1`, `Z1`, `A1`, … from a forward pass, then whatever the file assigns).
struct DerivationEvaluator: Sendable {
    /// The names defined so far.
    var environment: [String: DerivationValue]

    /// An evaluator starting from `environment`.
    init(environment: [String: DerivationValue] = [:]) {
        self.environment = environment
    }

    /// Evaluates `statement` and binds its target.
    /// - Throws: ``DerivationEvaluationError``; the environment is then unchanged.
    mutating func execute(_ statement: DerivationStatement) throws {
        environment[statement.target] = try evaluate(statement.expression)
    }

    /// The value of `expression` in the current environment.
    /// - Throws: ``DerivationEvaluationError`` for an undefined name, shapes that do not fit, an
    ///   unknown function or bad arguments.
    func evaluate(_ expression: DerivationExpression) throws -> DerivationValue {
        switch expression {
        case let .number(value):
            return .scalar(value)
        case let .name(name):
            if let value = environment[name] { return value }
            switch name {
            case "True": return .scalar(1)
            case "False": return .scalar(0)
            default: throw DerivationEvaluationError("undefined name '\(name)'")
            }
        case let .negate(operand):
            return try evaluate(operand).map { -$0 }
        case let .binary(op, left, right):
            return try binary(op, evaluate(left), evaluate(right))
        case let .call(function, arguments):
            return try call(function, arguments)
        case .tuple:
            throw DerivationEvaluationError("a tuple is only accepted as a shape, e.g. reshape((4, 1))")
        case .string, .formatted, .element, .list, .dictionary, .not:
            throw DerivationEvaluationError("\(expression) is not a number or an array")
        }
    }

    /// `a op b` with NumPy semantics (`*` elementwise, `@` the matrix product, comparisons 0/1).
    func binary(_ op: DerivationOperator, _ a: DerivationValue, _ b: DerivationValue) throws -> DerivationValue {
        let name = "'\(op.rawValue)'"
        switch op {
        case .add: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] + $0[1] }
        case .subtract: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] - $0[1] }
        case .multiply: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] * $0[1] }
        case .divide: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] / $0[1] }
        case .power: return try DerivationValue.elementwise([a, b], operation: name) { Self.power($0[0], $0[1]) }
        case .matmul: return try Self.product(a, b, operation: "'@'", allowScalars: false)
        case .less: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] < $0[1] ? 1 : 0 }
        case .greater: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] > $0[1] ? 1 : 0 }
        case .lessOrEqual: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] <= $0[1] ? 1 : 0 }
        case .greaterOrEqual: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] >= $0[1] ? 1 : 0 }
        case .equal: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] == $0[1] ? 1 : 0 }
        case .notEqual: return try DerivationValue.elementwise([a, b], operation: name) { $0[0] != $0[1] ? 1 : 0 }
        }
    }

    /// `x ** p`; integer powers of negative numbers stay real, as in NumPy.
    static func power(_ x: Double, _ p: Double) -> Double {
        if p == p.rounded(), abs(p) <= 64 {
            let n = Int(p)
            var result = 1.0
            for _ in 0..<abs(n) { result *= x }
            return n < 0 ? 1 / result : result
        }
        return Double.pow(x, p)
    }

    /// The matrix product with NumPy's rules for 1-D operands (`np.dot`, `np.matmul`, `@`).
    static func product(
        _ a: DerivationValue, _ b: DerivationValue, operation: String, allowScalars: Bool
    ) throws -> DerivationValue {
        switch (a, b) {
        case (.scalar, _), (_, .scalar):
            guard allowScalars else {
                throw DerivationEvaluationError("\(operation) does not take a scalar operand (got \(a.shapeDescription) and \(b.shapeDescription)); use '*'")
            }
            return try DerivationValue.elementwise([a, b], operation: operation) { $0[0] * $0[1] }
        case let (.matrix(x), .matrix(y)):
            try fit(x.columns, y.rows, a, b, operation)
            return .matrix(x.dot(y))
        case let (.matrix(x), .vector(v)):
            try fit(x.columns, v.columns, a, b, operation)
            return .vector(x.dot(v.transposed()).transposed())
        case let (.vector(v), .matrix(y)):
            try fit(v.columns, y.rows, a, b, operation)
            return .vector(v.dot(y))
        case let (.vector(v), .vector(w)):
            try fit(v.columns, w.columns, a, b, operation)
            return .scalar(zip(v.elements, w.elements).reduce(0) { $0 + $1.0 * $1.1 })
        }
    }

    private static func fit(
        _ inner: Int, _ other: Int, _ a: DerivationValue, _ b: DerivationValue, _ operation: String
    ) throws {
        guard inner != other else { return }
        var message = "shape mismatch in \(operation): \(a.shapeDescription) and \(b.shapeDescription)"
        var fix: DerivationEvaluationError.TransposeFix?
        if case let .matrix(x) = a, case let .matrix(y) = b {
            if x.rows == y.rows {
                message += " (the first operand transposed would fit)"
                fix = .first
            } else if x.columns == y.columns {
                message += " (the second operand transposed would fit)"
                fix = .second
            } else if x.rows == y.columns {
                message += " (both operands transposed would fit)"
                fix = .both
            }
        }
        throw DerivationEvaluationError(
            message, mistake: nil, transposeFix: fix, operandShapes: "\(a.shapeDescription) and \(b.shapeDescription)")
    }
}
