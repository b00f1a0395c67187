/// Where a statement of a formula file stands, and its text.
struct DerivationSite: Sendable, Equatable, Hashable {
    /// The 1-based line the statement starts on.
    let line: Int
    /// The 1-based column of the statement (of the target, for an assignment).
    let column: Int
    /// The statement's source without comments, continuation lines joined.
    let text: String
}

/// What an assignment writes to: a name, an element (`grads["dW1"]`, `dZ[Z <= 0]`), or a
/// tuple of targets (`linear_cache, activation_cache = cache`).
indirect enum DerivationTarget: Sendable, Equatable {
    case name(String, column: Int)
    case element(DerivationExpression, DerivationExpression)
    case tuple([DerivationTarget])

    /// The names the target binds, in order.
    var boundNames: [String] {
        switch self {
        case let .name(name, _): [name]
        case .element: []
        case let .tuple(items): items.flatMap(\.boundNames)
        }
    }
}

/// One statement of a formula file, as much of Python as a course backward pass uses: the
/// assignments of a flat derivation, and `def` with `return`, `for … in range(…)`,
/// `if`/`elif`/`else`, `assert`, imports (skipped) and docstrings (skipped).
indirect enum DerivationNode: Sendable {
    /// `target = value` (augmented assignments arrive expanded: `dW1 += x` as `dW1 = dW1 + x`).
    case assign(DerivationTarget, DerivationExpression, DerivationSite)
    /// An expression on its own: a docstring, a call.
    case expression(DerivationExpression, DerivationSite)
    /// `def name(parameters…):` and its body; a parameter may have a default.
    case function(name: String, parameters: [String], defaults: [String: DerivationExpression], body: [DerivationNode], DerivationSite)
    /// `return value` (`nil` for a bare `return`).
    case `return`(DerivationExpression?, DerivationSite)
    /// `for target in iterable:` and its body.
    case loop(DerivationTarget, DerivationExpression, body: [DerivationNode], DerivationSite)
    /// `if` / `elif` branches in order, then the `else` body (empty when there is none).
    case conditional([(condition: DerivationExpression, body: [DerivationNode])], otherwise: [DerivationNode], DerivationSite)
    /// `assert condition[, message]`.
    case assertion(DerivationExpression, DerivationSite)
    /// `import …`, `from … import …`, `pass`, `global …`: nothing to evaluate.
    case skip(DerivationSite)
    /// A statement the checker does not evaluate (`while`, `class`, `try`, …): named in the
    /// report with its line and column.
    case unsupported(String, DerivationSite)

    var site: DerivationSite {
        switch self {
        case let .assign(_, _, site), let .expression(_, site), let .function(_, _, _, _, site), let .return(_, site),
             let .loop(_, _, _, site), let .conditional(_, _, site), let .assertion(_, site), let .skip(site),
             let .unsupported(_, site):
            site
        }
    }
}

/// A parsed formula file: its top-level statements.
struct DerivationProgram: Sendable {
    let nodes: [DerivationNode]

    /// Parses a formula file: a flat derivation (one assignment per logical line) or the
    /// course's functions verbatim.
    /// - Throws: ``DerivationParseError`` with the line and column of the first problem.
    init(parsing source: String) throws {
        var parser = DerivationParser(tokens: try DerivationLexer.tokenize(source), source: source)
        nodes = try parser.program()
    }

    /// The functions the file defines, by name (the last definition wins, as in Python).
    var functions: [String: DerivationNode] {
        var result: [String: DerivationNode] = [:]
        for node in nodes { if case let .function(name, _, _, _, _) = node { result[name] = node } }
        return result
    }

    /// Every simple assignment `name = value` in the file, at any depth, in source order.
    var assignments: [DerivationStatement] {
        var result: [DerivationStatement] = []
        func visit(_ nodes: [DerivationNode]) {
            for node in nodes {
                switch node {
                case let .assign(.name(name, column), value, site):
                    result.append(DerivationStatement(target: name, expression: value, line: site.line, column: column, text: site.text))
                case let .assign(.tuple(targets), .tuple(values), site) where targets.count == values.count:
                    for (target, value) in zip(targets, values) {
                        if case let .name(name, column) = target {
                            result.append(DerivationStatement(target: name, expression: value, line: site.line, column: column, text: site.text))
                        }
                    }
                case let .function(_, _, _, body, _), let .loop(_, _, body, _): visit(body)
                case let .conditional(branches, otherwise, _):
                    for branch in branches { visit(branch.body) }
                    visit(otherwise)
                default: break
                }
            }
        }
        visit(nodes)
        return result
    }
}
