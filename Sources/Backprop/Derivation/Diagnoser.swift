import Foundation

/// One named quantity to judge: a line of a formula file, or a key a gradient closure returned.
struct DiagnosisEntry {
    let name: String
    /// What the reference knows the name as; `nil` for temporaries.
    let gradient: GradientName?
    /// Where it is, for messages: `on line 3` or `in dZ2`.
    let location: String
    /// Per convention, per seed: the value computed from correct inputs (the reference values
    /// of that convention for every earlier gradient), or the evaluation error.
    let values: [Convention: [Result<DerivationValue, DerivationEvaluationError>]]
    /// The earliest entry in this one's dependency chain that brings in 1/m (not itself).
    let earlierOneOverM: Int?
    /// How many times the entry's own expression brings in m.
    let ownExampleCountUses: Int
}

/// The diagnoser's conclusions: a verdict per entry and the convention.
struct Diagnosis {
    struct Verdict {
        let status: DerivationReport.Status
        let diagnosis: String?
        let mistake: DerivationMistake?
    }

    let verdicts: [Verdict]
    let convention: Convention?
    let decidingEntry: Int?
}

/// Compares each entry with the reference ledgers over several random instances, decides the
/// derivation's 1/m convention, and names the mistake of every wrong entry.
///
/// A line is judged on correct inputs: the earlier gradients it reads are replaced by their true
/// values (under each convention in turn), so a mistake is reported on the line that makes it,
/// not on every line downstream.
struct Diagnoser {
    /// Normwise relative difference below which a value is the reference.
    static let tolerance = 1e-8

    let entries: [DiagnosisEntry]
    let references: [ReferencePass]

    /// The verdicts; `forced` judges every entry in that convention instead of deciding one.
    func judge(forcing forced: Convention? = nil) -> Diagnosis {
        var convention: Convention? = forced
        var deciding: Int?
        for (index, entry) in entries.enumerated() where entry.gradient != nil && forced == nil {
            let (d, a) = (matchesAll(entry, .deferred), matchesAll(entry, .absorbed))
            if d != a {
                (convention, deciding) = (d ? .deferred : .absorbed, index)
                break
            }
        }
        if convention == nil {
            // No line is right in exactly one convention: let a recognisable mistake decide.
            for (index, entry) in entries.enumerated() where entry.gradient?.dependsOnConvention == true {
                let (d, a) = (diagnose(entry, .deferred, nil), diagnose(entry, .absorbed, nil))
                if (d?.mistake != .other) != (a?.mistake != .other), d != nil, a != nil {
                    (convention, deciding) = (d!.mistake != .other ? .deferred : .absorbed, index)
                    break
                }
            }
        }
        let verdicts = entries.map { verdict($0, convention: convention, deciding: deciding) }
        return Diagnosis(verdicts: verdicts, convention: convention, decidingEntry: deciding)
    }

    private func verdict(_ entry: DiagnosisEntry, convention: Convention?, deciding: Int?) -> Diagnosis.Verdict {
        let chosen = convention ?? (matchesAll(entry, .absorbed) && !matchesAll(entry, .deferred) ? .absorbed : .deferred)
        if let failure = firstError(entry, chosen) {
            // A product whose operands fit only with one of them transposed is a wrong line.
            if let mistake = failure.mistake { return .init(status: .wrong, diagnosis: failure.message, mistake: mistake) }
            return .init(status: .error, diagnosis: failure.message, mistake: .evaluationError)
        }
        guard entry.gradient != nil else { return .init(status: .notChecked, diagnosis: nil, mistake: nil) }
        if matchesAll(entry, chosen) { return .init(status: .correct, diagnosis: nil, mistake: nil) }
        var finding = diagnose(entry, chosen, deciding)
        if convention == nil, finding?.mistake == .other,
           let other = diagnose(entry, chosen == .deferred ? .absorbed : .deferred, deciding), other.mistake != .other {
            finding = other
        }
        let result = finding ?? Finding(key: "other", mistake: .other, message: "wrong")
        return .init(status: .wrong, diagnosis: result.message, mistake: result.mistake)
    }

    // MARK: Matching

    private func firstError(_ entry: DiagnosisEntry, _ convention: Convention) -> DerivationEvaluationError? {
        for result in entry.values[convention] ?? [] {
            if case let .failure(error) = result { return error }
        }
        return nil
    }

    private func matchesAll(_ entry: DiagnosisEntry, _ convention: Convention) -> Bool {
        guard let gradient = entry.gradient, let results = entry.values[convention] else { return false }
        return zip(results, references).allSatisfy { result, reference in
            guard case let .success(computed) = result, let value = Self.matrix(computed, as: gradient) else { return false }
            let expected = reference.value(of: gradient, convention)
            return value.shape == expected.shape && Self.relativeError(value, expected) <= Self.tolerance
        }
    }

    /// The value as a matrix, when it is one: a number counts as a `(1, 1)` matrix where the
    /// file holds the gradient as a number (C1W2's `db`).
    static func matrix(_ value: DerivationValue, as gradient: GradientName) -> Matrix<Double>? {
        switch value {
        case let .matrix(matrix): matrix
        case let .scalar(x) where gradient.form == .scalar: Matrix(rows: 1, columns: 1, repeating: x)
        default: nil
        }
    }

    /// `‖u − r‖ / max(‖u‖, ‖r‖)` (0 when both vanish; ∞ for NaN).
    static func relativeError(_ u: Matrix<Double>, _ r: Matrix<Double>) -> Double {
        let scale = Swift.max(u.norm(), r.norm())
        let error = scale == 0 ? 0 : (u - r).norm() / scale
        return error.isNaN ? .infinity : error
    }

    // MARK: Diagnosis

    /// What one instance shows; instances agree when their keys agree.
    struct Finding: Equatable {
        let key: String
        let mistake: DerivationMistake
        let message: String
    }

    /// The mistake `entry` makes under `convention`, agreed on by every instance; `.other` with
    /// the relative error and worst entry when the instances do not agree on a known form.
    private func diagnose(_ entry: DiagnosisEntry, _ convention: Convention, _ deciding: Int?) -> Finding? {
        guard let gradient = entry.gradient, let results = entry.values[convention] else { return nil }
        var findings: [Finding] = []
        for (result, reference) in zip(results, references) {
            guard case let .success(value) = result else { return nil }
            let context = DiagnosisContext(
                gradient: gradient, convention: convention, reference: reference,
                origin: origin(entry, convention, deciding))
            findings.append(context.classify(value))
        }
        guard let first = findings.first else { return nil }
        if findings.allSatisfy({ $0.key == first.key }) { return first }
        guard case let .success(value) = results[0] else { return nil }
        return DiagnosisContext(gradient: gradient, convention: convention, reference: references[0], origin: "").generic(value)
    }

    /// Where the first 1/m came from, for "1/m applied twice (first applied on line N)".
    private func origin(_ entry: DiagnosisEntry, _ convention: Convention, _ deciding: Int?) -> String {
        if let earlier = entry.earlierOneOverM { return " (first applied \(entries[earlier].location))" }
        if convention == .absorbed, let deciding, entries[deciding].name != entry.name {
            return " (first applied \(entries[deciding].location))"
        }
        if entry.ownExampleCountUses >= 2 { return " (both times on this line)" }
        return ""
    }
}

/// The classification of one value against one instance's reference.
struct DiagnosisContext {
    let gradient: GradientName
    let convention: Convention
    let reference: ReferencePass
    let origin: String

    typealias Finding = Diagnoser.Finding
    /// A known wrong form of the gradient: the value it would have, and what to say.
    typealias Pattern = (key: String, mistake: DerivationMistake, message: String, value: Matrix<Double>)

    var m: Int { reference.m }
    var expected: Matrix<Double> { reference.value(of: gradient, convention) }
    var L: Int { reference.depth }
    var l: Int { gradient.layer }

    func classify(_ value: DerivationValue) -> Finding {
        let r = expected
        if gradient.form == .scalar, case let .scalar(x) = value { return classify(.matrix(Matrix(rows: 1, columns: 1, repeating: x))) }
        switch value {
        case let .scalar(x):
            if let summand = summand() {
                let total = reference.parameterScale(convention) * summand.sum()
                if let f = factor(Matrix(rows: 1, columns: 1, repeating: x), Matrix(rows: 1, columns: 1, repeating: total)) {
                    return Finding(key: "allAxes" + f.key, mistake: .wrongAxis,
                        message: "summed over the wrong axis: over all axes (axis=1 missing), got a scalar, expected \(r.shape)" + f.also)
                }
            }
            return Finding(key: "scalar", mistake: .shapeMismatch, message: "shape mismatch: got a scalar, expected \(r.shape)")
        case let .vector(row):
            let k = row.columns
            if r.columns == 1, k == r.rows, let f = factor(row.transposed(), r) {
                return Finding(key: "keepdims" + f.key, mistake: .keepdimsMissing,
                    message: "keepdims missing: got (\(k),), expected (\(k), 1)" + f.also)
            }
            if let finding = wrongAxis(row, shape: "(\(k),)") { return finding }
            return Finding(key: "shape", mistake: .shapeMismatch, message: "shape mismatch: got (\(k),), expected \(r.shape)")
        case let .matrix(u):
            if !u.isFinite {
                return Finding(key: "nonFinite", mistake: .nonFinite,
                    message: "wrong: the value has NaN or infinite entries (a log of 0, or a division by 0?)")
            }
            if u.shape != r.shape {
                if u.shape == r.shape.transposed, let f = factor(u.transposed(), r) {
                    return Finding(key: "transposed" + f.key, mistake: .transposed,
                        message: "transposed: got \(u.shape), expected \(r.shape)" + f.also)
                }
                if let finding = wrongAxis(u, shape: u.shape.description) { return finding }
                return Finding(key: "shape", mistake: .shapeMismatch, message: "shape mismatch: got \(u.shape), expected \(r.shape)")
            }
            if let f = factor(u, r), f.key != "+0" { return f.alone }
            if u.rows == u.columns, u.rows > 1, let f = factor(u.transposed(), r) {
                return Finding(key: "transposed" + f.key, mistake: .transposed, message: "transposed" + f.also)
            }
            for pattern in patterns() {
                if let f = factor(u, pattern.value) {
                    return Finding(key: pattern.key + f.key, mistake: pattern.mistake, message: pattern.message + f.also)
                }
            }
            if let c = constantFactor(u, r) {
                if let finding = unbiasedCount(c) { return finding }
                let text = String(format: "%.6g", c)
                return Finding(key: "constant" + text, mistake: .constantFactor, message: "off by a constant factor: every entry is \(text) times the right value")
            }
            return generic(value)
        }
    }

    /// The least-squares `c` with `u ≈ c·r` when it explains `u` (and is not 0 or 1).
    private func constantFactor(_ u: Matrix<Double>, _ r: Matrix<Double>) -> Double? {
        let rr = r.squaredNorm()
        guard rr > 0 else { return nil }
        let c = zip(u.elements, r.elements).reduce(0.0) { $0 + $1.0 * $1.1 } / rr
        guard (u - c * r).norm() <= 1e-7 * Swift.max(u.norm(), 1e-300), abs(c) > 1e-12, abs(c - 1) > 1e-6 else { return nil }
        return c
    }

    /// What a bias-like gradient sums over the examples: `dZ` for `db`, `dZ̃` for `dβ`,
    /// `dZ̃ ⊙ Ẑ` for `dγ` (before the convention's scale); `nil` for other gradients.
    private func summand() -> Matrix<Double>? {
        switch gradient.kind {
        case .db: return reference.value(of: GradientName(kind: .dZ, layer: l), convention)
        case .dbeta: return reference.value(of: GradientName(kind: .dZtilde, layer: l), convention)
        case .dgamma:
            return reference.value(of: GradientName(kind: .dZtilde, layer: l), convention)
                * reference.value(of: GradientName(kind: .Zhat, layer: l), convention)
        default: return nil
        }
    }

    /// `db` (`dγ`, `dβ`) summed over axis 0 (the units) instead of axis 1 (the examples).
    private func wrongAxis(_ u: Matrix<Double>, shape: String) -> Finding? {
        guard let summand = summand(), u.count == m, u.rows == 1 || u.columns == 1 else { return nil }
        let wrong = reference.parameterScale(convention) * summand.sum(axis: 0)
        let row = u.rows == 1 ? u : u.transposed()
        guard let f = factor(row, wrong) else { return nil }
        return Finding(key: "axis" + f.key, mistake: .wrongAxis,
            message: "summed over the wrong axis: axis=0 (the units) instead of axis=1 (the examples), got \(shape), expected \(expected.shape)" + f.also)
    }

    /// Known wrong forms of this gradient, each with the value it would have.
    func patterns() -> [Pattern] {
        if gradient.kind == .dW, reference.l2 > 0 {
            let term = (reference.l2 / Double(m)) * reference.W(l)
            return [
                ("l2Missing", .regularizationMissing,
                 "L2 term missing: dW\(l) needs + (λ/m) W\(l) (λ = lambd)", expected - term),
                ("l2NoM", .regularizationMissing,
                 "L2 term without its 1/m: λ W\(l) where (λ/m) W\(l) is meant", expected - term + reference.l2 * reference.W(l)),
            ]
        }
        if gradient.kind.isBatchNorm || (reference.batchNorm && l < L && (gradient.kind == .dZ || gradient.kind == .A)) {
            return batchNormPatterns()
        }
        if gradient.kind == .A, l < L, reference.cache.dropout?.masks[l - 1] != nil {
            return dropoutPatterns(on: reference.activation(l).forward(reference.Z(l)), name: "A\(l)")
        }
        if gradient.kind == .dA, l < L {
            var result: [Pattern] = []
            if l >= 1, reference.cache.dropout?.masks[l - 1] != nil {
                let dZ = reference.value(of: GradientName(kind: .dZ, layer: l + 1), convention)
                result += dropoutPatterns(on: reference.W(l + 1).transposed().dot(dZ), name: "dA\(l)")
            }
            if l >= 1 {
                let activation = reference.activation(l)
                let derivative = activation.derivative(Z: reference.preActivation(l), A: reference.A(l))
                let (pre, dPre) = reference.normIndex(l) == nil ? ("Z\(l)", "dZ\(l)") : ("Z̃[\(l)]", "dZ̃[\(l)]")
                result.append(("twice", .activationDerivativeTwice,
                    "activation derivative applied twice: this dA\(l) already includes ⊙ \(activation)′(\(pre)), which \(dPre) = dA\(l) ⊙ \(activation)′(\(pre)) applies again",
                    expected * derivative))
            }
            // W[l+1] where W[l+1]ᵀ is meant: the same shape only when W[l+1] is square.
            let W = reference.W(l + 1)
            if W.rows == W.columns {
                let dZ = reference.value(of: GradientName(kind: .dZ, layer: l + 1), convention)
                result.append(("W", .transposed, "transposed: W\(l + 1) used where W\(l + 1)ᵀ is meant", W.dot(dZ)))
            }
            return result
        }
        if gradient.kind == .dW || gradient.kind == .db {
            // dZ written inline (C1W2's `dw = 1/m * np.dot(X, (A - Y).T)`): its mistakes, carried
            // through to the parameter's gradient.
            let dZ = DiagnosisContext(gradient: GradientName(kind: .dZ, layer: l), convention: convention, reference: reference, origin: origin)
            let scale = reference.parameterScale(convention)
            return dZ.patterns().map { pattern in
                var value = gradient.kind == .dW ? scale * pattern.value.dot(reference.A(l - 1).transposed()) : scale * pattern.value.sum(axis: 1)
                if gradient.form == .transposed { value = value.transposed() }
                return (pattern.key, pattern.mistake, pattern.message + " (in the dZ\(l) this line computes)", value)
            }
        }
        guard gradient.kind == .dZ else { return [] }
        let r = expected
        let (Z, A) = (reference.Z(l), reference.A(l))
        let activation = reference.activation(l)
        if l == L {
            let fused = reference.network.loss != .meanSquaredError
            let derivative = switch activation {
            case .sigmoid: "σ′(Z\(l)) = A\(l)(1 − A\(l))"
            case .softmax: "the softmax Jacobian"
            default: "\(activation)′(Z\(l))"
            }
            let onto = fused ? "A\(l) − Y, which already includes it" : "dZ\(l)"
            return [
                ("twice", .activationDerivativeTwice,
                 "activation derivative applied twice: \(derivative) multiplied onto \(onto)",
                 activation.backward(r, Z: Z, A: A)),
                ("missingOutput", .activationDerivativeMissing,
                 "activation derivative missing: this is dA\(l) = ∂L/∂A\(l); dZ\(l) = dA\(l) ⊙ g′(Z\(l))"
                    + (fused ? " = A\(l) − Y" : ""),
                 reference.outputDA(convention)),
            ]
        }
        return activationPatterns(pre: Z, preName: "Z\(l)")
    }

    /// The wrong forms of inverted dropout on layer `l`'s `A` or `dA` (`name`), with `value`
    /// the quantity before its mask: `⊙ D[l] / keep_prob` is meant.
    func dropoutPatterns(on value: Matrix<Double>, name: String) -> [Pattern] {
        guard let dropout = reference.cache.dropout, let D = dropout.masks[l - 1] else { return [] }
        let p = dropout.keepProbabilities[l - 1]
        let meant = "\(name) = \(name) * D\(l) / keep_prob"
        var result: [Pattern] = [
            ("dropoutMask", .dropoutMaskMissing,
             "dropout mask missing: \(name) is divided by keep_prob but not multiplied by D\(l) (\(meant))", value / p),
            ("dropoutNone", .dropoutMaskMissing,
             "dropout missing: \(name) is neither masked by D\(l) nor divided by keep_prob (\(meant))", value),
            ("dropoutScale", .dropoutScaleMissing,
             "dropout scale missing: \(name) is masked by D\(l) but not divided by keep_prob (inverted dropout: \(meant))", value * D),
            ("dropoutTimes", .dropoutScaleMissing,
             "dropout scale inverted: \(name) is multiplied by keep_prob where it must be divided by it (\(meant))", p * (value * D)),
        ]
        for (k, other) in dropout.masks.enumerated() where k != l - 1 {
            guard let other, other.shape == D.shape else { continue }
            result.append(("dropoutLayer\(k + 1)", .dropoutMaskMissing,
                "dropout mask of the wrong layer: D\(k + 1) used where \(name) needs D\(l) (\(meant))", value * other / p))
        }
        return result
    }

    /// The wrong forms of `dA[l] ⊙ g′(pre)` (`dZ[l]`, or `dZ̃[l]` with batch norm), with `pre`
    /// the value `g` is applied to.
    func activationPatterns(pre Z: Matrix<Double>, preName: String) -> [Pattern] {
        let r = expected
        let A = reference.A(l)
        let activation = reference.activation(l)
        let dA = reference.value(of: GradientName(kind: .dA, layer: l), convention)
        let derivative = activation.derivative(Z: Z, A: A)
        var result: [Pattern] = [
            ("missing", .activationDerivativeMissing,
             "activation derivative missing: the value is W\(l + 1)ᵀ dZ\(l + 1) without ⊙ \(activation)′(\(preName))", dA),
            ("twice", .activationDerivativeTwice,
             "activation derivative applied twice: ⊙ \(activation)′(\(preName)) appears twice", r * derivative),
        ]
        func formula(_ g: Activation) -> String {
            switch g {
            case .sigmoid: "σ′ = A\(l)(1 − A\(l))"
            case .tanh: "tanh′ = 1 − A\(l)²"
            case .relu: "relu′ = 1 where \(preName) > 0, else 0"
            default: "\(g)′(\(preName))"
            }
        }
        let belongs = " (\(formula(activation)))"
        for other in [Activation.sigmoid, .tanh, .relu] where other != activation {
            result.append(("other-\(other)", .wrongActivationDerivative,
                "wrong activation derivative: \(other)′ used, but layer \(l) is \(activation)" + belongs,
                dA * other.derivative(Z: Z, A: other.forward(Z))))
        }
        let W = reference.W(l + 1)
        if l + 1 <= L, W.rows == W.columns {
            let dZ = reference.value(of: GradientName(kind: .dZ, layer: l + 1), convention)
            result.append(("W", .transposed, "transposed: W\(l + 1) used where W\(l + 1)ᵀ is meant",
                W.dot(dZ) * derivative))
        }
        // Another activation's formula written on this layer's own A (or its Z mask).
        if activation != .tanh {
            result.append(("tanhFormula", .wrongActivationDerivative,
                "wrong activation derivative: 1 − A\(l)² is tanh's derivative, but layer \(l) is \(activation)" + belongs,
                dA * A.map { 1 - $0 * $0 }))
        }
        if activation != .sigmoid {
            result.append(("sigmoidFormula", .wrongActivationDerivative,
                "wrong activation derivative: A\(l)(1 − A\(l)) is the sigmoid's formula, but layer \(l) is \(activation)" + belongs,
                dA * A.map { $0 * (1 - $0) }))
        }
        if activation != .relu {
            result.append(("reluMask", .wrongActivationDerivative,
                "wrong activation derivative: the ReLU mask (\(preName) > 0) is relu's derivative, but layer \(l) is \(activation)" + belongs,
                dA * Z.map { $0 > 0 ? 1 : 0 }))
        }
        if activation == .relu {
            result.append(("reluA", .wrongActivationDerivative,
                "wrong activation derivative: multiplied by A\(l) instead of the 0/1 mask (\(preName) > 0)",
                dA * A))
        }
        switch activation {
        case .tanh:
            result.append(("onZ", .wrongActivationDerivative,
                "activation derivative evaluated at Z instead of A: 1 − \(preName)² where 1 − A\(l)² is meant",
                dA * Z.map { 1 - $0 * $0 }))
        case .sigmoid:
            result.append(("onZ", .wrongActivationDerivative,
                "activation derivative evaluated at Z instead of A: \(preName)(1 − \(preName)) where A\(l)(1 − A\(l)) is meant",
                dA * Z.map { $0 * (1 - $0) }))
        default: break
        }
        return result
    }

    /// A recognised factor `c` with `u ≈ c·p`: ±m^k for k in −2…2.
    private struct Factor {
        let sign: Int
        let power: Int
        let phrase: String
        let mistake: DerivationMistake
        var key: String { (sign > 0 ? "+" : "-") + "\(power)" }
        /// `; also …` to append to another finding, or nothing for a factor of 1.
        var also: String { sign == 1 && power == 0 ? "" : "; also " + phrase }
        var alone: Finding { Finding(key: "factor" + key, mistake: mistake, message: phrase) }
    }

    private func factor(_ u: Matrix<Double>, _ p: Matrix<Double>) -> Factor? {
        guard u.shape == p.shape else { return nil }
        let pp = p.squaredNorm()
        guard pp > 0 else { return nil }
        let c = zip(u.elements, p.elements).reduce(0.0) { $0 + $1.0 * $1.1 } / pp
        let residual = (u - c * p).norm()
        guard residual <= 1e-7 * Swift.max(u.norm(), 1e-300) else { return nil }
        for sign in [1, -1] {
            for power in [0, 1, -1, 2, -2] {
                let target = Double(sign) * Foundation.pow(Double(m), Double(power))
                if abs(c - target) <= 1e-7 * abs(target) {
                    return Factor(sign: sign, power: power, phrase: phrase(sign: sign, power: power), mistake: mistake(sign: sign, power: power))
                }
            }
        }
        return nil
    }

    private func mistake(sign: Int, power: Int) -> DerivationMistake {
        power > 0 ? .oneOverMMissing : (power < 0 ? .oneOverMExtra : .signFlipped)
    }

    private func phrase(sign: Int, power: Int) -> String {
        let scale: String
        // Batch norm's dZ has a 1/m of its own (from μ and σ²), under either convention.
        let normInput = reference.batchNorm && gradient.kind == .dZ && l < L
        switch power {
        case 0: scale = ""
        case 1: scale = "off by a factor m: 1/m missing" + (normInput ? batchNormOwnOneOverM : "")
        case 2: scale = "off by a factor m²: 1/m missing twice"
        case -1:
            if normInput {
                scale = "off by 1/m: 1/m applied twice" + origin + batchNormOwnOneOverM
            } else if gradient.dependsOnConvention && convention == .deferred && origin.isEmpty {
                let parameters = reference.batchNorm ? "dW, db, dγ and dβ" : "dW and db"
                scale = "off by 1/m: 1/m applied to \(gradient.spelling), but this derivation defers it to \(parameters)"
            } else {
                scale = "off by 1/m: 1/m applied twice" + origin
            }
        default: scale = "off by 1/m²: 1/m applied three times" + origin
        }
        if sign > 0 { return scale }
        return scale.isEmpty ? "sign flipped" : "sign flipped, and " + scale
    }

    /// The fallback: relative error and the worst entry, or the shapes.
    func generic(_ value: DerivationValue) -> Finding {
        let r = expected
        guard case let .matrix(u) = value else {
            return Finding(key: "shape", mistake: .shapeMismatch, message: "shape mismatch: got \(value.shapeDescription), expected \(r.shape)")
        }
        guard u.shape == r.shape else {
            return Finding(key: "shape", mistake: .shapeMismatch, message: "shape mismatch: got \(u.shape), expected \(r.shape)")
        }
        let denominator = u.norm() + r.norm()
        let relative = denominator == 0 ? 0 : (u - r).norm() / denominator
        var worst = 0
        for index in 0..<u.count where abs(u.elements[index] - r.elements[index]) > abs(u.elements[worst] - r.elements[worst]) {
            worst = index
        }
        let (i, j) = (worst % u.rows, worst / u.rows)
        let message = "wrong: relative error " + String(format: "%.2e", relative)
            + ", worst entry [\(i), \(j)] got " + String(format: "%.6g", u.elements[worst])
            + " expected " + String(format: "%.6g", r.elements[worst])
        return Finding(key: "other", mistake: .other, message: message)
    }
}

extension GradientName {
    init(kind: Kind, layer: Int, form: Form = .standard) {
        self.kind = kind
        self.layer = layer
        self.form = form
    }
}
