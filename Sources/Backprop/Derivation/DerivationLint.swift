/// Lint for forward passes and derivations (GUIDE §3): softmax before a loss that expects logits
/// ("double softmax"), cross-entropy from probabilities where the stable logits form exists.
public enum DerivationLint {
    /// Functions that take logits: applying softmax or sigmoid first is a double application.
    static let logitLosses: Set<String> = [
        "cross_entropy", "CrossEntropyLoss", "log_softmax", "logsumexp", "softmax_cross_entropy",
        "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
        "binary_cross_entropy_with_logits", "BCEWithLogitsLoss", "sigmoid_cross_entropy_with_logits",
    ]

    /// Warnings for a formula or forward-pass text. Text that does not parse gives none.
    ///
    /// - Parameters:
    ///   - source: the text, one assignment per line, in the formula files' NumPy notation.
    ///   - architecture: when given, `A[L]` counts as a sigmoid or softmax output even if the
    ///     text does not compute it.
    public static func warnings(in source: String, architecture: DerivationArchitecture? = nil) -> [DerivationLintWarning] {
        guard let statements = try? DerivationStatement.parse(source) else { return [] }
        return warnings(in: statements, architecture: architecture)
    }

    /// Warnings for parsed statements.
    static func warnings(in statements: [DerivationStatement], architecture: DerivationArchitecture? = nil) -> [DerivationLintWarning] {
        // Which names hold probabilities, and from which activation.
        var probabilities: [String: Activation] = [:]
        if let architecture, architecture.output == .sigmoid || architecture.output == .softmax {
            probabilities["A\(architecture.depth)"] = architecture.output
            probabilities["AL"] = architecture.output
        }
        func source(of expression: DerivationExpression) -> Activation? {
            switch expression {
            case let .name(name): return probabilities[name]
            case let .call("sigmoid", arguments) where !arguments.isEmpty: return .sigmoid
            case let .call("softmax", arguments) where !arguments.isEmpty: return .softmax
            case let .call("astype", arguments) where !arguments.isEmpty: return source(of: arguments[0].value)
            default: return nil
            }
        }

        var result: [DerivationLintWarning] = []
        for statement in statements {
            var seen = Set<DerivationLintWarning.Kind>()
            func warn(_ kind: DerivationLintWarning.Kind, _ message: String) {
                if seen.insert(kind).inserted { result.append(DerivationLintWarning(kind: kind, line: statement.line, message: message)) }
            }
            for (function, arguments) in statement.expression.calls {
                guard let first = arguments.first?.value, let applied = source(of: first) else { continue }
                if function == "softmax" && applied == .softmax {
                    warn(.doubleSoftmax, "double softmax: softmax applied to \(first), which is already a softmax output")
                } else if function == "sigmoid" && applied == .sigmoid {
                    warn(.doubleSigmoid, "double sigmoid: sigmoid applied to \(first), which is already a sigmoid output")
                } else if logitLosses.contains(function) {
                    let kind: DerivationLintWarning.Kind = applied == .softmax ? .doubleSoftmax : .doubleSigmoid
                    warn(kind, "\(applied) applied before \(function), which expects logits: pass the pre-activation Z instead (double \(applied))")
                } else if function == "log" {
                    let stable = applied == .sigmoid
                        ? "max(Z, 0) - Z*Y + log1p(exp(-|Z|)) from the logits Z"
                        : "log_softmax: Z - logsumexp(Z), with the column maximum subtracted"
                    warn(.lossOnProbabilities, "cross-entropy from probabilities: log(\(first)) is -inf once the \(applied) saturates; the stable form is \(stable)")
                }
            }
            // log(1 - A) of a sigmoid output.
            for (function, arguments) in statement.expression.calls where function == "log" {
                if case let .binary(.subtract, .number(1), operand)? = arguments.first?.value, source(of: operand) == .sigmoid {
                    warn(.lossOnProbabilities, "cross-entropy from probabilities: log(1 - \(operand)) is -inf once the sigmoid saturates; the stable form is max(Z, 0) - Z*Y + log1p(exp(-|Z|)) from the logits Z")
                }
            }
            if let assigned = source(of: statement.expression) {
                probabilities[statement.target] = assigned
            } else {
                probabilities[statement.target] = nil
            }
        }
        return result
    }

    /// Warnings for a training configuration: an output activation and loss that work against
    /// each other. Backprop's own BCE and CE are always computed from the logits, so the pairing
    /// is the only thing left to warn about.
    public static func warnings(output: Activation, loss: Loss) -> [DerivationLintWarning] {
        switch (output, loss) {
        case (.sigmoid, .meanSquaredError):
            return [DerivationLintWarning(kind: .unstablePairing, line: nil, message:
                "sigmoid output with mean squared error: dZ = (A − Y) ⊙ σ′(Z) vanishes when the output saturates; binary cross-entropy from the logits gives dZ = A − Y")]
        case (.tanh, .meanSquaredError):
            return [DerivationLintWarning(kind: .unstablePairing, line: nil, message:
                "tanh output with mean squared error: the gradient vanishes when the output saturates")]
        default:
            return []
        }
    }
}
