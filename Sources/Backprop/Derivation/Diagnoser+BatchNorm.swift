import Foundation

/// The known wrong forms of a batch-normalized hidden layer's quantities (the classic mistakes
/// of hand-written batch-norm backward passes), for course layer `l` with
/// `Z = W A_prev`, `μ`, `σ²` (biased), `Ẑ = (Z − μ)/√(σ² + ε)`, `Z̃ = γ Ẑ + β`, `A = g(Z̃)`, and
/// `dZ = dẐ/√(σ²+ε) + dσ² · 2(Z − μ)/m + dμ/m`.
extension DiagnosisContext {
    /// What every 1/m message on a batch-norm `dZ` adds: where the layer's own 1/m lives.
    var batchNormOwnOneOverM: String {
        " — batch norm's own 1/m (from μ and σ², averages over m) enters dZ\(l) once, under either convention:"
            + " dZ = (γ/(m √(σ²+ε))) (m dZ̃ − Σ dZ̃ − Ẑ ⊙ Σ dZ̃ ⊙ Ẑ)"
            + (convention == .absorbed ? "; dZ̃ carries the loss's 1/m besides" : "")
    }

    /// A factor `c` of `m/(m−1)` or `(m−1)/m`: m − 1 where m is meant.
    func unbiasedCount(_ c: Double) -> Finding? {
        guard reference.batchNorm else { return nil }
        let M = Double(m)
        for (key, target, text) in [("unbiased+", M / (M - 1), "m/(m − 1)"), ("unbiased-", (M - 1) / M, "(m − 1)/m")]
        where abs(c - target) <= 1e-7 * target {
            return Finding(key: key, mistake: .unbiasedVariance, message:
                "off by \(text): m − 1 used where m is meant (the unbiased variance's count); batch norm normalizes with the biased σ² = (1/m) Σ (Z − μ)²")
        }
        return nil
    }

    /// The wrong forms of `μ`, `σ²`, `Ẑ`, `Z̃`, `A`, `dZ̃`, `dẐ`, `dσ²`, `dμ` and `dZ` of a
    /// batch-normalized hidden layer (`dγ`, `dβ` have the generic ones: axis, keepdims, 1/m).
    func batchNormPatterns() -> [Pattern] {
        guard let norm = reference.norm(l) else { return [] }
        func value(_ kind: GradientName.Kind) -> Matrix<Double> {
            reference.value(of: GradientName(kind: kind, layer: l), convention)
        }
        let M = Double(m)
        let epsilon = norm.epsilon
        let g = reference.activation(l)
        let (Z, mean, variance, hat) = (reference.Z(l), value(.mu), value(.var), value(.Zhat))
        let (gamma, beta) = (reference.normParameter(l, 0), reference.normParameter(l, 1))
        let (runningMean, runningVariance) = (reference.normParameter(l, 2), reference.normParameter(l, 3))
        let inverseDeviation = (variance + epsilon).map { 1 / $0.squareRoot() }
        let unbiased = variance * (M / (M - 1))
        let (k, L) = ("[\(l)]", "\(l)")
        let running = "running statistics used in train mode"
        let gammaMissing = "γ missing: dZ̃\(k) used where dẐ\(k) = γ\(k) ⊙ dZ̃\(k) is meant"
        switch gradient.kind {
        case .mu:
            return [("running", .runningStatistics,
                     "\(running): running_mean\(L) is the inference-time estimate; training normalizes with the batch's own μ\(k) = (1/m) Σ Z\(L)",
                     runningMean)]
        case .var:
            return [
                ("unbiased", .unbiasedVariance,
                 "unbiased variance: divided by m − 1 (ddof=1); batch norm normalizes with the biased σ²\(k) = (1/m) Σ (Z\(L) − μ\(k))² (PyTorch keeps the unbiased one for running_var only)",
                 unbiased),
                ("running", .runningStatistics,
                 "\(running): running_var\(L) is the inference-time estimate; training normalizes with the batch's own σ²\(k)",
                 runningVariance),
            ]
        case .Zhat:
            return [
                ("unbiased", .unbiasedVariance,
                 "unbiased variance used in the normalization: Ẑ\(k) = (Z − μ)/√(σ² + ε) with the biased σ² = (1/m) Σ (Z − μ)², not the m − 1 one",
                 (Z - mean) / (unbiased + epsilon).map { $0.squareRoot() }),
                ("unbiasedNoEpsilon", .unbiasedVariance,
                 "unbiased variance used in the normalization (and ε missing): Ẑ\(k) = (Z − μ)/√(σ² + ε) with the biased σ² = (1/m) Σ (Z − μ)², not the m − 1 one",
                 (Z - mean) / unbiased.map { $0.squareRoot() }),
                ("running", .runningStatistics,
                 "\(running): Ẑ\(k) normalized with running_mean\(L) and running_var\(L) (eval mode); training uses the batch's μ\(k) and σ²\(k)",
                 (Z - runningMean) / (runningVariance + epsilon).map { $0.squareRoot() }),
                ("epsilon", .epsilonMissing,
                 "ε missing: Ẑ\(k) = (Z − μ)/√(σ² + ε), with eps = \(epsilon)",
                 (Z - mean) / variance.map { $0.squareRoot() }),
            ]
        case .Ztilde:
            return [
                ("gamma", .gammaMissing, "γ missing: Z̃\(k) = γ\(k) ⊙ Ẑ\(k) + β\(k)", hat + beta),
                ("beta", .other, "β missing: Z̃\(k) = γ\(k) ⊙ Ẑ\(k) + β\(k)", gamma * hat),
                ("onZ", .normalizationSkipped, "normalization skipped: γ\(k) ⊙ Z\(L) + β\(k), where Z̃\(k) = γ\(k) ⊙ Ẑ\(k) + β\(k)", gamma * Z + beta),
            ]
        case .A:
            return [
                ("onZ", .normalizationSkipped, "batch norm skipped: \(g)(Z\(L)), where A\(L) = \(g)(Z̃\(k))", g.forward(Z)),
                ("onZhat", .gammaMissing, "γ and β missing: \(g)(Ẑ\(k)), where A\(L) = \(g)(Z̃\(k)) with Z̃\(k) = γ\(k) ⊙ Ẑ\(k) + β\(k)", g.forward(hat)),
            ]
        case .dZtilde:
            let dA = reference.value(of: GradientName(kind: .dA, layer: l), convention)
            return activationPatterns(pre: value(.Ztilde), preName: "Z̃\(k)") + [
                ("gOnZ", .wrongActivationDerivative,
                 "activation derivative at Z\(L), before batch norm: dZ̃\(k) = dA\(L) ⊙ \(g)′(Z̃\(k))",
                 dA * g.derivative(Z: Z, A: g.forward(Z))),
            ]
        case .dZhat:
            return [("gamma", .gammaMissing, "γ missing: dẐ\(k) = γ\(k) ⊙ dZ̃\(k); this is dZ̃\(k)", value(.dZtilde))]
        case .dvar, .dmu:
            return [("gamma", .gammaMissing, gammaMissing, expected / gamma)]
        case .dZ:
            let direct = value(.dZhat) * inverseDeviation
            let centred = Z - mean
            let viaVariance = value(.dvar) * centred * (2 / M)
            let viaMean = value(.dmu) / M
            let form = "dZ\(L) = dẐ\(k)/√(σ²\(k)+ε) + dσ²\(k) · 2(Z\(L) − μ\(k))/m + dμ\(k)/m"
            return [
                ("variancePath", .varianceGradientMissing,
                 "the dσ² path left out of dZ\(L): the term dσ²\(k) · 2(Z\(L) − μ\(k))/m is missing (in the three-term form, − Ẑ ⊙ Σ dẐ ⊙ Ẑ); σ² depends on Z, so it counts — unlike the dσ² term of dμ, which is zero",
                 direct + viaMean),
                ("meanPath", .meanGradientMissing,
                 "the dμ path left out of dZ\(L): the term dμ\(k)/m is missing (in the three-term form, − Σ dẐ); μ depends on Z",
                 direct + viaVariance),
                ("constants", .statisticsTreatedAsConstants,
                 "μ and σ² treated as constants: dẐ\(k)/√(σ²\(k)+ε) is only the direct path; in train mode μ\(k) and σ²\(k) are functions of Z\(L), so \(form)",
                 direct),
                ("unbiased", .unbiasedVariance,
                 "unbiased variance: 2(Z\(L) − μ\(k))/(m − 1) in the dσ² term; batch norm's σ² = (1/m) Σ (Z − μ)² is the biased one, so ∂σ²/∂Z = 2(Z − μ)/m",
                 direct + value(.dvar) * centred * (2 / (M - 1)) + viaMean),
                ("twiceInStatistics", .oneOverMExtra,
                 "off by 1/m in the dσ² and dμ terms: 1/m applied twice there (\(form))",
                 direct + (viaVariance + viaMean) / M),
                ("missingInStatistics", .oneOverMMissing,
                 "1/m missing from the dσ² and dμ terms: μ and σ² are averages over m, so \(form)",
                 direct + (viaVariance + viaMean) * M),
                ("gamma", .gammaMissing, gammaMissing, expected / gamma),
                ("gammaDirect", .gammaMissing, gammaMissing + " (in the first term, dẐ\(k)/√(σ²\(k)+ε))",
                 value(.dZtilde) * inverseDeviation + viaVariance + viaMean),
                ("running", .runningStatistics,
                 "\(running): dẐ\(k)/√(running_var\(L) + ε) is the eval-mode gradient; in train mode the batch's μ\(k) and σ²\(k) depend on Z\(L), so \(form)",
                 value(.dZhat) / (runningVariance + epsilon).map { $0.squareRoot() }),
            ]
        default:
            return []
        }
    }
}
