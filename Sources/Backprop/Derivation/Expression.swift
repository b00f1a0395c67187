/// An expression of the derivation language: NumPy notation as people write a backward pass in
/// a notebook (`np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))`).
///
/// Method calls and attributes are normalised while parsing: `x.T` and `np.transpose(x)` become
/// `call("transpose", [x])`, `x.sum(axis=1)` becomes `call("sum", [x, axis=1])`, `X.shape[1]`
/// becomes `call("shape", [X, 1])`, and the `np.` / `numpy.` prefix is dropped.
indirect enum DerivationExpression: Sendable, Equatable, CustomStringConvertible {
    /// A number literal such as `1`, `0.5` or `1e-3`.
    case number(Double)
    /// A name: `X`, `W2`, `dZ1`, `m`, a temporary, or `True`/`False`.
    case name(String)
    /// Unary minus, `-x`.
    case negate(DerivationExpression)
    /// A binary operation, `a op b`.
    case binary(DerivationOperator, DerivationExpression, DerivationExpression)
    /// A function call `f(arguments…)` (method calls put the receiver first).
    case call(String, [DerivationArgument])
    /// A parenthesised tuple `(a, b)`: a shape (`reshape((4, 1))`) or several values.
    case tuple([DerivationExpression])
    /// A string literal, e.g. the key in `parameters["W1"]`.
    case string(String)
    /// An f-string: its literal pieces (`.string`) and fields, joined as `str()` of each.
    case formatted([DerivationExpression])
    /// `base[index]`: a dictionary read, a list element, or a mask (`dZ[Z <= 0]`).
    case element(DerivationExpression, DerivationExpression)
    /// A list literal `[a, b]`.
    case list([DerivationExpression])
    /// A dictionary literal `{"dW1": dW1, …}`: keys and values in order.
    case dictionary(keys: [DerivationExpression], values: [DerivationExpression])
    /// `not x`.
    case not(DerivationExpression)

    /// The expression fully parenthesised, e.g. `(a + (b * c))`; calls print as `f(x, axis=1)`.
    var description: String {
        switch self {
        case let .number(value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
        case let .name(name): return name
        case let .negate(operand): return "(-\(operand))"
        case let .binary(op, left, right): return "(\(left) \(op.rawValue) \(right))"
        case let .call(function, arguments):
            return function + "(" + arguments.map(\.description).joined(separator: ", ") + ")"
        case let .tuple(items): return "(" + items.map(\.description).joined(separator: ", ") + ")"
        case let .string(text): return "\"\(text)\""
        case let .formatted(parts):
            return "f\"" + parts.map { if case let .string(text) = $0 { text } else { "{\($0)}" } }.joined() + "\""
        case let .element(base, index): return "\(base)[\(index)]"
        case let .list(items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .dictionary(keys, values):
            return "{" + zip(keys, values).map { "\($0): \($1)" }.joined(separator: ", ") + "}"
        case let .not(operand): return "(not \(operand))"
        }
    }

    /// The expressions directly inside this one (a call's argument values).
    var children: [DerivationExpression] {
        switch self {
        case .number, .name, .string: []
        case let .negate(operand), let .not(operand): [operand]
        case let .binary(_, left, right), let .element(left, right): [left, right]
        case let .call(_, arguments): arguments.map(\.value)
        case let .tuple(items), let .formatted(items), let .list(items): items
        case let .dictionary(keys, values): keys + values
        }
    }

    /// Every name the expression reads (not function names; `astype`'s type argument excluded).
    var names: Set<String> {
        switch self {
        case .number: return []
        case let .name(name): return [name]
        case let .negate(operand): return operand.names
        case let .binary(_, left, right): return left.names.union(right.names)
        case let .call(function, arguments):
            let read = function == "astype" ? Array(arguments.prefix(1)) : arguments
            return read.reduce(into: Set<String>()) { $0.formUnion($1.value.names) }
        default: return children.reduce(into: Set<String>()) { $0.formUnion($1.names) }
        }
    }

    /// How many times the expression brings in the batch size: each use of `m`, each `mean`
    /// (`var`, `std`), each `.shape[…]`. A line that divides by m once counts 1.
    var exampleCountUses: Int {
        switch self {
        case .number: return 0
        case let .name(name): return name == "m" ? 1 : 0
        case let .negate(operand): return operand.exampleCountUses
        case let .binary(_, left, right): return left.exampleCountUses + right.exampleCountUses
        case let .call(function, arguments):
            let own = ["mean", "var", "std", "shape"].contains(function) ? 1 : 0
            let inner = function == "shape" ? 0 : arguments.reduce(0) { $0 + $1.value.exampleCountUses }
            return own + inner
        default: return children.reduce(0) { $0 + $1.exampleCountUses }
        }
    }

    /// Calls this expression makes, outermost first (for the lint).
    var calls: [(function: String, arguments: [DerivationArgument])] {
        switch self {
        case .number, .name: return []
        case let .negate(operand): return operand.calls
        case let .binary(_, left, right): return left.calls + right.calls
        case let .call(function, arguments):
            return [(function, arguments)] + arguments.flatMap { $0.value.calls }
        default: return children.flatMap(\.calls)
        }
    }
}

/// A binary operator, with Python's spelling as its raw value.
enum DerivationOperator: String, Sendable, Equatable, CaseIterable {
    /// Addition, broadcasting.
    case add = "+"
    /// Subtraction, broadcasting.
    case subtract = "-"
    /// The elementwise (Hadamard) product, as NumPy's `*`.
    case multiply = "*"
    /// Elementwise division.
    case divide = "/"
    /// The matrix product, as `np.matmul`.
    case matmul = "@"
    /// Elementwise power, right-associative.
    case power = "**"
    /// `<`, giving 0/1.
    case less = "<"
    /// `>`, giving 0/1 (`Z1 > 0` is the ReLU mask).
    case greater = ">"
    /// `<=`, giving 0/1.
    case lessOrEqual = "<="
    /// `>=`, giving 0/1.
    case greaterOrEqual = ">="
    /// `==`, giving 0/1.
    case equal = "=="
    /// `!=`, giving 0/1.
    case notEqual = "!="

    /// Whether the operator compares (and gives a 0/1 result).
    var isComparison: Bool {
        switch self {
        case .less, .greater, .lessOrEqual, .greaterOrEqual, .equal, .notEqual: true
        default: false
        }
    }
}

/// One argument of a call: positional (`label == nil`) or keyword (`axis=1`).
struct DerivationArgument: Sendable, Equatable, CustomStringConvertible {
    /// The keyword, or `nil` for a positional argument.
    let label: String?
    /// The argument's expression.
    let value: DerivationExpression

    /// An argument with an optional keyword.
    init(label: String? = nil, value: DerivationExpression) {
        self.label = label
        self.value = value
    }

    /// `value` or `label=value`.
    var description: String { label.map { "\($0)=\(value)" } ?? value.description }
}
