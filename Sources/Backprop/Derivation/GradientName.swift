/// A name the reference ledger can answer for: `dZ2`, `dA1`, `dW1`, `db1`, and the forward
/// quantities `Z1`, `A1` (a file may recompute its forward pass). `dZL`, `dAL`, `AL`, … name
/// the output layer.
///
/// With batch norm, hidden layer `l` also has `Ztilde1` (`Z̃`), `mu1` (`μ`), `var1` (`σ²`),
/// `Zhat1` (`Ẑ`) and their gradients `dZtilde1`, `dmu1`, `dvar1`, `dZhat1`, with `dgamma1` and
/// `dbeta1`; ``aliases`` lists the other spellings accepted (`Z_norm1`, `dγ1`, `dsigma2_1`, …).
struct GradientName: Hashable, Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case dZ, dA, dW, db, Z, A
        case dZtilde, dZhat, dvar, dmu, dgamma, dbeta
        case Ztilde, Zhat, mu, `var`

        /// Whether the kind exists only in a batch-normalized hidden layer.
        var isBatchNorm: Bool {
            switch self {
            case .dZ, .dA, .dW, .db, .Z, .A: false
            default: true
            }
        }

        /// How the kind reads in a message: `dZ`, `dẐ`, `σ²`, ….
        var symbol: String {
            switch self {
            case .dZtilde: "dZ̃"
            case .dZhat: "dẐ"
            case .dvar: "dσ²"
            case .dmu: "dμ"
            case .dgamma: "dγ"
            case .dbeta: "dβ"
            case .Ztilde: "Z̃"
            case .Zhat: "Ẑ"
            case .mu: "μ"
            case .var: "σ²"
            default: rawValue
            }
        }
    }

    /// Every spelling a file may use for a kind, before the layer number (`Z_norm1`, `Z_norm_1`
    /// and `Z_norm[1]` all name `Ẑ[1]`).
    static let aliases: [(spelling: String, kind: Kind)] = {
        let forward: [(String, Kind)] = [
            ("Ztilde", .Ztilde), ("Z_tilde", .Ztilde), ("Zhat", .Zhat), ("Z_hat", .Zhat), ("Z_norm", .Zhat),
            ("Znorm", .Zhat), ("mu", .mu), ("μ", .mu), ("var", .var), ("sigma2", .var), ("σ2", .var),
        ]
        let gradients: [(String, Kind)] = forward.map { ("d" + $0.0, gradientKind(of: $0.1)) } + [
            ("dgamma", .dgamma), ("dγ", .dgamma), ("dbeta", .dbeta), ("dβ", .dbeta),
        ]
        let dense: [(String, Kind)] = [Kind.dZ, .dA, .dW, .db, .Z, .A].map { ($0.rawValue, $0) }
        // Longest first, so that `dZ_norm1` is not read as `dZ` followed by `_norm1`.
        return (forward + gradients + dense).sorted { $0.0.count > $1.0.count }
    }()

    private static func gradientKind(of kind: Kind) -> Kind {
        switch kind {
        case .Ztilde: .dZtilde
        case .Zhat: .dZhat
        case .mu: .dmu
        default: .dvar
        }
    }

    /// How the file holds the quantity: as the ledger does, or in C1W2's logistic-regression
    /// shapes (`dw` is `dW1ᵀ`, `(n_x, 1)`; `db` is the number `db1`).
    enum Form: Sendable, Hashable {
        case standard, transposed, scalar
    }

    let kind: Kind
    let layer: Int
    var form: Form = .standard

    /// What `name` is in a course file for a network of depth `L`: the names of
    /// ``init(_:depth:batchNorm:)``, and for a network without hidden layers (`L = 1`) also
    /// those of ``logisticRegression(_:)``.
    static func course(_ name: String, depth L: Int, batchNorm: Bool = false) -> GradientName? {
        if L == 1, !batchNorm, let gradient = logisticRegression(name) { return gradient }
        return GradientName(name, depth: L, batchNorm: batchNorm)
    }

    /// C1W2's `propagate(w, b, X, Y)` names, for a network without hidden layers: `dw` (`dW1ᵀ`),
    /// `db` (the number `db1`), `dz` (`dZ1`) and `A` (`A1`); `nil` for any other name.
    static func logisticRegression(_ name: String) -> GradientName? {
        switch name {
        case "dw": GradientName(kind: .dW, layer: 1, form: .transposed)
        case "db": GradientName(kind: .db, layer: 1, form: .scalar)
        case "dz": GradientName(kind: .dZ, layer: 1)
        case "A": GradientName(kind: .A, layer: 1)
        default: nil
        }
    }

    /// Parses `name` for a network of depth `L`; `nil` for any other name or a layer the
    /// network does not have (`dA` runs from 0 to L, the rest from 1 to L). With `batchNorm`,
    /// the batch-norm kinds name hidden layers `1 … L−1`, and those layers have no `db`;
    /// without it, the batch-norm kinds name nothing.
    init?(_ name: String, depth L: Int, batchNorm: Bool = false) {
        for (spelling, kind) in Self.aliases where name.hasPrefix(spelling) {
            var rest = Substring(name.dropFirst(spelling.count))
            if rest.first == "_" || rest.first == "[" { rest = rest.dropFirst() }
            if rest.last == "]" { rest = rest.dropLast() }
            let layer: Int
            if rest == "L" {
                layer = L
            } else if let number = Int(rest), !rest.isEmpty, rest.allSatisfy(\.isWholeNumber) {
                layer = number
            } else {
                continue
            }
            let lowest = kind == .dA ? 0 : 1
            guard (lowest...L).contains(layer) else { return nil }
            if kind.isBatchNorm, !batchNorm || layer == L { return nil }
            if kind == .db, batchNorm, layer < L { return nil }
            self.kind = kind
            self.layer = layer
            return
        }
        return nil
    }

    /// Whether the two 1/m conventions give this quantity different values (`dZ`, `dA`, and
    /// inside batch norm `dZ̃`, `dẐ`, `dσ²`, `dμ`).
    var dependsOnConvention: Bool {
        switch kind {
        case .dZ, .dA, .dZtilde, .dZhat, .dvar, .dmu: true
        default: false
        }
    }

    /// The course's spelling, e.g. `dZ2`; batch-norm quantities in symbols, e.g. `dσ²[1]`.
    var spelling: String {
        switch form {
        case .transposed: "dw"
        case .scalar: "db"
        case .standard: kind.isBatchNorm ? "\(kind.symbol)[\(layer)]" : "\(kind.rawValue)\(layer)"
        }
    }
}
