/// One layer's page of the backprop ledger, in the course's names and shapes.
///
/// A page lists what the layer's forward and backward passes wrote, by name: for a dense layer
/// `Z, A, dZ, dA_prev, dW, db` (``entries``); the typed accessors read the dense names. A
/// pooling page adds what its backward pass does with `dA`: max pooling's `mask` (1 at each
/// window's winner, over the input) and average pooling's `spread` (`dA/(f·f)`, per output).
public struct LayerLedger<Scalar: BackpropScalar>: Sendable {
    /// `l`, 1-based.
    public let layer: Int
    /// The layer's kind and structure.
    public let kind: any Layer
    /// Every tensor of the page in order, under its course name with the layer number dropped
    /// (`"Z"`, `"A"`, `"dZ"`, `"dA_prev"`, `"dW"`, `"db"`; `"argmax"`, `"A"`, `"mask"`,
    /// `"dA_prev"` for a max pool).
    public let entries: [(name: String, value: Matrix<Scalar>)]

    /// The entry called `name`.
    public subscript(name: String) -> Matrix<Scalar>? { entries.first { $0.name == name }?.value }

    /// The names of the parameter gradients on the page (`dW`, `db`; `dγ`, `dβ`): the entries
    /// that come out the same under both conventions.
    public var parameterGradientNames: [String] {
        let forward = Set(kind.savedNames + ["A"])
        let intermediate = Set(kind.gradientNames + ["dA_prev"] + derivedNames)
        return entries.map(\.name).filter { !forward.contains($0) && !intermediate.contains($0) }
    }

    /// The names of what the forward pass wrote (`Z`, `A`; `Z̃`, `μ`, `σ²`, `Ẑ`, `A`).
    public var forwardNames: [String] { kind.savedNames + ["A"] }

    /// The names of the entries worked out for the reader from what the pass wrote, not kept by
    /// it: a max pool's `mask`, an average pool's `spread`; none for other kinds.
    public var derivedNames: [String] { (kind as? any DerivedLedgerEntries)?.derivedNames ?? [] }

    private func entry(_ name: String) -> Matrix<Scalar> {
        guard let value = self[name] else { preconditionFailure("layer \(layer) (\(kind)) has no \(name) on its page") }
        return value
    }

    /// `Z[l] = W[l] A[l−1] + b[l]`, `(n_l, m)`.
    public var Z: Matrix<Scalar> { entry("Z") }
    /// `A[l] = g[l](Z[l])`, `(n_l, m)`.
    public var A: Matrix<Scalar> { entry("A") }
    /// `dZ[l]`, `(n_l, m)`: per-example under ``Convention/deferred``, true `∂J/∂Z` under
    /// ``Convention/absorbed``.
    public var dZ: Matrix<Scalar> { entry("dZ") }
    /// `dA[l−1] = W[l]ᵀ dZ[l]`, `(n_{l−1}, m)`: the gradient handed to the previous layer (after
    /// that layer's dropout mask, as the course's code leaves `dA`; `dA[0]` is the gradient
    /// with respect to `X`).
    public var dAPrevious: Matrix<Scalar> { entry("dA_prev") }
    /// `dW[l] = ∂J/∂W[l]`, `(n_l, n_{l−1})`, including the L2 term when there is one.
    public var dW: Matrix<Scalar> { entry("dW") }
    /// `db[l] = ∂J/∂b[l]`, `(n_l, 1)`.
    public var db: Matrix<Scalar> { entry("db") }
}

/// Everything one forward and backward pass computed: per layer `Z, A, dZ, dA, dW, db`, and the
/// cost. It is how Backprop shows its work, and what the checkers compare a user's derivation
/// against. It reads the very buffers the pass (the one training runs) wrote.
public struct Ledger<Scalar: BackpropScalar>: Sendable {
    let pass: Pass<Scalar>
    let network: Network<Scalar>
    /// `J = (1/m) Σ L (+ λ/(2m) Σ ‖W‖²)`, in the network's precision.
    public let cost: Scalar
    /// `Σ_i L(a_i, y_i)` (no 1/m, no L2), computed in `Double`.
    public var summedLoss: Double { pass.summedLoss }
    /// Where the 1/m went.
    public let convention: Convention
    /// The m divided by: the batch size unless the caller supplied a global one.
    public let normalizer: Int

    init(pass: Pass<Scalar>, network: Network<Scalar>, cost: Scalar, convention: Convention, normalizer: Int) {
        self.pass = pass
        self.network = network
        self.cost = cost
        self.convention = convention
        self.normalizer = normalizer
    }

    /// The parameter gradients, finalized (`∂J/∂θ` with the L2 term).
    public var gradients: Gradients<Scalar> { pass.gradients }

    /// The pages, layer 1 first.
    public var layers: [LayerLedger<Scalar>] { (1...network.depth).map { self[layer: $0] } }

    /// Layer `l`'s page, 1-based.
    public subscript(layer l: Int) -> LayerLedger<Scalar> {
        let kind = network.layers[l - 1]
        let buffers = pass.layers[l - 1]
        var entries: [(name: String, value: Matrix<Scalar>)] = []
        entries += zip(kind.savedNames, buffers.saved).map { ($0, $1) }
        entries.append(("A", buffers.output))
        entries += zip(kind.gradientNames, buffers.gradients).map { ($0, $1) }
        if let derived = kind as? any DerivedLedgerEntries {
            entries += derived.entries(saved: buffers.saved, outputGradient: buffers.outputGradient)
        }
        if let dAPrevious = l == 1 ? pass.inputGradient : pass.layers[l - 2].outputGradient {
            entries.append(("dA_prev", dAPrevious))
        }
        for tensor in network.parameters.tensors(layer: l) where tensor.isTrainable {
            entries.append((String(tensor.gradientSymbol.dropLast(String(l).count)), pass.gradients.matrix(tensor)))
        }
        return LayerLedger(layer: l, kind: kind, entries: entries)
    }
}
