/// One random instance a derivation is checked on: a seeded network with non-zero biases, a
/// random batch whose m is not a power of two, the forward cache, and the ledger under both 1/m
/// conventions.
///
/// Layers are numbered as in the course. Without batch norm course layer `l` is the network's
/// layer `l`; with it, hidden course layer `l` is two layer objects — `Dense` (no activation, no
/// bias) at `2l − 1`, `BatchNorm` (with the activation) at `2l` — and the output layer `L` is
/// object `2L − 1`.
struct ReferencePass: Sendable {
    let network: Network<Double>
    let X: Matrix<Double>
    let Y: Matrix<Double>
    let cache: ForwardCache<Double>
    let ledgers: [Convention: Ledger<Double>]
    /// Whether the hidden layers are batch-normalized.
    let batchNorm: Bool
    /// The L2 strength λ the ledgers include (`dW[l] += (λ/m) W[l]`); the file's `lambd`.
    let l2: Double
    /// The uniform draws `U[l]` behind the dropout masks `D[l] = (U[l] < keep_prob)`, hidden
    /// layers in order (empty without dropout): what the file's `np.random.rand` calls of those
    /// shapes return, so that a forward pass the file draws itself gets the reference's masks.
    let dropoutDraws: [Matrix<Double>]

    /// m, the number of examples.
    var m: Int { X.columns }
    /// `L`, the number of course layers.
    var depth: Int { batchNorm ? (network.depth + 1) / 2 : network.depth }

    /// A network and batch for `seed` with `examples` columns.
    /// With `keepProbability`, every hidden layer has an inverted-dropout mask (C2W1's
    /// `forward_propagation_with_dropout`), drawn from the seed.
    init(architecture: DerivationArchitecture, seed: UInt64, examples: Int, l2: Double = 0, keepProbability: Double? = nil) throws {
        var network = try Network<Double>(
            sizes: architecture.sizes, hidden: architecture.hidden, output: architecture.output,
            loss: architecture.loss, seed: seed, batchNorm: architecture.batchNorm)
        // Biases start at zero in a fresh network, γ and β at 1 and 0, the running statistics
        // at 0 and 1: random ones make every term of the derivation count (and running
        // statistics tell themselves apart from the batch's).
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        for l in 1...network.depth {
            let isNorm = network.layers[l - 1] is BatchNorm
            for tensor in network.parameters.tensors(layer: l) where !tensor.isCount && (isNorm || tensor.name.hasSuffix(".bias")) {
                let values: [Double] = (0..<tensor.count).map { _ in
                    switch (isNorm, tensor.name.split(separator: ".").last) {
                    case (true, "weight"): 1 + 0.3 * generator.nextNormal()            // γ
                    case (true, "running_var"): 0.5 + 2 * generator.nextUniform()
                    default: 0.5 * generator.nextNormal()                              // b, β, running mean
                    }
                }
                try network.parameters.set(tensor, to: Matrix(rows: tensor.shape.rows, columns: tensor.shape.columns, columnMajor: values))
            }
        }
        let data: Dataset<Double> = Generators.random(
            inputs: architecture.sizes[0], outputs: architecture.sizes[architecture.depth],
            examples: examples, loss: architecture.loss, seed: seed &+ 100)
        var draws: [Matrix<Double>?] = Array(repeating: nil, count: network.depth)
        if keepProbability != nil, !architecture.batchNorm {
            var uniforms = SeededGenerator(seed: seed &+ 0xD0)
            for l in 1..<network.depth {
                let rows = architecture.sizes[l]
                draws[l - 1] = Matrix(rows: rows, columns: examples, rowMajor: (0..<(rows * examples)).map { _ in uniforms.nextUniform() })
            }
        }
        let dropout = try draws.contains { $0 != nil }
            ? DropoutMasks(draws: draws, keepProbabilities: draws.map { $0 == nil ? 1 : keepProbability ?? 1 }) : nil
        try self.init(network: network, X: data.X, Y: data.Y, l2: l2, dropout: dropout, draws: draws.compactMap { $0 })
    }

    /// The reference for a given network and batch (the closure form checks on these).
    init(
        network: Network<Double>, X: Matrix<Double>, Y: Matrix<Double>, labels: LabelRange = .loss, l2: Double = 0,
        dropout: DropoutMasks<Double>? = nil, draws: [Matrix<Double>] = []
    ) throws {
        self.l2 = l2
        dropoutDraws = draws
        self.network = network
        self.X = X
        self.Y = Y
        batchNorm = network.layers.contains { $0 is BatchNorm }
        cache = try network.forward(X, dropout: dropout)
        var ledgers: [Convention: Ledger<Double>] = [:]
        for convention in Convention.allCases {
            ledgers[convention] = try network.backward(cache, Y: Y, convention: convention, l2: l2, labels: labels)
        }
        self.ledgers = ledgers
    }

    // MARK: Course layers

    /// The network's layer index of course layer `l`'s dense layer.
    func denseIndex(_ l: Int) -> Int { batchNorm ? 2 * l - 1 : l }

    /// The network's layer index of course layer `l`'s batch norm, if it has one.
    func normIndex(_ l: Int) -> Int? { batchNorm && l < depth ? 2 * l : nil }

    /// `W[l]`.
    func W(_ l: Int) -> Matrix<Double> { network.layer(denseIndex(l)).W }
    /// `Z[l] = W[l] A[l−1] (+ b[l])`, before any batch norm.
    func Z(_ l: Int) -> Matrix<Double> { cache.Z(denseIndex(l)) }
    /// `A[l]` (`A[0] = X`).
    func A(_ l: Int) -> Matrix<Double> { l == 0 ? X : cache.A(normIndex(l) ?? denseIndex(l)) }
    /// `g[l]`, the activation of course layer `l`.
    func activation(_ l: Int) -> Activation {
        if let k = normIndex(l) { return network.layers[k - 1].activation ?? .identity }
        return network.layer(denseIndex(l)).activation
    }
    /// What `g[l]` is applied to: `Z̃[l]` with batch norm, else `Z[l]`.
    func preActivation(_ l: Int) -> Matrix<Double> { normIndex(l).map { forward($0, "Z̃") } ?? Z(l) }

    /// Course layer `l`'s batch norm (`nil` without one).
    func norm(_ l: Int) -> BatchNorm? { normIndex(l).map { network.layers[$0 - 1] as! BatchNorm } }

    /// A batch-norm layer's parameter or state: 0 `γ`, 1 `β`, 2 running mean, 3 running variance.
    func normParameter(_ l: Int, _ index: Int) -> Matrix<Double> {
        let tensors = network.parameters.tensors(layer: normIndex(l)!)
        return network.parameters.matrix(tensors[tensors.startIndex + index])
    }

    private func forward(_ k: Int, _ name: String) -> Matrix<Double> { ledgers[.deferred]![layer: k][name]! }

    /// The names a formula file starts with: `X`, `Y`, `m`, `W1…WL`, `b1…bL`, `Z1…ZL`,
    /// `A0…AL` (`A0` is `X`), and `AL`, `ZL`, `WL`, `bL` for the output layer. With batch norm,
    /// the hidden layers have no `b`, and have `gamma`, `beta`, `mu`, `var`, `Zhat`, `Ztilde`,
    /// `running_mean`, `running_var` (each under its aliases, e.g. `γ1`, `Z_norm1`), and `eps`.
    var environment: [String: DerivationValue] {
        var names: [String: DerivationValue] = ["X": .matrix(X), "Y": .matrix(Y), "m": .scalar(Double(m)), "A0": .matrix(X)]
        if l2 > 0 { names["lambd"] = .scalar(l2) }
        let L = depth
        if let dropout = cache.dropout {
            names["keep_prob"] = .scalar(dropout.keepProbabilities[0])
            for (l, mask) in dropout.masks.enumerated() { if let mask { names["D\(l + 1)"] = .matrix(mask) } }
        }
        if L == 1 && !batchNorm {
            // C1W2's logistic regression: `w` is `(n_x, 1)`, `b` a number.
            names["w"] = .matrix(W(1).transposed())
            names["b"] = .scalar(network.layer(1).b.elements[0])
        }
        for l in 1...L {
            names["W\(l)"] = .matrix(W(l))
            names["Z\(l)"] = .matrix(Z(l))
            names["A\(l)"] = .matrix(A(l))
            guard let k = normIndex(l), let norm = norm(l) else {
                names["b\(l)"] = .matrix(network.layer(denseIndex(l)).b)
                continue
            }
            names["eps"] = .scalar(norm.epsilon)
            let parameters = [("gamma", 0), ("γ", 0), ("beta", 1), ("β", 1), ("running_mean", 2), ("running_var", 3)]
            for (name, index) in parameters {
                names["\(name)\(l)"] = .matrix(normParameter(l, index))
            }
            for (spelling, kind) in GradientName.aliases where kind.isBatchNorm && !spelling.hasPrefix("d") {
                // `sigma2_1`, not `sigma21`.
                let separator = spelling.last?.isWholeNumber == true ? "_" : ""
                names[spelling + separator + "\(l)"] = .matrix(forward(k, kind.symbol))
            }
        }
        for (alias, name) in [("AL", "A\(L)"), ("ZL", "Z\(L)"), ("WL", "W\(L)"), ("bL", "b\(L)")] {
            names[alias] = names[name]
        }
        return names
    }

    /// The true value of `name` under `convention`.
    func value(of name: GradientName, _ convention: Convention) -> Matrix<Double> {
        if name.form == .transposed { return value(of: GradientName(kind: name.kind, layer: name.layer), convention).transposed() }
        let ledger = ledgers[convention]!
        let l = name.layer
        switch name.kind {
        case .dZ: return ledger[layer: denseIndex(l)].dZ
        case .dW: return ledger[layer: denseIndex(l)].dW
        case .db: return ledger[layer: denseIndex(l)].db
        case .Z: return Z(l)
        case .A: return A(l)
        case .dA: return l == depth ? outputDA(convention) : ledger[layer: denseIndex(l + 1)].dAPrevious
        case .dZtilde, .dZhat, .dvar, .dmu, .dgamma, .dbeta, .Ztilde, .Zhat, .mu, .var:
            return ledger[layer: normIndex(l)!][name.kind.symbol]!
        }
    }

    /// `dA[L] = ∂L/∂A[L]` per example (over m under absorbed): BCE `−(Y/A − (1−Y)/(1−A))`,
    /// CE `−Y/A`, MSE `A − Y`.
    func outputDA(_ convention: Convention) -> Matrix<Double> {
        network.loss.activationGradient(A: cache.output, Y: Y) / convention.scales(examples: m).seedDivisor
    }

    /// The scale the `dW`, `db` of `convention` put on `dZ A_prevᵀ` and `Σ dZ` (and `dγ`, `dβ`
    /// on `Σ dZ̃ ⊙ Ẑ` and `Σ dZ̃`).
    func parameterScale(_ convention: Convention) -> Double {
        convention == .deferred ? 1 / Double(m) : 1
    }
}
