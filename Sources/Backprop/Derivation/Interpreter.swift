/// One computed value of a run, in execution order: a statement (or one target of it) that
/// made a new array, what it read, and what it is known as.
struct TraceEvent {
    /// The statement, its column that of the target.
    let site: DerivationSite
    /// The assigned name, or the dictionary key (`dW1` in `grads["dW1"] = …`).
    let name: String
    /// The value as computed from its inputs (before any substitution), or why it failed.
    let value: Result<DerivationValue, DerivationEvaluationError>
    /// The events whose values the statement read.
    let reads: [Int]
    /// How many times the statement's own expression brings in m.
    let exampleCountUses: Int
    /// Whether the value was made by the notebook's test cell: a call at the top level of the
    /// file (`grads, cost = propagate(w, b, X, Y)`) on data the file supplies. Never judged:
    /// the checker runs the function itself, on its own instances.
    var testCell = false
}

/// Runs a formula file — a flat derivation or the course's functions verbatim — on one
/// reference instance, recording every array it computes (``TraceEvent``).
///
/// A value is recognised as a gradient where the file names it so: assigned to `dW1`, or
/// stored under the key `"dW1"` (`grads["dW" + str(l)] = dW_temp` names the value made inside
/// `linear_backward`). A layer-less `dZ` inside a helper is the `dZ[l]` of the `dW[l]` that
/// reads it. With ``substitutions``, each recognised gradient is replaced by the reference's
/// value once computed, so that later statements read correct inputs.
final class DerivationInterpreter {
    /// What the statements in progress failed with; `recorded` when the failure is already an
    /// event (or follows from one), so that callers do not report it again.
    struct Failure: Error {
        let error: DerivationEvaluationError
        let recorded: Bool
        /// Whether it only follows from an earlier failure (a name that line left unbound):
        /// reported on gradient lines, quiet elsewhere.
        var cascade = false
    }

    private final class Scope {
        var names: [String: ProgramValue] = [:]
        /// Names left unbound by a statement that failed: reading one fails quietly.
        var poisoned: Set<String> = []
        let parent: Scope?
        init(parent: Scope?) { self.parent = parent }
    }

    /// The most statements one run executes, and the deepest call chain.
    static let maximumSteps = 200_000
    static let maximumCallDepth = 40
    /// The longest string the program may build.
    static let maximumTextLength = 10_000

    let program: DerivationProgram
    private let functions: [String: DerivationNode]
    let reference: ReferencePass
    /// Phase 2: the gradient each event ordinal is, and the convention to substitute in.
    let substitutions: [Int: GradientName]
    let convention: Convention
    /// Whether a convention-dependent gradient that matches the other convention's value (and
    /// not this one's) is substituted with that one: the file switched conventions there.
    let switching: Bool

    private(set) var events: [TraceEvent] = []
    /// Recognised gradients by event ordinal (phase 1).
    private(set) var identities: [Int: GradientName] = [:]
    /// Events where a switching run took the other convention's value.
    private(set) var switched: Set<Int> = []
    /// Top-level failures that are not events (a failed `for`, `if` or call).
    private(set) var failures: [(site: DerivationSite, message: String)] = []

    private let globals = Scope(parent: nil)
    /// `np.random`: the generator of `randn` and of `rand` calls that are not the reference's
    /// dropout draws, and how many of those draws the file has taken.
    private var generator: SeededGenerator
    private var drawsTaken = 0
    /// Whether the top level is running, and how deep in calls it made (the test cell).
    private var topLevelPhase = false
    private var testCellDepth = 0
    /// The most entries one `np.random` call makes (the checker's arrays are small).
    static let maximumRandomCount = 100_000
    private var reads = Set<Int>()
    private var uses = 0
    private var site = DerivationSite(line: 0, column: 0, text: "")
    private var steps = 0
    private var depth = 0

    init(program: DerivationProgram, reference: ReferencePass, substitutions: [Int: GradientName] = [:],
         convention: Convention = .deferred, switching: Bool = false) {
        self.program = program
        self.functions = program.functions
        self.reference = reference
        self.substitutions = substitutions
        self.convention = convention
        self.switching = switching
        generator = SeededGenerator(seed: Self.randomSeed(0, reference))
    }

    /// The generator's seed after `np.random.seed(seed)`: the same on every run over one
    /// instance, different between instances.
    private static func randomSeed(_ seed: UInt64, _ reference: ReferencePass) -> UInt64 {
        seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(reference.m) &* 0xBF58_476D_1CE4_E5B9 &+ 0xC0FFEE
    }

    /// What the reference knows `name` as (C1W2's `dw`, `db` too, in a network without hidden
    /// layers).
    private func gradient(named name: String) -> GradientName? {
        GradientName.course(name, depth: reference.depth, batchNorm: reference.batchNorm)
    }

    // MARK: Running

    /// The functions the checker calls: those no other function of the file calls, named like
    /// a backward pass (`backward`, `propagat`, `grad`) where any is; empty for a flat file.
    static func entryPoints(of program: DerivationProgram) -> [String] {
        var called = Set<String>()
        for case let .function(_, _, _, body, _) in program.nodes { collectCalls(body, into: &called) }
        let uncalled = program.nodes.compactMap { node -> String? in
            guard case let .function(name, _, _, _, _) = node, !called.contains(name) else { return nil }
            return name
        }
        // A function the file's test cell calls at the top level is still run on the checker's
        // instances.
        let candidates = uncalled
        let backward = candidates.filter { name in ["backward", "propagat", "grad"].contains { name.lowercased().contains($0) } }
        return backward.isEmpty ? candidates : backward
    }

    private static func collectCalls(_ nodes: [DerivationNode], into names: inout Set<String>) {
        func visit(_ e: DerivationExpression) {
            if case let .call(name, _) = e { names.insert(name) }
            e.children.forEach(visit)
        }
        for node in nodes {
            switch node {
            case let .assign(target, value, _):
                visit(value)
                if case let .element(base, index) = target { visit(base); visit(index) }
            case let .expression(e, _), let .assertion(e, _): visit(e)
            case let .return(e, _): if let e { visit(e) }
            case let .function(_, _, _, body, _): collectCalls(body, into: &names)
            case let .loop(_, iterable, body, _):
                visit(iterable)
                collectCalls(body, into: &names)
            case let .conditional(branches, otherwise, _):
                for branch in branches {
                    visit(branch.condition)
                    collectCalls(branch.body, into: &names)
                }
                collectCalls(otherwise, into: &names)
            default: break
            }
        }
    }

    /// Runs the top level, then each entry point with its parameters bound to the reference.
    func run() {
        for (name, value) in reference.environment { globals.names[name] = .array(value, .input(name)) }
        topLevelPhase = true
        execute(program.nodes, in: globals, topLevel: true)
        topLevelPhase = false
        for name in Self.entryPoints(of: program) {
            guard case let .function(_, parameters, defaults, _, functionSite)? = functions[name] else { continue }
            site = functionSite
            do {
                var arguments: [DerivationArgument] = []
                let bound = Scope(parent: globals)
                for parameter in parameters {
                    if let value = input(parameter) {
                        bound.names["$" + parameter] = value
                        arguments.append(DerivationArgument(label: parameter, value: .name("$" + parameter)))
                    } else if defaults[parameter] == nil {
                        throw Failure(error: DerivationEvaluationError(
                            "\(name)(): no value for parameter '\(parameter)' (the checker supplies X, Y, AL, parameters, cache, caches and the forward names Z1, A1, W1, b1, …)"),
                            recorded: false)
                    }
                }
                _ = try call(name, arguments, in: bound)
            } catch let failure as Failure {
                if !failure.recorded { failures.append((functionSite, failure.error.message)) }
            } catch {
                failures.append((functionSite, "\(error)"))
            }
        }
    }

    /// The value the checker gives an entry point's parameter.
    private func input(_ parameter: String) -> ProgramValue? {
        let environment = reference.environment
        let L = reference.depth
        switch parameter {
        case "parameters", "params":
            var pairs: [(String, ProgramValue)] = []
            for l in 1...L {
                for name in ["W\(l)", "b\(l)"] { if let value = environment[name] { pairs.append((name, .array(value, .input(name)))) } }
            }
            return .dictionary(ProgramDictionary(pairs))
        case "cache":
            return .namedCache(environment)
        case "caches":
            return .sequence((1...L).map { l in
                let linear = ProgramValue.sequence(
                    ["A\(l - 1)", "W\(l)", "b\(l)"].map { .array(environment[$0]!, .input($0)) }, isTuple: true)
                return .sequence([linear, .array(environment["Z\(l)"]!, .input("Z\(l)"))], isTuple: true)
            }, isTuple: false)
        default:
            return environment[parameter].map { .array($0, .input(parameter)) }
        }
    }

    // MARK: Statements

    /// Runs `nodes`; at the top level a failing statement is recorded and the next one runs.
    private func execute(_ nodes: [DerivationNode], in scope: Scope, topLevel: Bool) {
        for node in nodes {
            do {
                if try statement(node, in: scope) != nil { return }
            } catch let failure as Failure {
                if !failure.recorded && !failure.cascade { failures.append((node.site, failure.error.message)) }
            } catch {
                failures.append((node.site, "\(error)"))
            }
        }
    }

    /// Runs a block inside a function; returns the `return` value, if one ran.
    private func block(_ nodes: [DerivationNode], in scope: Scope) throws -> ProgramValue? {
        for node in nodes {
            if let value = try statement(node, in: scope) { return value }
        }
        return nil
    }

    /// One statement; a non-nil result is a `return`.
    private func statement(_ node: DerivationNode, in scope: Scope) throws -> ProgramValue? {
        steps += 1
        guard steps <= Self.maximumSteps else {
            throw Failure(error: DerivationEvaluationError("the file runs more than \(Self.maximumSteps) statements; is a loop unbounded?"), recorded: false)
        }
        site = node.site
        switch node {
        case let .assign(target, expression, nodeSite):
            reads = []
            uses = expression.exampleCountUses
            do {
                var value = try evaluate(expression, in: scope)
                // `dZ3 = delta`: a copy of a computed value under a new name is a line of its own.
                if case let .name(name, column) = target, case let .array(array, provenance) = value,
                   isCopyLine(name, expression, provenance) {
                    if case let .event(k) = provenance { reads.insert(k) }
                    let copy = record(DerivationSite(line: nodeSite.line, column: column, text: nodeSite.text), name, .success(array))
                    value = .array(substitute(copy, array), .event(copy))
                }
                try bind(target, value, in: scope, site: nodeSite)
            } catch let failure as Failure {
                // The statement's targets are unbound from here on; the failure is its event.
                for name in target.boundNames {
                    scope.names[name] = nil
                    scope.poisoned.insert(name)
                }
                if case let .element(base, index) = target, case let .dictionary(dictionary)? = try? evaluate(base, in: scope),
                   case let .text(key)? = try? evaluate(index, in: scope) {
                    dictionary.poisoned.insert(key)
                }
                let gradientLine = target.boundNames.contains { gradient(named: $0) != nil }
                if !failure.recorded && (!failure.cascade || gradientLine) {
                    let name = target.boundNames.first ?? (targetKey(target, in: scope) ?? "?")
                    let k = record(DerivationSite(line: nodeSite.line, column: nodeSite.column, text: nodeSite.text), name, .failure(failure.error))
                    // A gradient's line that fails still gives later lines its true value, so that
                    // they are judged on correct inputs.
                    if case let .name(name, _) = target,
                       let gradient = gradient(named: name) {
                        scope.poisoned.remove(name)
                        scope.names[name] = .array(.matrix(reference.value(of: gradient, convention)), .event(k))
                    }
                }
            }
            return nil
        case let .expression(expression, _):
            if case .string = expression { return nil }
            reads = []
            uses = 0
            do { _ = try evaluate(expression, in: scope) } catch let failure as Failure {
                if !failure.recorded && !failure.cascade { record(node.site, "(expression)", .failure(failure.error)) }
            }
            return nil
        case let .assertion(expression, _):
            // Asserts check shapes the learner expects; a failed one is not the checker's verdict.
            _ = try? evaluate(expression, in: scope)
            return nil
        case let .function(name, _, _, _, _):
            scope.names[name] = .function(name)
            return nil
        case let .return(expression, _):
            guard let expression else { return ProgramValue.none }
            reads = []
            uses = expression.exampleCountUses
            let value = try evaluate(expression, in: scope)
            return try materialize(value, name: "return", site: node.site)
        case let .loop(target, iterable, body, _):
            guard case let .sequence(items, _) = try evaluate(iterable, in: scope) else {
                throw Failure(error: DerivationEvaluationError("for: can only loop over range(…), a list or a tuple"), recorded: false)
            }
            for item in items {
                try bind(target, item, in: scope, site: node.site)
                if let value = try block(body, in: scope) { return value }
            }
            return nil
        case let .conditional(branches, otherwise, _):
            for branch in branches where try truth(evaluate(branch.condition, in: scope)) {
                return try block(branch.body, in: scope)
            }
            return try block(otherwise, in: scope)
        case .skip:
            return nil
        case let .unsupported(message, nodeSite):
            reads = []
            record(nodeSite, "(statement)", .failure(DerivationEvaluationError(message)))
            return nil
        }
    }

    /// Whether `name = expression` copies a value into a line of its own: a computed value
    /// under a new name (`dZ3 = delta`), or a value read into a gradient's name that is not
    /// that gradient (`dZ1 = dA1`, `A1 = cache["A2"]`).
    private func isCopyLine(_ name: String, _ expression: DerivationExpression, _ provenance: Provenance) -> Bool {
        let gradient = gradient(named: name)
        switch (expression, provenance) {
        case let (.name(source), .event): return source != name
        case let (.name, .input(source)), let (.element, .input(source)): return gradient != nil && source != name
        case let (.element, .event(k)): return gradient != nil && identities[k] != gradient
        default: return false
        }
    }

    /// The dictionary key a subscript target writes, when it can be evaluated.
    private func targetKey(_ target: DerivationTarget, in scope: Scope) -> String? {
        guard case let .element(_, index) = target, case let .text(key)? = try? evaluate(index, in: scope) else { return nil }
        return key
    }

    // MARK: Binding and events

    /// Records an event and returns its ordinal.
    @discardableResult
    private func record(_ eventSite: DerivationSite, _ name: String, _ value: Result<DerivationValue, DerivationEvaluationError>) -> Int {
        events.append(TraceEvent(site: eventSite, name: name, value: value, reads: reads.sorted(), exampleCountUses: uses, testCell: testCellDepth > 0))
        return events.count - 1
    }

    /// A fresh array becomes an event named `name` (substituted when it is a known gradient);
    /// containers are materialized element by element.
    private func materialize(_ value: ProgramValue, name: String, site eventSite: DerivationSite) throws -> ProgramValue {
        switch value {
        case let .array(array, .fresh):
            let k = record(eventSite, name, .success(array))
            return .array(substitute(k, array), .event(k))
        case let .sequence(items, isTuple):
            return .sequence(try items.map { try materialize($0, name: name, site: eventSite) }, isTuple: isTuple)
        default:
            return value
        }
    }

    /// The value later statements read for event `k`.
    private func substitute(_ k: Int, _ value: DerivationValue) -> DerivationValue {
        guard let gradient = substitutions[k] else { return value }
        let own = reference.value(of: gradient, convention)
        guard switching, gradient.dependsOnConvention, case let .matrix(u) = value else { return .matrix(own) }
        let other = reference.value(of: gradient, convention == .deferred ? .absorbed : .deferred)
        func matches(_ r: Matrix<Double>) -> Bool { u.shape == r.shape && Diagnoser.relativeError(u, r) <= Diagnoser.tolerance }
        if !matches(own), matches(other) {
            switched.insert(k)
            return .matrix(other)
        }
        return .matrix(own)
    }

    /// Notes that event `k` is `name`'s gradient, if `name` is one and `k` is not yet known.
    private func identify(_ provenance: Provenance, as name: String) {
        guard testCellDepth == 0, case let .event(k) = provenance, identities[k] == nil,
              let gradient = gradient(named: name)
        else { return }
        identities[k] = gradient
    }

    private func bind(_ target: DerivationTarget, _ value: ProgramValue, in scope: Scope, site statementSite: DerivationSite) throws {
        switch target {
        case let .name(name, column):
            let eventSite = DerivationSite(line: statementSite.line, column: column, text: statementSite.text)
            let previous = scope.names[name]
            let bound = try materialize(value, name: name, site: eventSite)
            scope.names[name] = bound
            scope.poisoned.remove(name)
            // `dA2 = dA2 * D2`, then `dA2 = dA2 / keep_prob`: a value rebuilt from its own
            // previous value makes that one an intermediate, unless something else read it.
            if case let .array(_, .event(old))? = previous, case let .array(_, .event(new)) = bound, new > old,
               events[old].name == name, events[new].reads.contains(old), identities[old] != nil,
               !events.indices.dropFirst(old + 1).contains(where: { $0 != new && events[$0].reads.contains(old) }) {
                identities[old] = nil
            }
            if case let .array(_, provenance) = bound { identify(provenance, as: name) }
        case let .tuple(targets):
            let items: [ProgramValue]
            switch value {
            case let .sequence(values, _): items = values
            case let .namedCache(cache):
                // `(Z1, A1, W1, b1, …) = cache`: each name gets the forward value of that name.
                items = try targets.map { target in
                    guard case let .name(name, _) = target else {
                        throw fail("cannot unpack the cache into \(target)")
                    }
                    guard let entry = cache[name] else { throw fail("the cache has no '\(name)' (it holds \(Self.cacheNames(cache)))") }
                    return .array(entry, .input(name))
                }
            default: throw fail("cannot unpack \(value.kindDescription) into \(targets.count) names")
            }
            guard items.count == targets.count else {
                throw fail("cannot unpack \(value.kindDescription) into \(targets.count) names")
            }
            for (target, item) in zip(targets, items) { try bind(target, item, in: scope, site: statementSite) }
        case let .element(baseExpression, indexExpression):
            let base = try evaluate(baseExpression, in: scope)
            switch base {
            case let .dictionary(dictionary):
                guard case let .text(key) = try evaluate(indexExpression, in: scope) else {
                    throw fail("dictionary keys must be strings")
                }
                let eventSite = DerivationSite(line: statementSite.line, column: statementSite.column, text: statementSite.text)
                let stored = try materialize(value, name: key, site: eventSite)
                dictionary[key] = stored
                if case let .array(_, provenance) = stored { identify(provenance, as: key) }
            case let .array(old, oldProvenance):
                // `dZ[Z <= 0] = 0`: a masked assignment makes a new value of `dZ`.
                guard case let .name(name) = baseExpression else { throw fail("masked assignment needs a name, e.g. dZ[Z <= 0] = 0") }
                guard case let .array(mask, _) = try evaluate(indexExpression, in: scope),
                      case let .array(replacement, _) = value else {
                    throw fail("masked assignment needs an array mask and a number or array, e.g. dZ[Z <= 0] = 0")
                }
                if case let .event(k) = oldProvenance { reads.insert(k) }
                let result = try DerivationValue.elementwise([mask, replacement, old], operation: "masked assignment") {
                    $0[0] != 0 ? $0[1] : $0[2]
                }
                guard result.shapeDescription == old.shapeDescription else {
                    throw fail("masked assignment: the mask \(mask.shapeDescription) does not fit \(name) \(old.shapeDescription)")
                }
                // The value before the mask is an intermediate, unless something else read it.
                if case let .event(k) = oldProvenance, identities[k] != nil, events[k].name == name,
                   !events.indices.dropFirst(k + 1).contains(where: { events[$0].reads.contains(k) }) {
                    identities[k] = nil
                }
                try bind(.name(name, column: statementSite.column), .array(result, .fresh), in: scope, site: statementSite)
            default:
                throw fail("cannot assign an element of \(base.kindDescription)")
            }
        }
    }

    private static func cacheNames(_ cache: [String: DerivationValue]) -> String {
        let names = cache.keys.filter { ["Z", "A", "W", "b"].contains($0.prefix(1)) && $0.dropFirst().allSatisfy(\.isWholeNumber) }
        return names.sorted { ($0.dropFirst(), $0) < ($1.dropFirst(), $1) }.joined(separator: ", ")
    }

    private func fail(_ message: String) -> Failure { Failure(error: DerivationEvaluationError(message), recorded: false) }

    // MARK: Expressions

    private func lookup(_ name: String, in scope: Scope) throws -> ProgramValue {
        var current: Scope? = scope
        while let s = current {
            if let value = s.names[name] { return value }
            if s.poisoned.contains(name) {
                var failure = fail("undefined name '\(name)' (the line that assigns it could not be evaluated)")
                failure.cascade = true
                throw failure
            }
            current = s.parent
        }
        switch name {
        case "True": return .number(1)
        case "False": return .number(0)
        case "None": return .none
        case "float", "int", "bool": return .text(name)
        default:
            if functions[name] != nil { return .function(name) }
            throw fail("undefined name '\(name)'")
        }
    }

    func truth(_ value: ProgramValue) throws -> Bool {
        switch value {
        case let .array(.scalar(x), _): return x != 0
        case .array: throw fail("the truth value of an array is ambiguous")
        case let .text(text): return !text.isEmpty
        case .none: return false
        case let .sequence(items, _): return !items.isEmpty
        default: return true
        }
    }

    private func evaluate(_ expression: DerivationExpression, in scope: Scope) throws -> ProgramValue {
        switch expression {
        case let .number(x): return .number(x)
        case let .string(text): return .text(text)
        case let .formatted(parts):
            let text = try parts.map { try evaluate($0, in: scope).text }.joined()
            guard text.utf8.count <= Self.maximumTextLength else {
                throw fail("a string longer than \(Self.maximumTextLength) bytes; dictionary keys are short")
            }
            return .text(text)
        case let .name(name):
            let value = try lookup(name, in: scope)
            if case let .array(_, .event(k)) = value { reads.insert(k) }
            return value
        case let .tuple(items), let .list(items):
            var isTuple = false
            if case .tuple = expression { isTuple = true }
            return .sequence(try items.map { try evaluate($0, in: scope) }, isTuple: isTuple)
        case let .dictionary(keys, values):
            let dictionary = ProgramDictionary()
            for (keyExpression, valueExpression) in zip(keys, values) {
                guard case let .text(key) = try evaluate(keyExpression, in: scope) else { throw fail("dictionary keys must be strings") }
                let stored = try materialize(try evaluate(valueExpression, in: scope), name: key, site: site)
                dictionary[key] = stored
                if case let .array(_, provenance) = stored { identify(provenance, as: key) }
            }
            return .dictionary(dictionary)
        case let .element(baseExpression, indexExpression):
            let base = try evaluate(baseExpression, in: scope)
            let index = try evaluate(indexExpression, in: scope)
            switch (base, index) {
            case let (.dictionary(dictionary), .text(key)):
                if dictionary[key] == nil, dictionary.poisoned.contains(key) {
                    var failure = fail("key '\(key)' has no value (the line that stores it could not be evaluated)")
                    failure.cascade = true
                    throw failure
                }
                guard let value = dictionary[key] else {
                    throw fail("key '\(key)' is not in \(baseExpression) (it has \(dictionary.order.isEmpty ? "no keys" : dictionary.order.joined(separator: ", ")))")
                }
                if case let .array(_, .event(k)) = value { reads.insert(k) }
                return value
            case let (.namedCache(cache), .text(key)):
                guard let value = cache[key] else { throw fail("the cache has no '\(key)' (it holds \(Self.cacheNames(cache)))") }
                return .array(value, .input(key))
            case let (.sequence(items, _), .array(.scalar(x), _)):
                guard x == x.rounded(), let i = Int(exactly: x), (-items.count..<items.count).contains(i) else {
                    throw fail("index \(index.text) is out of range for \(base.kindDescription)")
                }
                let value = items[i < 0 ? i + items.count : i]
                if case let .array(_, .event(k)) = value { reads.insert(k) }
                return value
            default:
                throw fail("cannot index \(base.kindDescription) with \(index.kindDescription)")
            }
        case let .not(operand):
            return .number(try truth(evaluate(operand, in: scope)) ? 0 : 1)
        case let .negate(operand):
            guard case let .array(value, _) = try evaluate(operand, in: scope) else { throw fail("'-' needs a number or an array") }
            return .array(value.map { -$0 }, .fresh)
        case let .binary(op, leftExpression, rightExpression):
            let (left, right) = (try evaluate(leftExpression, in: scope), try evaluate(rightExpression, in: scope))
            switch (left, right) {
            case let (.array(a, _), .array(b, _)):
                do { return .array(try DerivationEvaluator().binary(op, a, b), .fresh) } catch let error as DerivationEvaluationError {
                    throw Failure(error: Self.transposeMistake(error, leftExpression, rightExpression) { "\($0) @ \($1)" }, recorded: false)
                }
            case let (.text(a), .text(b)) where op == .add:
                // Keys are short; a string doubling in a loop must not take the memory.
                guard a.utf8.count + b.utf8.count <= Self.maximumTextLength else {
                    throw fail("a string longer than \(Self.maximumTextLength) bytes; dictionary keys are short")
                }
                return .text(a + b)
            default:
                guard op == .equal || op == .notEqual else {
                    throw fail("'\(op.rawValue)' cannot combine \(left.kindDescription) and \(right.kindDescription)")
                }
                let same = left.text == right.text
                return .number(same == (op == .equal) ? 1 : 0)
            }
        case let .call(function, arguments):
            return try call(function, arguments, in: scope)
        }
    }

    /// Calls a function the file defines, a Python built-in, or a NumPy function.
    private func call(_ function: String, _ arguments: [DerivationArgument], in scope: Scope) throws -> ProgramValue {
        if case let .function(_, parameters, defaults, body, _)? = functions[function] {
            var values: [String: ProgramValue] = [:]
            for (index, argument) in arguments.enumerated() {
                let name = argument.label ?? (index < parameters.count ? parameters[index] : "")
                guard parameters.contains(name) else {
                    throw fail("\(function)() " + (argument.label.map { "has no parameter '\($0)'" } ?? "takes \(parameters.count) arguments, got \(arguments.count)"))
                }
                values[name] = try evaluate(argument.value, in: scope)
            }
            let local = Scope(parent: globals)
            for parameter in parameters {
                if let value = values[parameter] {
                    local.names[parameter] = value
                } else if let value = defaults[parameter] {
                    local.names[parameter] = try evaluate(value, in: globals)
                } else {
                    throw fail("\(function)() is missing its argument '\(parameter)'")
                }
            }
            guard depth < Self.maximumCallDepth else { throw fail("calls nest more than \(Self.maximumCallDepth) deep") }
            depth += 1
            let testCell = topLevelPhase
            if testCell { testCellDepth += 1 }
            defer { if testCell { testCellDepth -= 1 } }
            let (savedReads, savedUses, savedSite) = (reads, uses, site)
            defer {
                depth -= 1
                (uses, site) = (savedUses, savedSite)
            }
            let result: ProgramValue
            do {
                result = try block(body, in: local) ?? .none
            } catch let failure as Failure {
                reads = savedReads
                if !failure.recorded && !failure.cascade { record(site, "return", .failure(failure.error)) }
                throw Failure(error: failure.error, recorded: true)
            }
            reads = savedReads
            // What the caller reads: the events the function returns.
            func collect(_ value: ProgramValue) {
                switch value {
                case let .array(_, .event(k)): reads.insert(k)
                case let .sequence(items, _): items.forEach(collect)
                default: break
                }
            }
            collect(result)
            return result
        }
        func values() throws -> [ProgramValue] { try arguments.map { try evaluate($0.value, in: scope) } }
        // A shape or a length does not depend on the values: reading one is not a read.
        let readsBefore = reads
        defer { if ["shape", "len", "dtype", "ndim", "size"].contains(function) { reads = readsBefore } }
        switch function {
        case "random.seed":
            guard case let .array(.scalar(x), _)? = try values().first, x == x.rounded(), x >= 0, x < 0x1p32 else {
                throw fail("np.random.seed() needs a whole number from 0 to 2**32 - 1")
            }
            generator = SeededGenerator(seed: Self.randomSeed(UInt64(x) &+ 1, reference))
            drawsTaken = 0
            return .none
        case "random.rand", "random.randn", "random.random", "random.random_sample", "random.standard_normal":
            return try random(function, values())
        case "dtype": return .text("float")
        case "ndim", "size":
            guard case let .array(value, _)? = try values().first else { throw fail(".\(function) needs an array") }
            let dimensions: [Int] = switch value {
            case .scalar: []
            case let .vector(row): [row.columns]
            case let .matrix(matrix): [matrix.rows, matrix.columns]
            }
            return .array(.scalar(Double(function == "ndim" ? dimensions.count : dimensions.reduce(1, *))), .input(function))
        case "range":
            let bounds = try values().map { value -> Int in
                guard case let .array(.scalar(x), _) = value, let n = Int(exactly: x) else { throw fail("range() needs whole numbers") }
                return n
            }
            guard (1...3).contains(bounds.count) else { throw fail("range() takes 1 to 3 arguments") }
            let (start, stop, step) = bounds.count == 1 ? (0, bounds[0], 1) : (bounds[0], bounds[1], bounds.count == 3 ? bounds[2] : 1)
            guard step != 0 else { throw fail("range() step must not be zero") }
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            guard count <= 10_000 else { throw fail("range() of \(count) steps is more than the checker runs") }
            return .sequence((0..<count).map { .array(.scalar(Double(start + $0 * step)), .input("range")) }, isTuple: false)
        case "reversed", "list", "tuple":
            guard case let .sequence(items, _)? = try values().first else { throw fail("\(function)() needs a sequence") }
            return .sequence(function == "reversed" ? items.reversed() : items, isTuple: function == "tuple")
        case "len":
            switch try values().first {
            case let .sequence(items, _)?: return .array(.scalar(Double(items.count)), .input("len"))
            case let .dictionary(dictionary)?: return .array(.scalar(Double(dictionary.order.count)), .input("len"))
            case let .text(text)?: return .array(.scalar(Double(text.count)), .input("len"))
            case let .array(value, _)?: return .array(.scalar(Double(value.storage.rows)), .input("len"))
            default: throw fail("len() needs a list, a tuple or a dictionary")
            }
        case "str": return .text(try values().first?.text ?? "")
        case "int":
            guard case let .array(.scalar(x), _)? = try values().first else { throw fail("int() needs a number") }
            return .array(.scalar(x.rounded(.towardZero)), .input("int"))
        case "print": return .none
        case "shape" where arguments.count == 1:
            guard case let .array(value, _) = try evaluate(arguments[0].value, in: scope) else { throw fail(".shape needs an array") }
            let dimensions: [Int]
            switch value {
            case .scalar: dimensions = []
            case let .vector(row): dimensions = [row.columns]
            case let .matrix(matrix): dimensions = [matrix.rows, matrix.columns]
            }
            return .sequence(dimensions.map { .array(.scalar(Double($0)), .input("shape")) }, isTuple: true)
        default:
            break
        }
        // A NumPy function: arrays go in as placeholders, shapes as tuples, None as None.
        var environment: [String: DerivationValue] = [:]
        var lowered: [DerivationArgument] = []
        for (index, argument) in arguments.enumerated() {
            let value = try evaluate(argument.value, in: scope)
            let expression: DerivationExpression
            switch value {
            case let .array(array, _):
                environment["$\(index)"] = array
                expression = .name("$\(index)")
            case .none: expression = .name("None")
            case let .sequence(items, _):
                expression = .tuple(try items.map { item in
                    guard case let .array(.scalar(x), _) = item else { throw fail("\(function)(): a tuple argument must hold numbers") }
                    return .number(x)
                })
            case let .text(text) where argument.label == "dtype" || function == "astype": expression = .name(text)
            default: throw fail("\(function)() cannot take \(value.kindDescription)")
            }
            lowered.append(DerivationArgument(label: argument.label, value: expression))
        }
        do {
            return .array(try DerivationEvaluator(environment: environment).evaluate(.call(function, lowered)), .fresh)
        } catch let error as DerivationEvaluationError {
            guard ["dot", "matmul"].contains(function), arguments.count == 2 else { throw Failure(error: error, recorded: false) }
            throw Failure(error: Self.transposeMistake(error, arguments[0].value, arguments[1].value) { "np.\(function)(\($0), \($1))" }, recorded: false)
        }
    }

    /// `np.random.rand(r, c)` and friends: the reference's next dropout draws where the shape
    /// is theirs (so a forward pass with dropout gets the reference's masks), else draws from
    /// the file's generator; the same numbers on every run over one instance.
    private func random(_ function: String, _ arguments: [ProgramValue]) throws -> ProgramValue {
        var dimensions: [Int] = []
        for argument in arguments {
            let items: [ProgramValue]
            if case let .sequence(values, _) = argument { items = values } else { items = [argument] }
            for item in items {
                guard case let .array(.scalar(x), _) = item, x == x.rounded(), x >= 0, x <= Double(Self.maximumRandomCount) else {
                    throw fail("np.\(function)() needs whole, non-negative dimensions")
                }
                dimensions.append(Int(x))
            }
        }
        guard dimensions.count <= 2 else { throw fail("np.\(function)(): the checker's arrays have at most 2 dimensions") }
        let count = dimensions.reduce(1, *)
        guard count <= Self.maximumRandomCount else {
            throw fail("np.\(function)() of \(count) entries is more than the checker draws (at most \(Self.maximumRandomCount))")
        }
        let normal = function.hasSuffix("randn") || function.hasSuffix("normal")
        if !normal, dimensions.count == 2, drawsTaken < reference.dropoutDraws.count {
            let draws = reference.dropoutDraws[drawsTaken]
            if draws.rows == dimensions[0], draws.columns == dimensions[1] {
                drawsTaken += 1
                return .array(.matrix(draws), .fresh)
            }
        }
        let entries = (0..<count).map { _ in normal ? generator.nextNormal() : generator.nextUniform() }
        switch dimensions.count {
        case 0: return .array(.scalar(entries[0]), .fresh)
        case 1: return .array(.vector(entries), .fresh)
        default: return .array(.matrix(Matrix(rows: dimensions[0], columns: dimensions[1], rowMajor: entries)), .fresh)
        }
    }

    /// A product whose operands fit only transposed, as the learner's mistake: `transpose
    /// missing on W2` (or a `.T` too many, or both misplaced), naming the product that fits.
    static func transposeMistake(
        _ error: DerivationEvaluationError, _ left: DerivationExpression, _ right: DerivationExpression,
        product: (String, String) -> String
    ) -> DerivationEvaluationError {
        guard let fix = error.transposeFix else { return error }
        func flipped(_ e: DerivationExpression) -> DerivationExpression {
            if case let .call("transpose", arguments) = e, arguments.count == 1 { return arguments[0].value }
            return .call("transpose", [DerivationArgument(value: e)])
        }
        let written = product(source(left), source(right))
        let given = error.operandShapes
        let fits: String
        let what: String
        switch fix {
        case .first:
            fits = product(source(flipped(left)), source(right))
            what = Self.transposeWord(left)
        case .second:
            fits = product(source(left), source(flipped(right)))
            what = Self.transposeWord(right)
        case .both:
            fits = product(source(flipped(left)), source(flipped(right)))
            what = "transposes misplaced"
        }
        return DerivationEvaluationError(
            "\(what): \(written) has shapes \(given), which fit only as \(fits)", mistake: .transposeMissing)
    }

    /// `transpose missing on W2`, or `transpose not wanted on X.T`.
    private static func transposeWord(_ operand: DerivationExpression) -> String {
        if case let .call("transpose", arguments) = operand, arguments.count == 1 { return "transpose not wanted on \(source(operand))" }
        return "transpose missing on \(source(operand))"
    }

    /// An expression as a learner writes it: `W2.T`, `(A - Y).T`, `np.dot(X, dZ.T)`, `1 / m`.
    static func source(_ e: DerivationExpression) -> String {
        func atom(_ e: DerivationExpression) -> String {
            switch e {
            case .binary, .negate: "(" + source(e) + ")"
            default: source(e)
            }
        }
        switch e {
        case let .call("transpose", arguments) where arguments.count == 1: return atom(arguments[0].value) + ".T"
        case let .call(function, arguments):
            let prefix = DerivationEvaluator.functionNames.contains(function) ? "np." : ""
            return prefix + function + "(" + arguments.map { ($0.label.map { "\($0)=" } ?? "") + source($0.value) }.joined(separator: ", ") + ")"
        case let .binary(op, left, right): return atom(left) + " \(op.rawValue) " + atom(right)
        case let .negate(operand): return "-" + atom(operand)
        default: return e.description
        }
    }
}
