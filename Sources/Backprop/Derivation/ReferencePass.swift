/// One random instance a derivation is checked on: a seeded network with non-zero biases, a
/// random batch whose m is not a power of two, the forward cache, and the ledger under both 1/m
/// conventions.
struct ReferencePass: Sendable {
    let network: Network<Double>
    let X: Matrix<Double>
    let Y: Matrix<Double>
    let cache: ForwardCache<Double>
    let ledgers: [Convention: Ledger<Double>]

    /// m, the number of examples.
    var m: Int { X.columns }

    /// A network and batch for `seed` with `examples` columns.
    init(architecture: DerivationArchitecture, seed: UInt64, examples: Int) throws {
        var network = try Network<Double>(
            sizes: architecture.sizes, hidden: architecture.hidden, output: architecture.output,
            loss: architecture.loss, seed: seed)
        // Biases start at zero in a fresh network; random ones make every term of the
        // derivation count.
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        for l in 1...network.depth {
            let layer = network.layer(l)
            var b = layer.b
            for i in 0..<b.count { b.elements[i] = 0.5 * generator.nextNormal() }
            try network.setParameters(layer: l, W: layer.W, b: b)
        }
        let data: Dataset<Double> = Generators.random(
            inputs: architecture.sizes[0], outputs: architecture.sizes[architecture.depth],
            examples: examples, loss: architecture.loss, seed: seed &+ 100)
        try self.init(network: network, X: data.X, Y: data.Y)
    }

    /// The reference for a given network and batch (the closure form checks on these).
    init(network: Network<Double>, X: Matrix<Double>, Y: Matrix<Double>) throws {
        self.network = network
        self.X = X
        self.Y = Y
        cache = try network.forward(X)
        var ledgers: [Convention: Ledger<Double>] = [:]
        for convention in Convention.allCases {
            ledgers[convention] = try network.backward(cache, Y: Y, convention: convention)
        }
        self.ledgers = ledgers
    }

    /// The names a formula file starts with: `X`, `Y`, `m`, `W1…WL`, `b1…bL`, `Z1…ZL`,
    /// `A0…AL` (`A0` is `X`), and `AL`, `ZL`, `WL`, `bL` for the output layer.
    var environment: [String: DerivationValue] {
        var names: [String: DerivationValue] = ["X": .matrix(X), "Y": .matrix(Y), "m": .scalar(Double(m)), "A0": .matrix(X)]
        let L = network.depth
        for l in 1...L {
            names["W\(l)"] = .matrix(network.layer(l).W)
            names["b\(l)"] = .matrix(network.layer(l).b)
            names["Z\(l)"] = .matrix(cache.Z(l))
            names["A\(l)"] = .matrix(cache.A(l))
        }
        for (alias, name) in [("AL", "A\(L)"), ("ZL", "Z\(L)"), ("WL", "W\(L)"), ("bL", "b\(L)")] {
            names[alias] = names[name]
        }
        return names
    }

    /// The true value of `name` under `convention`.
    func value(of name: GradientName, _ convention: Convention) -> Matrix<Double> {
        let ledger = ledgers[convention]!
        let l = name.layer
        switch name.kind {
        case .dZ: return ledger[layer: l].dZ
        case .dW: return ledger[layer: l].dW
        case .db: return ledger[layer: l].db
        case .Z: return cache.Z(l)
        case .A: return cache.A(l)
        case .dA: return l == network.depth ? outputDA(convention) : ledger[layer: l + 1].dAPrevious
        }
    }

    /// `dA[L] = ∂L/∂A[L]` per example (over m under absorbed): BCE `−(Y/A − (1−Y)/(1−A))`,
    /// CE `−Y/A`, MSE `A − Y`.
    func outputDA(_ convention: Convention) -> Matrix<Double> {
        network.loss.activationGradient(A: cache.output, Y: Y) / convention.scales(examples: m).seedDivisor
    }

    /// The scale the `dW`, `db` of `convention` put on `dZ A_prevᵀ` and `Σ dZ`.
    func parameterScale(_ convention: Convention) -> Double {
        convention == .deferred ? 1 / Double(m) : 1
    }
}
