/// Checks a hand derivation of the backward pass against Backprop's reference ledger.
///
/// The derivation is evaluated on several random networks and batches of the given architecture
/// (m = 7, 11, 13 by default: never a power of two, so a misplaced 1/m shows). Each gradient it
/// assigns — `dZl`, `dAl`, `dWl`, `dbl` (and `Zl`, `Al` for a recomputed forward pass; with
/// ``DerivationArchitecture/batchNorm`` also `dZtildel`, `dgammal`, `dbetal`, `dZhatl`,
/// `dvarl`, `dmul` and the forward `mul`, `varl`, `Zhatl`, `Ztildel`) — is
/// compared with ``Network/gradients(_:_:convention:l2:dropout:labels:)`` under **both** 1/m
/// conventions. The first line that matches exactly one convention fixes the derivation's
/// convention, and every line is judged in it; a derivation consistent in either is correct.
///
/// ```swift
/// let checker = try DerivationChecker(architecture: DerivationArchitecture(sizes: [2, 4, 1]))
/// let report = try checker.check("""
///     dZ2 = (A2 - Y) / m
///     dW1 = 1/m * np.dot(dZ1, X.T)
///     """)
/// ```
public struct DerivationChecker: Sendable {
    /// The architecture the derivation is for.
    public let architecture: DerivationArchitecture
    /// The seeds of the random instances.
    public let seeds: [UInt64]
    /// Each instance's batch size m (odd, never a layer size).
    public let exampleCounts: [Int]

    /// A checker over `seeds` random instances (at least 1; default 3).
    /// - Throws: ``BackpropError/invalidArgument(_:)`` for fewer than one seed.
    public init(architecture: DerivationArchitecture, seeds: Int = 3) throws {
        guard seeds >= 1 else { throw BackpropError.invalidArgument("a derivation check needs at least one seed, not \(seeds)") }
        self.architecture = architecture
        self.seeds = (1...seeds).map(UInt64.init)
        // 7, 11, 13, then odd numbers from 15, skipping the layer sizes (so no shape is square
        // by accident).
        var counts: [Int] = []
        var m = 7
        while counts.count < seeds {
            if !architecture.sizes.contains(m) { counts.append(m) }
            m = [7: 11, 11: 13, 13: 15][m] ?? m + 2
        }
        exampleCounts = counts
    }

    /// Checks a formula file: assignments in NumPy notation, one per line, or the course's
    /// backward-pass functions verbatim (`def backward_propagation(parameters, cache, X, Y):`,
    /// `L_model_backward(AL, Y, caches)` with its helpers).
    /// - Throws: ``DerivationParseError`` (with line and column) when the text does not parse.
    public func check(_ source: String) throws -> DerivationReport {
        try check(program: DerivationProgram(parsing: source))
    }

    /// Checks a parsed program: runs it once to learn which values are which gradients, then
    /// on every instance under each convention with correct inputs substituted (and once more
    /// letting a line that switches convention carry it on), then judges every value.
    func check(program: DerivationProgram) throws -> DerivationReport {
        // C2W1's backward_propagation_with_regularization(X, Y, cache, lambd): the reference
        // takes the course's λ = 0.7.
        let l2 = program.assignments.contains { $0.expression.names.contains("lambd") } ? Self.courseL2 : 0
        // C2W1's backward_propagation_with_dropout(X, Y, cache, keep_prob): the reference drops
        // units with the course's keep_prob = 0.8, and the cache holds its masks D1, D2, ….
        // A file that sets keep_prob to a number itself is checked with that number.
        let ownKeepProbability = program.assignments.lazy.compactMap { statement -> Double? in
            guard statement.target == "keep_prob", case let .number(p) = statement.expression, p > 0, p <= 1 else { return nil }
            return p
        }.first
        let keepProbability = program.assignments.contains { $0.expression.names.contains("keep_prob") }
            ? ownKeepProbability ?? Self.courseKeepProbability : nil
        let references = try referencePasses(l2: l2, keepProbability: keepProbability)
        let discovery = DerivationInterpreter(program: program, reference: references[0])
        discovery.run()
        let events = discovery.events
        var identities = discovery.identities
        // A layer-less `dZ` inside a helper is the dZ[l] of the dW[l] or db[l] that reads it.
        for (k, event) in events.enumerated() where identities[k] == nil && event.name == "dZ" {
            if let reader = events.indices.first(where: { events[$0].reads.contains(k) && [.dW, .db].contains(identities[$0]?.kind) }),
               let layer = identities[reader]?.layer {
                identities[k] = GradientName(kind: .dZ, layer: layer)
            }
        }
        typealias Values = [Convention: [Result<DerivationValue, DerivationEvaluationError>]]
        var values = Array(repeating: Values(), count: events.count)
        var carried = Array(repeating: Values(), count: events.count)
        var switchedEverywhere: [Convention: Set<Int>] = [:]
        for convention in Convention.allCases {
            for switching in [false, true] {
                for reference in references {
                    let run = DerivationInterpreter(
                        program: program, reference: reference, substitutions: identities, convention: convention, switching: switching)
                    run.run()
                    let consistent = run.events.count == events.count && zip(run.events, events).allSatisfy { $0.site == $1.site }
                    for k in events.indices {
                        let value = consistent ? run.events[k].value
                            : .failure(DerivationEvaluationError("the file takes a different path on another random network (does a branch depend on the values?)"))
                        if switching { carried[k][convention, default: []].append(value) } else { values[k][convention, default: []].append(value) }
                    }
                    if switching {
                        switchedEverywhere[convention] = switchedEverywhere[convention].map { $0.intersection(run.switched) } ?? run.switched
                    }
                }
            }
        }
        let scalar = Set(events.indices.filter { if case .success(.scalar) = events[$0].value { true } else { false } })
        func ancestors(_ k: Int) -> Set<Int> {
            var visited = Set<Int>(), pending = events[k].reads
            while let j = pending.popLast() {
                if visited.insert(j).inserted { pending += events[j].reads }
            }
            return visited
        }
        let lineages = events.indices.map(ancestors)
        func entries(_ values: [Values]) -> [DiagnosisEntry] {
            events.indices.map { k in
                DiagnosisEntry(
                    name: events[k].name, gradient: identities[k], location: "on line \(events[k].site.line)", values: values[k],
                    earlierOneOverM: lineages[k].filter { events[$0].exampleCountUses > 0 && !scalar.contains($0) }.min(),
                    ownExampleCountUses: events[k].exampleCountUses)
            }
        }
        let diagnosis = Diagnoser(entries: entries(values), references: references).judge()
        var verdicts = diagnosis.verdicts
        var notes = Array(repeating: String?.none, count: events.count)
        // Mixed 1/m paths: a line that is right in the other convention, and a later line that
        // is only right because it reads it, mean the file carries that convention from there.
        let chosen = diagnosis.convention ?? .deferred
        let other: Convention = chosen == .deferred ? .absorbed : .deferred
        let switches = (switchedEverywhere[chosen] ?? []).sorted()
        if !switches.isEmpty {
            let carriedVerdicts = Diagnoser(entries: entries(carried), references: references).judge(forcing: chosen).verdicts
            for s in switches {
                let downstream = events.indices.filter { lineages[$0].contains(s) }
                let rescued = downstream.filter {
                    verdicts[$0].status == .wrong && [.oneOverMMissing, .oneOverMExtra].contains(verdicts[$0].mistake)
                        && carriedVerdicts[$0].status == .correct
                }
                // Carrying the switch must explain the file better than calling the line wrong.
                let plainWrong = ([s] + downstream).filter { verdicts[$0].status == .wrong }.count
                let carriedWrong = downstream.filter { carriedVerdicts[$0].status == .wrong }.count
                guard !rescued.isEmpty, carriedWrong < plainWrong, let gradient = identities[s] else { continue }
                let line = events[s].site.line
                verdicts[s] = Diagnosis.Verdict(status: .correct, diagnosis: nil, mistake: nil)
                notes[s] = "correct in the \(other) convention: \(gradient.spelling) carries 1/m here, so from this line on the file follows the \(other) convention (the lines that read it need no 1/m of their own)"
                for j in downstream {
                    verdicts[j] = carriedVerdicts[j]
                    if rescued.contains(j) {
                        notes[j] = "correct: no 1/m here, and rightly so: \(gradient.spelling) (line \(line)) already carries it — from line \(line) on the file follows the \(other) convention"
                    }
                }
            }
        }
        let assignments = program.assignments
        var lines: [DerivationReport.Line] = []
        let sites = Dictionary(grouping: events.indices) { DerivationSiteKey(line: events[$0].site.line, column: events[$0].site.column) }
        for key in sites.keys.sorted(by: { ($0.line, $0.column) < ($1.line, $1.column) }) {
            // A line the checker's own run reaches is judged on that run, not on the test cell's.
            let all = sites[key]!
            let members = all.contains { !events[$0].testCell } ? all.filter { !events[$0].testCell } : all
            let first = events[members[0]]
            var merged: [DerivationReport.Line] = []
            for k in members {
                var note = notes[k]
                if note == nil, let index = assignments.firstIndex(where: { $0.line == events[k].site.line && $0.target == events[k].name }) {
                    note = self.note(assignments, index)
                }
                merged.append(line(for: verdicts[k], line: key.line, name: events[k].name, text: first.site.text, note: note))
            }
            let identified = members.filter { identities[$0] != nil }
            let names = identified.map { identities[$0]!.spelling }
            let checkedAs = identified.allSatisfy({ gradientName(events[$0].name) == identities[$0] }) ? [] : names
            if let error = merged.first(where: { $0.status == .error }) {
                lines.append(DerivationReport.Line(line: key.line, name: first.name, text: first.site.text, status: .error,
                    diagnosis: error.diagnosis, mistake: .evaluationError, checkedAs: checkedAs, column: key.column))
                continue
            }
            let judged = zip(members, merged).filter { identities[$0.0] != nil }.map(\.1)
            guard !judged.isEmpty else {
                lines.append(merged[0].with(checkedAs: [], column: key.column))
                continue
            }
            let wrong = judged.enumerated().filter { $0.element.status == .wrong }
            if wrong.isEmpty {
                lines.append(judged[0].with(checkedAs: checkedAs, column: key.column))
                continue
            }
            let texts = wrong.map { (names[$0.offset], $0.element.diagnosis ?? "wrong") }
            let diagnosisText: String
            if Set(texts.map(\.1)).count == 1 && wrong.count == judged.count {
                diagnosisText = texts[0].1
            } else if Set(wrong.map(\.element.mistake)).count == 1, wrong[0].element.mistake != .other {
                diagnosisText = "as \(texts[0].0): \(texts[0].1); the same mistake as \(texts.dropFirst().map(\.0).joined(separator: ", "))"
                    + (wrong.count < judged.count ? " (right as the others)" : "")
            } else {
                diagnosisText = texts.map { "as \($0.0): \($0.1)" }.joined(separator: "; ")
            }
            lines.append(DerivationReport.Line(line: key.line, name: first.name, text: first.site.text, status: .wrong,
                diagnosis: diagnosisText, mistake: wrong[0].element.mistake, checkedAs: checkedAs, column: key.column))
        }
        for failure in discovery.failures {
            lines.append(DerivationReport.Line(line: failure.site.line, name: "(statement)", text: failure.site.text, status: .error,
                diagnosis: failure.message, mistake: .evaluationError, column: failure.site.column))
        }
        lines.sort { ($0.line, $0.column) < ($1.line, $1.column) }
        let decidingLine = diagnosis.decidingEntry.map { events[$0].site.line }
        return DerivationReport(
            lines: lines, convention: diagnosis.convention, conventionLine: decidingLine,
            architecture: architecture, exampleCounts: exampleCounts,
            lintWarnings: DerivationLint.warnings(in: assignments, architecture: architecture), l2: l2,
            keepProbability: references[0].cache.dropout?.keepProbabilities.first)
    }

    /// Checks gradients computed by `gradients(network, X, Y)`, e.g. for a custom layer: each
    /// returned name (`"dW1"`, `"db1"`, `"dZ2"`, …; with batch norm also `"dZtilde1"`,
    /// `"dgamma1"`, `"dbeta1"`, `"dZhat1"`, `"dvar1"`, `"dmu1"`) is compared and diagnosed exactly
    /// as a formula file's line would be. Lines come in backward order: `dZL, dWL, dbL, dA(L−1),
    /// dZ(L−1), …`, then any other names.
    /// - Throws: whatever `gradients` throws.
    public func check(
        gradients: (Network<Double>, Matrix<Double>, Matrix<Double>) throws -> [String: Matrix<Double>]
    ) throws -> DerivationReport {
        let references = try referencePasses()
        return judge(try references.map { try gradients($0.network, $0.X, $0.Y) }, references: references)
    }

    /// Compares gradients a notebook saved (`np.savez('mine.npz', **grads)`: `dW1`, `db1`,
    /// `dZ1`, `dA0`, … under the course's names) with the ledger of `network` on `X`, `Y`, and
    /// diagnoses each one that differs exactly as ``check(_:)`` diagnoses a line: a factor m,
    /// 1/m, a flipped sign, a transpose, a wrong axis. The convention is decided from the
    /// gradients themselves. Any finite `Y` is accepted.
    /// - Throws: ``BackpropError`` for a network with batch norm or other non-dense layers, or
    ///   labels that do not fit the output.
    public static func compare(
        _ gradients: [String: Matrix<Double>], network: Network<Double>, X: Matrix<Double>, Y: Matrix<Double>
    ) throws -> DerivationReport {
        guard network.isDense else {
            throw BackpropError.invalidArgument("comparing a notebook's gradients needs a dense network (no batch norm)")
        }
        let architecture = try DerivationArchitecture(
            sizes: network.sizes, hidden: network.depth > 1 ? network.layer(1).activation : .tanh,
            output: network.outputActivation, loss: network.loss)
        let checker = try DerivationChecker(architecture: architecture, seeds: 1)
        let reference = try ReferencePass(network: network, X: X, Y: Y, labels: .anyFinite)
        return checker.judge([gradients], references: [reference], exampleCounts: [X.columns])
    }

    /// The verdicts on returned gradients, one dictionary per reference instance.
    private func judge(
        _ results: [[String: Matrix<Double>]], references: [ReferencePass], exampleCounts: [Int]? = nil
    ) -> DerivationReport {
        let L = architecture.depth
        let batchNorm = ["dZtilde", "dgamma", "dbeta", "dZhat", "dvar", "dmu"]
        var order: [String] = []
        for l in stride(from: L, through: 1, by: -1) {
            let names = ["dA\(l)"] + batchNorm.map { "\($0)\(l)" } + ["dZ\(l)", "dW\(l)", "db\(l)"]
            for name in names where results[0][name] != nil { order.append(name) }
        }
        order += results[0].keys.filter { !order.contains($0) }.sorted()
        let entries = order.map { name in
            let perSeed = results.map { returned -> Result<DerivationValue, DerivationEvaluationError> in
                returned[name].map { .success(.matrix($0)) }
                    ?? .failure(DerivationEvaluationError("\(name) is missing for some of the random instances"))
            }
            return DiagnosisEntry(
                name: name, gradient: gradientName(name), location: "in \(name)",
                values: [.deferred: perSeed, .absorbed: perSeed], earlierOneOverM: nil, ownExampleCountUses: 0)
        }
        let diagnosis = Diagnoser(entries: entries, references: references).judge()
        let lines = order.enumerated().map { index, name in
            line(for: diagnosis.verdicts[index], line: index + 1, name: name, text: name)
        }
        return DerivationReport(
            lines: lines, convention: diagnosis.convention, conventionLine: diagnosis.decidingEntry.map { $0 + 1 },
            architecture: architecture, exampleCounts: exampleCounts ?? self.exampleCounts, lintWarnings: [])
    }

    // MARK: Helpers

    private func referencePasses(l2: Double = 0, keepProbability: Double? = nil) throws -> [ReferencePass] {
        try zip(seeds, exampleCounts).map {
            try ReferencePass(architecture: architecture, seed: $0, examples: $1, l2: l2, keepProbability: keepProbability)
        }
    }

    /// The keep probability a file that reads `keep_prob` is checked with (the course's C2W1
    /// test value).
    public static let courseKeepProbability = 0.8

    /// The L2 strength a file that reads `lambd` is checked with (the course's C2W1 value).
    public static let courseL2 = 0.7

    /// What the reference knows `name` as, in this architecture.
    private func gradientName(_ name: String) -> GradientName? {
        GradientName.course(name, depth: architecture.depth, batchNorm: architecture.batchNorm)
    }

    private func line(
        for verdict: Diagnosis.Verdict, line: Int, name: String, text: String, note: String? = nil
    ) -> DerivationReport.Line {
        var diagnosis = verdict.diagnosis
        if verdict.status == .correct { diagnosis = note }
        if verdict.status == .notChecked,
           let known = GradientName(name, depth: 99, batchNorm: true) ?? GradientName(name, depth: 99) {
            let L = architecture.depth
            if gradientName(name) != nil {
                // `dA2 = np.dot(W3.T, dZ3)` before `dA2 = dA2 * D2`: checked where it is finished.
                diagnosis = "an intermediate value of \(name): the line that finishes it is checked"
            } else if known.kind.isBatchNorm && !architecture.batchNorm {
                // `mu1`, `var1` may well be a dense file's own temporaries; `dgamma1` is not.
                diagnosis = known.kind.rawValue.hasPrefix("d")
                    ? "not compared: this network has no batch norm (declare it with 'batchnorm: yes' in the header, or --batch-norm)"
                    : nil
            } else if known.kind.isBatchNorm && known.layer == L {
                diagnosis = "not compared: batch norm is on the hidden layers only; layer \(L) is the output layer"
            } else if known.kind == .db, architecture.batchNorm, known.layer < L {
                diagnosis = "not compared: with batch norm, hidden layer \(known.layer) has no bias (β[\(known.layer)] takes its place)"
            } else {
                diagnosis = "not compared: a \(L)-layer network has no \(name)"
            }
        }
        return DerivationReport.Line(
            line: line, name: name, text: text, status: verdict.status, diagnosis: diagnosis, mistake: verdict.mistake)
    }

    private struct DerivationSiteKey: Hashable {
        let line: Int
        let column: Int
    }

    private static func capture(_ body: () throws -> DerivationValue) -> Result<DerivationValue, DerivationEvaluationError> {
        do { return .success(try body()) } catch let error as DerivationEvaluationError {
            return .failure(error)
        } catch {
            return .failure(DerivationEvaluationError("\(error)"))
        }
    }

    /// A note on a correct line: a batch-norm `dμ` without its `dσ²` term is right, and why.
    private func note(_ statements: [DerivationStatement], _ index: Int) -> String? {
        guard let gradient = gradientName(statements[index].target), gradient.kind == .dmu else { return nil }
        // The dσ² term needs dσ² itself, or Z − μ (from Z or Ẑ), here or through a temporary.
        var names = statements[index].expression.names
        var visited = Set<Int>()
        var pending = [(names: names, before: index)]
        while let (read, before) = pending.popLast() {
            for name in read where gradientName(name) == nil {
                guard let source = statements[..<before].lastIndex(where: { $0.target == name }),
                      visited.insert(source).inserted else { continue }
                names.formUnion(statements[source].expression.names)
                pending.append((statements[source].expression.names, source))
            }
        }
        let l = gradient.layer
        let hasTerm = names.contains { name in
            gradientName(name).map { [.dvar, .Z, .Zhat].contains($0.kind) && $0.layer == l } ?? false
        }
        guard !hasTerm else { return nil }
        return "note: no dσ²[\(l)] term, and rightly so here: dμ's term dσ²[\(l)] · (−2/m) Σ (Z\(l) − μ[\(l)]) is zero, since"
            + " Σ (Z − μ) = 0 over the batch. The dσ² path that matters is the one into dZ\(l): dσ²[\(l)] · 2(Z\(l) − μ[\(l)])/m"
    }

    /// The earliest statement that statement `index` depends on (through the names it reads)
    /// and that brings in 1/m.
    static func earlierOneOverM(_ statements: [DerivationStatement], _ index: Int) -> Int? {
        var visited = Set<Int>()
        var pending = [(names: statements[index].expression.names, before: index)]
        while let (names, before) = pending.popLast() {
            for name in names {
                guard let source = statements[..<before].lastIndex(where: { $0.target == name }),
                      visited.insert(source).inserted else { continue }
                pending.append((statements[source].expression.names, source))
            }
        }
        return visited.filter { statements[$0].expression.exampleCountUses > 0 }.min()
    }
}

extension DerivationReport.Line {
    /// The same verdict, with `checkedAs` and `column`.
    func with(checkedAs: [String], column: Int) -> DerivationReport.Line {
        DerivationReport.Line(line: line, name: name, text: text, status: status, diagnosis: diagnosis, mistake: mistake,
                              checkedAs: checkedAs, column: column)
    }
}
