/// Checks a hand derivation of the backward pass against Backprop's reference ledger.
///
/// The derivation is evaluated on several random networks and batches of the given architecture
/// (m = 7, 11, 13 by default: never a power of two, so a misplaced 1/m shows). Each gradient it
/// assigns — `dZl`, `dAl`, `dWl`, `dbl` (and `Zl`, `Al` for a recomputed forward pass; with
/// ``DerivationArchitecture/batchNorm`` also `dZtildel`, `dgammal`, `dbetal`, `dZhatl`,
/// `dvarl`, `dmul` and the forward `mul`, `varl`, `Zhatl`, `Ztildel`) — is
/// compared with ``Network/gradients(_:_:convention:l2:dropout:)`` under **both** 1/m
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

    /// Checks a formula file: assignments in NumPy notation, one per line.
    /// - Throws: ``DerivationParseError`` (with line and column) when the text does not parse.
    public func check(_ source: String) throws -> DerivationReport {
        try check(statements: DerivationStatement.parse(source))
    }

    /// Checks parsed statements.
    func check(statements: [DerivationStatement]) throws -> DerivationReport {
        let references = try referencePasses()
        var values = Array(repeating: [Convention: [Result<DerivationValue, DerivationEvaluationError>]](), count: statements.count)
        for convention in Convention.allCases {
            for reference in references {
                var evaluator = DerivationEvaluator(environment: reference.environment)
                for (index, statement) in statements.enumerated() {
                    let result = Self.capture { try evaluator.evaluate(statement.expression) }
                    values[index][convention, default: []].append(result)
                    // Later lines read correct inputs: the true value of every gradient.
                    if let gradient = gradientName(statement.target) {
                        evaluator.environment[statement.target] = .matrix(reference.value(of: gradient, convention))
                    } else {
                        evaluator.environment[statement.target] = try? result.get()
                    }
                }
            }
        }
        let entries = statements.enumerated().map { index, statement in
            DiagnosisEntry(
                name: statement.target, gradient: gradientName(statement.target),
                location: "on line \(statement.line)", values: values[index],
                earlierOneOverM: Self.earlierOneOverM(statements, index),
                ownExampleCountUses: statement.expression.exampleCountUses)
        }
        let diagnosis = Diagnoser(entries: entries, references: references).judge()
        let lines = statements.enumerated().map { index, statement in
            line(for: diagnosis.verdicts[index], line: statement.line, name: statement.target, text: statement.text,
                 note: note(statements, index))
        }
        return DerivationReport(
            lines: lines, convention: diagnosis.convention,
            conventionLine: diagnosis.decidingEntry.map { statements[$0].line },
            architecture: architecture, exampleCounts: exampleCounts,
            lintWarnings: DerivationLint.warnings(in: statements, architecture: architecture))
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
        let L = architecture.depth
        let batchNorm = ["dZtilde", "dgamma", "dbeta", "dZhat", "dvar", "dmu"]
        let results = try references.map { try gradients($0.network, $0.X, $0.Y) }
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
            architecture: architecture, exampleCounts: exampleCounts, lintWarnings: [])
    }

    // MARK: Helpers

    private func referencePasses() throws -> [ReferencePass] {
        try zip(seeds, exampleCounts).map { try ReferencePass(architecture: architecture, seed: $0, examples: $1) }
    }

    /// What the reference knows `name` as, in this architecture.
    private func gradientName(_ name: String) -> GradientName? {
        GradientName(name, depth: architecture.depth, batchNorm: architecture.batchNorm)
    }

    private func line(
        for verdict: Diagnosis.Verdict, line: Int, name: String, text: String, note: String? = nil
    ) -> DerivationReport.Line {
        var diagnosis = verdict.diagnosis
        if verdict.status == .correct { diagnosis = note }
        if verdict.status == .notChecked,
           let known = GradientName(name, depth: 99, batchNorm: true) ?? GradientName(name, depth: 99) {
            let L = architecture.depth
            if known.kind.isBatchNorm && !architecture.batchNorm {
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
