/// Every equation of one network's forward and backward pass, with shapes, written out for its
/// exact architecture — the model behind `backprop explain`.
///
/// The equations are built from the network's description (sizes, activations, loss), not
/// from templates: each is a term that knows its shape, so the shape column
/// (`(1, 4) = (1, m)(m, 4)`) is computed, and ``isDimensionallyConsistent`` checks every one.
/// ``rendered(_:)`` writes them for a terminal, for GitHub markdown or as LaTeX.
///
/// ```swift
/// let explanation = try Explanation(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid)
/// print(explanation.rendered(.text))
/// ```
public struct Explanation: Sendable {
    /// `n_x, n_1, …, n_L`.
    public let sizes: [Int]
    public let hidden: Activation
    public let output: Activation
    public let loss: Loss
    /// The conventions written out: one, or both side by side (deferred first).
    public let conventions: [Convention]
    /// Whether the cost has the L2 term `λ/(2m) Σ ‖W[l]‖²_F`.
    public let l2: Bool
    /// Whether the hidden layers use inverted dropout (keep probability `p`).
    public let dropout: Bool
    /// Whether each hidden layer batch-normalizes its `Z` before the activation (no `b`; `γ`, `β`).
    public let batchNorm: Bool
    /// The explanation, section by section.
    private(set) var sections: [ExplanationSection] = []

    /// `L`, the number of layers with parameters.
    public var depth: Int { sizes.count - 1 }

    /// - Parameters:
    ///   - sizes: `n_x, n_1, …, n_L` (two or more positive sizes).
    ///   - hidden: the activation of layers `1 … L−1` (elementwise).
    ///   - output: the activation of layer `L`.
    ///   - loss: defaults to the one `output` implies (sigmoid → BCE, softmax → CE, else MSE).
    ///   - conventions: where the 1/m goes; both (the default) puts them side by side.
    ///   - l2: include the L2 term in the cost and `(λ/m) W[l]` in each `dW[l]`.
    ///   - dropout: include inverted dropout's masks on the hidden layers.
    ///   - batchNorm: batch-normalize each hidden layer's `Z` before its activation
    ///     (``BatchNorm``): the forward statistics, and the backward pass in the step-by-step
    ///     chain through `dσ²`, `dμ` and in the compact three-term form.
    /// - Throws: ``BackpropError/invalidArgument(_:)`` naming what does not fit.
    public init(
        sizes: [Int], hidden: Activation, output: Activation, loss: Loss? = nil,
        conventions: [Convention] = Convention.allCases, l2: Bool = false, dropout: Bool = false,
        batchNorm: Bool = false
    ) throws {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw BackpropError.invalidArgument("an explanation needs two or more positive layer sizes, not \(sizes)")
        }
        guard hidden.isElementwise else {
            throw BackpropError.invalidArgument("the hidden activation must be elementwise, not \(hidden)")
        }
        let loss = loss ?? Loss.natural(for: output)
        try loss.validate(output: output)
        guard !conventions.isEmpty else { throw BackpropError.invalidArgument("name at least one convention") }
        self.sizes = sizes
        self.hidden = hidden
        self.output = output
        self.loss = loss
        self.conventions = Convention.allCases.filter(conventions.contains)
        self.l2 = l2
        self.dropout = dropout && sizes.count > 2
        self.batchNorm = batchNorm && sizes.count > 2
        sections = buildSections()
    }

    /// Whether every equation's two sides have the same shape and every operation's operands fit.
    public var isDimensionallyConsistent: Bool {
        allEquations.allSatisfy(\.isConsistent)
    }

    /// Every equation, in order (each convention's form of a backward row).
    var allEquations: [ExplanationEquation] {
        sections.flatMap(\.blocks).flatMap { block -> [ExplanationEquation] in
            if case let .equations(_, rows) = block { return rows.flatMap(\.equations) }
            return []
        }
    }

    /// The explanation in one of the three styles.
    public func rendered(_ style: ExplanationStyle) -> String {
        ExplanationRenderer(explanation: self, style: style).render()
    }

    // MARK: Names of things

    /// `2-4-1`.
    public var sizesText: String { sizes.map(String.init).joined(separator: "-") }

    var lossName: String {
        switch loss {
        case .binaryCrossEntropy: "binary cross-entropy"
        case .categoricalCrossEntropy: "cross-entropy"
        case .meanSquaredError: "squared error"
        }
    }

    /// `2-4-1: tanh hidden layer, sigmoid output + binary cross-entropy`.
    public var title: String {
        let h = depth - 1
        let hiddenPart = h == 0 ? "no hidden layer" : "\(hidden) hidden layer\(h == 1 ? "" : "s")"
        return "\(sizesText): \(hiddenPart)\(batchNorm ? " with batch norm" : ""), \(output) output + \(lossName)"
    }

    static func conventionTitle(_ c: Convention) -> String {
        switch c {
        case .deferred: "deferred (the course's code)"
        case .absorbed: "absorbed (PyTorch's reduction='mean')"
        }
    }

    // MARK: Symbols

    private func n(_ l: Int) -> Int { sizes[l] }
    private func W(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("W", l, shape: .fixed(n(l), n(l - 1))) }
    private func b(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("b", l, shape: .fixed(n(l), 1)) }
    private func batch(_ stem: String, _ l: Int) -> ExplanationSymbol { ExplanationSymbol(stem, l, shape: .batch(n(l))) }
    private func A(_ l: Int) -> ExplanationSymbol { batch("A", l) }
    private func Z(_ l: Int) -> ExplanationSymbol { batch("Z", l) }
    private func D(_ l: Int) -> ExplanationSymbol { batch("D", l) }
    private func dZ(_ l: Int) -> ExplanationSymbol { batch("dZ", l) }
    private func dA(_ l: Int) -> ExplanationSymbol { batch("dA", l) }
    private func dW(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("dW", l, shape: W(l).shape) }
    private func db(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("db", l, shape: b(l).shape) }
    private var Y: ExplanationSymbol { ExplanationSymbol("Y", nil, shape: .batch(sizes[depth])) }
    // Batch norm's quantities, in the course's C2W3 names for NumPy.
    private func column(_ stem: String, _ l: Int, latex: String, numpy: String) -> ExplanationSymbol {
        ExplanationSymbol(stem, l, shape: .fixed(n(l), 1), latex: latex, numpy: numpy)
    }
    private func mu(_ l: Int) -> ExplanationSymbol { column("μ", l, latex: "\\mu", numpy: "mu") }
    private func variance(_ l: Int) -> ExplanationSymbol { column("σ²", l, latex: "\\sigma^2", numpy: "var") }
    private func gamma(_ l: Int) -> ExplanationSymbol { column("γ", l, latex: "\\gamma", numpy: "gamma") }
    private func beta(_ l: Int) -> ExplanationSymbol { column("β", l, latex: "\\beta", numpy: "beta") }
    private func dGamma(_ l: Int) -> ExplanationSymbol { column("dγ", l, latex: "d\\gamma", numpy: "dgamma") }
    private func dBeta(_ l: Int) -> ExplanationSymbol { column("dβ", l, latex: "d\\beta", numpy: "dbeta") }
    private func dVariance(_ l: Int) -> ExplanationSymbol { column("dσ²", l, latex: "d\\sigma^2", numpy: "dvar") }
    private func dMu(_ l: Int) -> ExplanationSymbol { column("dμ", l, latex: "d\\mu", numpy: "dmu") }
    private func hat(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("Ẑ", l, shape: .batch(n(l)), latex: "\\hat{Z}", numpy: "Z_norm") }
    private func tilde(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("Z̃", l, shape: .batch(n(l)), latex: "\\tilde{Z}", numpy: "Z_tilde") }
    private func dHat(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("dẐ", l, shape: .batch(n(l)), latex: "d\\hat{Z}", numpy: "dZ_norm") }
    private func dTilde(_ l: Int) -> ExplanationSymbol { ExplanationSymbol("dZ̃", l, shape: .batch(n(l)), latex: "d\\tilde{Z}", numpy: "dZ_tilde") }
    /// `√(σ²[l] + ε)`.
    private func deviation(_ l: Int) -> ExplanationTerm {
        .apply(.squareRoot, .sum(.symbol(variance(l)), .scalar(.epsilon)))
    }
    /// `Z[l] − μ[l]`.
    private func centred(_ l: Int) -> ExplanationTerm { .difference(.symbol(Z(l)), .symbol(mu(l))) }

    /// `g′(Z[l])` written out for an elementwise activation, from `A[l]` where that is how the
    /// course writes it: tanh `1 − A²`, sigmoid `A ⊙ (1 − A)`, relu `(Z > 0)`, leaky
    /// `where(Z > 0, 1, slope)`; `nil` for identity (the derivative is 1).
    func derivative(_ g: Activation, layer l: Int) -> ExplanationTerm? {
        g.block.derivativeTerm(z: .symbol(Z(l)), a: .symbol(A(l)))
    }

    // MARK: Building

    private func buildSections() -> [ExplanationSection] {
        overview() + [forward(), cost(), outputGradient(), backward(), reading()]
    }

    private func overview() -> [ExplanationSection] {
        var blocks: [ExplanationBlock] = []
        let conventionText = conventions.count == 2
            ? "both, side by side: deferred (the course's code: `dZ[L] = A[L] − Y`, the 1/m in each `dW`, `db`) and absorbed (PyTorch's `reduction='mean'`: `dZ[L] = (A[L] − Y) / m`, no further 1/m)"
            : conventions[0] == .deferred
                ? "deferred (the course's code): `dZ[L] = A[L] − Y`, the 1/m in each `dW`, `db`"
                : "absorbed (PyTorch's `reduction='mean'`): `dZ[L] = (A[L] − Y) / m`, no further 1/m"
        blocks.append(.prose(.init((conventions.count == 2 ? "Conventions: " : "Convention: ") + conventionText + ".")))
        blocks.append(.prose(.init(
            "`X = A[0]` is `(\(n(0)), m)`, one example per column; `Y` is `(\(n(depth)), m)`"
                + (loss == .categoricalCrossEntropy ? ", one-hot columns" : loss == .binaryCrossEntropy ? ", labels 0 or 1" : "")
                + "; m is the number of examples in the batch.")))
        var rows: [ExplanationRow] = []
        for l in 1...depth {
            rows.append(.init(shapeOnly: W(l), note: l == 1 ? "(n_1, n_x), like PyTorch's nn.Linear weight (out, in)" : nil))
            if batchNorm && l < depth {
                rows.append(.init(shapeOnly: gamma(l), note: l == 1 ? "batch norm's scale, starts at 1" : nil))
                rows.append(.init(shapeOnly: beta(l), note: l == 1 ? "batch norm's shift, starts at 0 (in place of b)" : nil))
            } else {
                rows.append(.init(shapeOnly: b(l), note: l == 1 || (batchNorm && l == depth) ? "broadcast across the m columns" : nil))
            }
        }
        return [
            ExplanationSection(title: "", blocks: blocks, numpy: false),
            ExplanationSection(title: "Parameters", blocks: [.equations(title: nil, rows: rows)], numpy: false),
        ]
    }

    private func activationNote(_ g: Activation, layer l: Int) -> ExplanationProse? {
        if g == .softmax {
            return .init("each column sums to 1", latex: "\\text{each column sums to } 1")
        }
        if let d = derivative(g, layer: l) {
            return .init("`g′(Z[\(l)]) = " + d.text + "`", latex: "g'\\left(Z^{[\(l)]}\\right) = " + d.latex)
        }
        return .init("`g′ = 1`", latex: "g' = 1")
    }

    private func forward() -> ExplanationSection {
        var rows: [ExplanationRow] = []
        for l in 1...depth {
            let g = l == depth ? output : hidden
            if batchNorm && l < depth {
                rows.append(.init(Z(l), .product(.symbol(W(l)), .symbol(A(l - 1))),
                                  note: .init("no b: batch norm subtracts the mean, β takes its place", latex: "\\text{no } b")))
                rows.append(.init(mu(l), .scaled(.inverseM, .sumColumns(.symbol(Z(l)))), note: .init("a 1/m of the layer's own", latex: "\\text{the layer's own } \\frac{1}{m}")))
                rows.append(.init(variance(l), .scaled(.inverseM, .sumColumns(.square(centred(l)))), note: .init("biased (1/m, not 1/(m−1))", latex: "\\text{biased}")))
                rows.append(.init(hat(l), .quotient(centred(l), deviation(l)), note: .init("ε = 1e-5", latex: "\\epsilon = 10^{-5}")))
                rows.append(.init(tilde(l), .sum(.hadamard(.symbol(gamma(l)), .symbol(hat(l))), .symbol(beta(l)))))
                let note = hidden.block.derivativeTerm(z: .symbol(tilde(l)), a: .symbol(A(l))).map {
                    ExplanationProse("`g′(Z̃[\(l)]) = " + $0.text + "`", latex: "g'\\left(\\tilde{Z}^{[\(l)]}\\right) = " + $0.latex)
                } ?? activationNote(g, layer: l)
                rows.append(.init(A(l), .apply(.activation(g), .symbol(tilde(l))), note: note))
                if dropout {
                    rows.append(.init(D(l), .randomMask(.batch(n(l))), note: .init("keep each unit with probability p", latex: "\\text{keep each unit with probability } p")))
                    rows.append(.init(A(l), .divided(.hadamard(.symbol(A(l)), .symbol(D(l))), .keepProbability),
                                      note: .init("inverted dropout: scale by 1/p now", latex: "\\text{inverted dropout}")))
                }
                continue
            }
            rows.append(.init(Z(l), .sum(.product(.symbol(W(l)), .symbol(A(l - 1))), .symbol(b(l)))))
            rows.append(.init(A(l), .apply(.activation(g), .symbol(Z(l))), note: activationNote(g, layer: l)))
            if dropout && l < depth {
                rows.append(.init(D(l), .randomMask(.batch(n(l))), note: .init("keep each unit with probability p", latex: "\\text{keep each unit with probability } p")))
                rows.append(.init(A(l), .divided(.hadamard(.symbol(A(l)), .symbol(D(l))), .keepProbability),
                                  note: .init("inverted dropout: scale by 1/p now", latex: "\\text{inverted dropout}")))
            }
        }
        var blocks: [ExplanationBlock] = [.equations(title: nil, rows: rows)]
        if batchNorm {
            blocks.append(.prose(.init("Batch norm: `μ`, `σ²` are per unit (one row each) over the m examples of the batch; in training they are the batch's own, in evaluation the running estimates (updated after each step with momentum 0.1, the variance unbiased, `m/(m−1) σ²`). `γ`, `β` are trained; PyTorch calls this `Linear(bias=False), BatchNorm1d, \(hidden.pyTorchModule)`.")))
        }
        if dropout {
            blocks.append(.prose(.init("With dropout, `Z[l+1]` (and so `dW[l+1]`) uses the masked `A[l]`; the derivative `g′(Z[l])` is taken at the activation before the mask\(hidden == .tanh || hidden == .sigmoid ? " (`\(derivative(hidden, layer: 1)!.text)` with the unmasked `A[1]`, not the rescaled one)" : ""). No dropout on the output layer, nor when evaluating.")))
        }
        return ExplanationSection(title: "Forward", blocks: blocks, numpy: true)
    }

    private func cost() -> ExplanationSection {
        let L = depth
        let a = ExplanationTerm.symbol(A(L)), y = ExplanationTerm.symbol(Y), one = ExplanationTerm.scalar(.number(1))
        var perExample: ExplanationFormula
        var total: ExplanationFormula
        switch loss {
        case .binaryCrossEntropy:
            perExample = .init("L(a, y)", "−[y log a + (1 − y) log(1 − a)]",
                               latex: ("L(a, y)", "-\\left[y \\log a + (1 - y) \\log(1 - a)\\right]"))
            let inner = ExplanationTerm.sum(.hadamard(y, .apply(.log, a)), .hadamard(.difference(one, y), .apply(.log, .difference(one, a))))
            total = .init("J", "(1/m) Σ_i L(a_i, y_i) = −(1/m) Σ [" + inner.text + "]",
                          latex: ("J", "\\frac{1}{m} \\sum_{i=1}^{m} L\\left(a^{(i)}, y^{(i)}\\right) = -\\frac{1}{m} \\sum \\left[" + inner.latex + "\\right]"),
                          numpy: "cost = -np.sum(" + inner.numpy + ") / m")
        case .categoricalCrossEntropy:
            perExample = .init("L(a, y)", "−Σ_k y_k log a_k",
                               latex: ("L(a, y)", "-\\sum_{k} y_k \\log a_k"))
            let inner = ExplanationTerm.hadamard(y, .apply(.log, a))
            total = .init("J", "(1/m) Σ_i L(a_i, y_i) = −(1/m) Σ " + inner.text,
                          latex: ("J", "\\frac{1}{m} \\sum_{i=1}^{m} L\\left(a^{(i)}, y^{(i)}\\right) = -\\frac{1}{m} \\sum " + inner.latex),
                          numpy: "cost = -np.sum(" + inner.numpy + ") / m")
        case .meanSquaredError:
            perExample = .init("L(a, y)", "½ Σ_k (a_k − y_k)²",
                               latex: ("L(a, y)", "\\frac{1}{2} \\sum_{k} (a_k - y_k)^2"))
            let inner = ExplanationTerm.square(.difference(a, y))
            total = .init("J", "(1/m) Σ_i L(a_i, y_i) = (1/(2m)) Σ " + inner.text,
                          latex: ("J", "\\frac{1}{m} \\sum_{i=1}^{m} L\\left(a^{(i)}, y^{(i)}\\right) = \\frac{1}{2m} \\sum " + inner.latex),
                          numpy: "cost = np.sum(" + inner.numpy + ") / (2 * m)")
        }
        perExample.note = .init("one example: a column a of A[\(L)], y of Y", latex: "\\text{one example: a column } a \\text{ of } A^{[\(L)]}")
        total.note = .init("Σ without a subscript adds every entry", latex: "\\textstyle\\sum \\text{ adds every entry}")
        var formulas = [perExample, total]
        if l2 {
            let norms = (1...depth).map { ExplanationTerm.squaredNorm(.symbol(W($0))) }.reduce(nil as ExplanationTerm?) { sum, term in
                sum.map { .sum($0, term) } ?? term
            }!
            let term = ExplanationTerm.scaled(.lambdaOverTwoM, norms)
            formulas.append(.init("J", "J + " + term.text,
                                  latex: ("J", "J + " + term.latex), numpy: "cost = cost + " + term.numpy,
                                  note: .init("L2 penalty: every layer's weights, not the biases",
                                              latex: "\\text{L2 penalty}")))
        }
        var blocks: [ExplanationBlock] = [.formulas(formulas)]
        let stable: String
        switch loss {
        case .binaryCrossEntropy: stable = "Backprop computes it from the logits, `max(z, 0) − z·y + log(1 + e^{−|z|})`, so a saturated output gives a finite cost."
        case .categoricalCrossEntropy: stable = "Backprop computes it from the logits, `log softmax(z) = z − logsumexp(z)` with the column maximum subtracted, so a saturated output gives a finite cost."
        case .meanSquaredError: stable = "PyTorch's `MSELoss()` averages over all `n_y·m` entries without the ½, so its value is `2/n_y` times this one."
        }
        blocks.append(.prose(.init(stable)))
        return ExplanationSection(title: "Cost", blocks: blocks, numpy: false)
    }

    private func outputGradient() -> ExplanationSection {
        let L = depth
        var steps: [ExplanationFormula] = []
        let title: String
        switch loss {
        case .binaryCrossEntropy:
            title = "Output layer: ∂L/∂a · ∂a/∂z = a − y for sigmoid + binary cross-entropy"
            steps = [
                .init("∂L/∂a", "−y/a + (1 − y)/(1 − a)", latex: ("\\frac{\\partial L}{\\partial a}", "-\\frac{y}{a} + \\frac{1 - y}{1 - a}")),
                .init("∂a/∂z", "σ′(z) = a(1 − a)", latex: ("\\frac{\\partial a}{\\partial z}", "\\sigma'(z) = a(1 - a)")),
                .init("∂L/∂z", "∂L/∂a · ∂a/∂z = (−y/a + (1 − y)/(1 − a)) · a(1 − a)",
                      latex: ("\\frac{\\partial L}{\\partial z}", "\\frac{\\partial L}{\\partial a} \\cdot \\frac{\\partial a}{\\partial z} = \\left(-\\frac{y}{a} + \\frac{1 - y}{1 - a}\\right) a(1 - a)")),
                .init("", "−y(1 − a) + (1 − y)a", latex: ("", "-y(1 - a) + (1 - y)a")),
                .init("", "a − y", latex: ("", "a - y"), note: .init("σ′ is already inside: do not multiply by it again", latex: "\\text{the } \\sigma' \\text{ is already inside}")),
            ]
        case .categoricalCrossEntropy:
            title = "Output layer: the softmax Jacobian times ∂L/∂a gives a − y for softmax + cross-entropy"
            steps = [
                .init("∂L/∂a_k", "−y_k / a_k", latex: ("\\frac{\\partial L}{\\partial a_k}", "-\\frac{y_k}{a_k}")),
                .init("∂a/∂z", "diag(a) − a aᵀ", latex: ("\\frac{\\partial a}{\\partial z}", "\\operatorname{diag}(a) - a a^\\top"),
                      note: .init("(\(n(L)), \(n(L))), symmetric: ∂a_k/∂z_j = a_k (δ_kj − a_j)", latex: "\\frac{\\partial a_k}{\\partial z_j} = a_k(\\delta_{kj} - a_j)")),
                .init("∂L/∂z", "(diag(a) − a aᵀ)(−y/a)", latex: ("\\frac{\\partial L}{\\partial z}", "\\left(\\operatorname{diag}(a) - a a^\\top\\right)\\left(-\\frac{y}{a}\\right)")),
                .init("", "−y + a Σ_k y_k", latex: ("", "-y + a \\sum_k y_k"), note: .init("diag(a)(−y/a) = −y and aᵀ(y/a) = Σ_k y_k", latex: "a^\\top (y / a) = \\textstyle\\sum_k y_k")),
                .init("", "a − y", latex: ("", "a - y"), note: .init("because Σ_k y_k = 1 (one-hot, or any distribution)", latex: "\\text{because } \\textstyle\\sum_k y_k = 1")),
            ]
        case .meanSquaredError:
            let d = derivative(output, layer: L)
            title = "Output layer: ∂L/∂a · ∂a/∂z for \(output) + squared error"
            steps = [
                .init("∂L/∂a", "a − y", latex: ("\\frac{\\partial L}{\\partial a}", "a - y")),
                .init("∂a/∂z", d == nil ? "g′(z) = 1" : "g′(z)", latex: ("\\frac{\\partial a}{\\partial z}", d == nil ? "g'(z) = 1" : "g'(z)"),
                      note: d.map { .init("elementwise; as a matrix g′(Z[\(L)]) = " + $0.text, latex: "g'\\left(Z^{[\(L)]}\\right) = " + $0.latex) }),
                .init("∂L/∂z", d == nil ? "a − y" : "(a − y) ⊙ g′(z)", latex: ("\\frac{\\partial L}{\\partial z}", d == nil ? "a - y" : "(a - y) \\odot g'(z)")),
            ]
        }
        let vectorised: [ExplanationFormula] = [
            .init("J", "(1/m) Σ_i L(a_i, y_i)", latex: ("J", "\\frac{1}{m} \\sum_{i=1}^{m} L\\left(a^{(i)}, y^{(i)}\\right)"),
                  note: .init("column i of Z[\(L)] enters only L_i", latex: "\\text{column } i \\text{ of } Z^{[\(L)]} \\text{ enters only } L^{(i)}")),
            .init("∂J/∂Z[\(L)]", "(1/m) [∂L_1/∂z_1 … ∂L_m/∂z_m] = (1/m) " + outputGradientTerm.text(grouped: true),
                  latex: ("\\frac{\\partial J}{\\partial Z^{[\(L)]}}", "\\frac{1}{m} \\left[\\frac{\\partial L^{(1)}}{\\partial z^{(1)}} \\cdots \\frac{\\partial L^{(m)}}{\\partial z^{(m)}}\\right] = \\frac{1}{m} " + outputGradientTerm.latex(grouped: true))),
        ]
        let latexTitle = loss == .meanSquaredError
            ? "Output layer: $\\frac{\\partial L}{\\partial a} \\cdot \\frac{\\partial a}{\\partial z}$ for \(output) + squared error"
            : "Output layer: $\\frac{\\partial L}{\\partial a} \\cdot \\frac{\\partial a}{\\partial z} = a - y$ for \(output) + \(lossName)"
        return ExplanationSection(title: title, latexTitle: latexTitle, blocks: [
            .prose(.init("One example (a column): `z`, `a`, `y` are columns of `Z[\(L)]`, `A[\(L)]`, `Y`.")),
            .formulas(steps),
            .prose(.init("All m examples at once:")),
            .formulas(vectorised),
            .prose(.init("Deferred keeps `dZ[\(L)] = \(outputGradientTerm.text)` (the m per-example derivatives side by side, m times `∂J/∂Z[\(L)]`) and puts the 1/m into each `dW`, `db`; absorbed divides here, `dZ[\(L)] = \(ExplanationTerm.divided(outputGradientTerm, .m).text)`, which is `∂J/∂Z[\(L)]` itself, and no `dW`, `db` takes another 1/m.")),
        ], numpy: false)
    }

    /// `A[L] − Y`, or `(A[L] − Y) ⊙ g′(Z[L])` for squared error through a non-identity output.
    private var outputGradientTerm: ExplanationTerm {
        let difference = ExplanationTerm.difference(.symbol(A(depth)), .symbol(Y))
        if loss == .meanSquaredError, let d = derivative(output, layer: depth) {
            return .hadamard(difference, d)
        }
        return difference
    }

    private func backward() -> ExplanationSection {
        let L = depth
        var blocks: [ExplanationBlock] = []
        for l in stride(from: L, through: 1, by: -1) {
            var rows: [ExplanationRow] = []
            if batchNorm && l < L {
                rows += batchNormBackward(l)
                let role = "hidden, batch norm, \(hidden)"
                blocks.append(.equations(title: "Layer \(l) (\(role))", rows: rows))
                continue
            }
            // dZ[l]
            if l == L {
                rows.append(.init(dZ(L), conventions.map { c in
                    c == .deferred ? outputGradientTerm : .divided(outputGradientTerm, .m)
                }, ratio: .m))
            } else {
                let rhs: ExplanationTerm = derivative(hidden, layer: l).map { .hadamard(.symbol(dA(l)), $0) } ?? .symbol(dA(l))
                rows.append(.init(dZ(l), conventions.map { _ in rhs }, ratio: .m))
            }
            // dW[l], db[l]
            rows.append(weightGradientRow(l))
            let gradientB = ExplanationTerm.sumColumns(.symbol(dZ(l)))
            rows.append(.init(db(l), conventions.map { c in
                c == .deferred ? .scaled(.inverseM, gradientB) : gradientB
            }, ratio: .number(1)))
            rows += previousGradientRows(l)
            let role = l == L ? "output, \(output) + \(loss)" : "hidden, \(hidden)"
            blocks.append(.equations(title: "Layer \(l) (\(role))", rows: rows))
        }
        if batchNorm {
            blocks.append(.prose(.init(batchNormReading)))
        }
        if l2 {
            blocks.append(.prose(.init("L2: `(λ/m) W[l]` is the derivative of `(λ/(2m)) ‖W[l]‖²_F`; it comes from the cost directly, not through `dZ`, so it keeps its own 1/m under both conventions.")))
        }
        let title: String
        if conventions.count == 2 {
            title = "Backward: deferred (the course's code) vs absorbed (PyTorch's reduction='mean')"
            blocks.insert(.prose(.init("`≠` marks the equations written differently; the last column is deferred ÷ absorbed, the ratio of the values: `dW`, `db` are the same numbers, `dZ`, `dA` differ by the factor m.")), at: 0)
        } else {
            title = "Backward: " + Explanation.conventionTitle(conventions[0])
        }
        return ExplanationSection(title: title, blocks: blocks, numpy: true)
    }

    /// A batch-normalized hidden layer's backward rows: `dZ̃`, `dβ`, `dγ`, `dẐ`, `dσ²`, `dμ`,
    /// `dZ` step by step and in the compact form, `dW`, `dA[l−1]`.
    private func batchNormBackward(_ l: Int) -> [ExplanationRow] {
        var rows: [ExplanationRow] = []
        let g = derivative(hidden, layer: l).map { _ in hidden.block.derivativeTerm(z: .symbol(tilde(l)), a: .symbol(A(l)))! }
        let dTildeTerm: ExplanationTerm = g.map { .hadamard(.symbol(dA(l)), $0) } ?? .symbol(dA(l))
        rows.append(.init(dTilde(l), conventions.map { _ in dTildeTerm }, ratio: .m))
        let sumB = ExplanationTerm.sumColumns(.symbol(dTilde(l)))
        rows.append(.init(dBeta(l), conventions.map { $0 == .deferred ? .scaled(.inverseM, sumB) : sumB }, ratio: .number(1)))
        let sumG = ExplanationTerm.sumColumns(.hadamard(.symbol(dTilde(l)), .symbol(hat(l))))
        rows.append(.init(dGamma(l), conventions.map { $0 == .deferred ? .scaled(.inverseM, sumG) : sumG }, ratio: .number(1)))
        rows.append(.init(dHat(l), conventions.map { _ in .hadamard(.symbol(gamma(l)), .symbol(dTilde(l))) }, ratio: .m))
        let dVar = ExplanationTerm.quotient(
            .scaled(.number(-0.5), .sumColumns(.hadamard(.symbol(dHat(l)), .symbol(hat(l))))),
            .sum(.symbol(variance(l)), .scalar(.epsilon)))
        rows.append(.init(dVariance(l), conventions.map { _ in dVar }, ratio: .m,
                          note: .init("= −½ Σ_columns dẐ ⊙ (Z − μ) ⊙ (σ² + ε)^(−3/2)", latex: "-\\tfrac{1}{2} \\textstyle\\sum dZ_{\\text{norm}} (Z - \\mu)(\\sigma^2 + \\epsilon)^{-3/2}")))
        let dMean = ExplanationTerm.quotient(.scaled(.number(-1), .sumColumns(.symbol(dHat(l)))), deviation(l))
        rows.append(.init(dMu(l), conventions.map { _ in dMean }, ratio: .m,
                          note: .init("+ dσ² ⊙ (−2/m) Σ_columns (Z − μ), which is 0: Σ (Z − μ) = 0", latex: "+\\, d\\sigma^2 \\cdot \\left(-\\tfrac{2}{m}\\right) \\textstyle\\sum (Z - \\mu) = 0")))
        let chain = ExplanationTerm.sum(
            .sum(.quotient(.symbol(dHat(l)), deviation(l)),
                 .divided(.scaled(.number(2), .hadamard(.symbol(dVariance(l)), centred(l))), .m)),
            .divided(.symbol(dMu(l)), .m))
        rows.append(.init(dZ(l), conventions.map { _ in chain }, ratio: .m,
                          note: .init("step by step: the 1/m here is the layer's own, from μ and σ²", latex: "\\text{step by step}")))
        let compact = ExplanationTerm.quotient(
            .scaled(.inverseM, .difference(
                .difference(.scaled(.m, .symbol(dHat(l))), .sumColumns(.symbol(dHat(l)))),
                .hadamard(.symbol(hat(l)), .sumColumns(.hadamard(.symbol(dHat(l)), .symbol(hat(l))))))),
            deviation(l))
        rows.append(.init(dZ(l), conventions.map { _ in compact }, ratio: .m,
                          note: .init("the compact three-term form: the same numbers", latex: "\\text{compact form}")))
        rows.append(weightGradientRow(l))
        return rows + previousGradientRows(l)
    }

    /// `dW[l] = (1/m) dZ[l] A[l−1]ᵀ` (deferred) or `dZ[l] A[l−1]ᵀ` (absorbed), `+ (λ/m) W[l]` with L2.
    private func weightGradientRow(_ l: Int) -> ExplanationRow {
        let gradientW = ExplanationTerm.product(.symbol(dZ(l)), .transpose(A(l - 1)))
        let penalty = ExplanationTerm.scaled(.lambdaOverM, .symbol(W(l)))
        return ExplanationRow(dW(l), conventions.map { c in
            let main = c == .deferred ? ExplanationTerm.scaled(.inverseM, gradientW) : gradientW
            return l2 ? .sum(main, penalty) : main
        }, ratio: .number(1))
    }

    /// `dA[l−1] = W[l]ᵀ dZ[l]`, then dropout's mask (none for the first layer).
    private func previousGradientRows(_ l: Int) -> [ExplanationRow] {
        guard l > 1 else { return [] }
        var rows = [ExplanationRow(dA(l - 1), conventions.map { _ in .product(.transpose(W(l)), .symbol(dZ(l))) }, ratio: .m)]
        if dropout {
            rows.append(.init(dA(l - 1), conventions.map { _ in
                .divided(.hadamard(.symbol(dA(l - 1)), .symbol(D(l - 1))), .keepProbability)
            }, ratio: .m, note: .init("the same mask D[\(l - 1)] as forward", latex: "\\text{the forward mask}")))
        }
        return rows
    }

    /// Where the 1/m enters a batch-normalized layer, under each convention.
    private var batchNormReading: String {
        var parts = ["Batch norm: the `1/m` inside `dZ` (the `(2/m)` and `(1/m)` of the chain, the `1/m` before the compact form) is the layer's own: it comes from `μ = (1/m) Σ Z` and `σ² = (1/m) Σ (Z − μ)²` themselves, so it is there under both conventions and is not the loss's."]
        if conventions.contains(.absorbed) {
            parts.append("Under absorbed, `dZ̃` already carries the loss's `1/m` (it came down from `dZ[\(depth)] = (A − Y)/m`), so `dZ` holds both: the loss's 1/m through `dẐ`, and the layer's own.")
        }
        if conventions.contains(.deferred) {
            parts.append("Under deferred, `dZ̃` carries no 1/m (per-example), the layer's own 1/m is still inside `dZ`, and the loss's 1/m waits for `dγ`, `dβ` and `dW`.")
        }
        parts.append("`dγ`, `dβ`, `dW` come out the same either way (`backprop ledger --batch-norm`). Leaving a `1/m` of the layer's own out, or adding the loss's a second time, are the classic batch-norm bugs: `backprop gradcheck --batch-norm` finds them.")
        return parts.joined(separator: " ")
    }

    private func reading() -> ExplanationSection {
        var blocks: [ExplanationBlock] = []
        if conventions.contains(.deferred) {
            blocks.append(.prose(.init("Deferred: `dZ[l]` and `dA[l]` are per-example derivatives: column i is `∂L_i/∂Z[l]` for example i alone, m times `∂J/∂Z[l]`. The 1/m of the mean is applied once, in each `dW[l]` and `db[l]`.")))
        }
        if conventions.contains(.absorbed) {
            blocks.append(.prose(.init("Absorbed: `dZ[l]` and `dA[l]` are the true `∂J/∂Z[l]` and `∂J/∂A[l]`; the 1/m entered once, in `dZ[\(depth)]`, and flows down through every `dA`, `dZ`.")))
        }
        blocks.append(.prose(.init("Under both conventions `dW[l] = ∂J/∂W[l]` and `db[l] = ∂J/∂b[l]`, the same numbers (bit for bit when m is a power of two, to rounding otherwise: `backprop ledger --examples 37`). Putting 1/m in both places, or in neither, is the classic bug: `backprop gradcheck` finds it, `backprop check FILE` says on which line.")))
        return ExplanationSection(title: "Reading the result", blocks: blocks, numpy: false)
    }
}

// MARK: - The structured steps

/// A titled part of an ``Explanation``.
struct ExplanationSection: Sendable {
    let title: String
    /// The title for LaTeX, where it differs (maths in `$…$`).
    var latexTitle: String? = nil
    let blocks: [ExplanationBlock]
    /// Whether the renderer follows the equations with their NumPy listing.
    let numpy: Bool
}

/// One piece of a section.
enum ExplanationBlock: Sendable {
    /// A sentence or two; maths in backticks.
    case prose(ExplanationProse)
    /// Matrix equations with their shapes (an optional group title such as `Layer 2 (output…)`).
    case equations(title: String?, rows: [ExplanationRow])
    /// Scalar or summary formulas: the cost, the chain-rule steps.
    case formulas([ExplanationFormula])
}

/// Text with a LaTeX variant where the Unicode one will not do.
struct ExplanationProse: Sendable {
    /// Unicode, maths in backticks (markdown keeps them; text drops them).
    let text: String
    /// LaTeX, or `nil` to write ``text`` as a comment.
    let latex: String?

    init(_ text: String, latex: String? = nil) {
        self.text = text
        self.latex = latex
    }
}

/// `lhs = rhs` with the shapes of both sides.
struct ExplanationEquation: Sendable {
    let lhs: ExplanationSymbol
    let rhs: ExplanationTerm?

    /// `dW[2] = (1/m) dZ[2] A[1]ᵀ` (just `W[1]` for a parameter listed with its shape).
    var text: String { rhs.map { lhs.text + " = " + $0.text } ?? lhs.text }
    /// `dW^{[2]} &= \frac{1}{m} dZ^{[2]} A^{[1]\top}` (with the alignment mark).
    var latex: String { rhs.map { lhs.latex(transposed: false) + " &= " + $0.latex } ?? lhs.latex(transposed: false) }
    /// `dW2 = 1 / m * np.dot(dZ2, A1.T)`.
    var numpy: String? { rhs.map { lhs.numpy + " = " + $0.numpy } }

    /// `(1, 4) = (1, m)(m, 4)`: the left side's shape, then how the right side's combine
    /// (omitted when it would only repeat the left side).
    func shapes(_ style: ExplanationStyle = .text) -> String {
        let left = lhs.shape.description
        guard let rhs else { return left }
        let right = rhs.shapeAnnotation(style)
        return right.isEmpty || right == left ? left : left + " = " + right
    }

    /// Whether the right side's operands fit and its shape is the left side's.
    var isConsistent: Bool {
        guard let rhs else { return true }
        return rhs.isConsistent && rhs.shape == lhs.shape
    }
}

/// One line of an equation block: the same quantity under each convention written out (one
/// equation when it does not depend on the convention).
struct ExplanationRow: Sendable {
    /// In the order of ``Explanation/conventions`` (or a single shared one).
    let equations: [ExplanationEquation]
    /// Deferred's value ÷ absorbed's: `m` for `dZ`, `dA`; `1` for `dW`, `db`; `nil` outside
    /// the backward pass.
    let ratio: ExplanationScalar?
    let note: ExplanationProse?

    init(_ lhs: ExplanationSymbol, _ rhs: ExplanationTerm, note: ExplanationProse? = nil) {
        equations = [ExplanationEquation(lhs: lhs, rhs: rhs)]
        ratio = nil
        self.note = note
    }

    init(_ lhs: ExplanationSymbol, _ rhs: [ExplanationTerm], ratio: ExplanationScalar, note: ExplanationProse? = nil) {
        equations = rhs.map { ExplanationEquation(lhs: lhs, rhs: $0) }
        self.ratio = ratio
        self.note = note
    }

    init(shapeOnly symbol: ExplanationSymbol, note: String?) {
        equations = [ExplanationEquation(lhs: symbol, rhs: nil)]
        ratio = nil
        self.note = note.map { ExplanationProse($0, latex: nil) }
    }

    /// Whether the conventions write this equation differently.
    var formulaDiffers: Bool {
        equations.count > 1 && Set(equations.map(\.text)).count > 1
    }
}

/// A formula that is not a matrix equation: `lhs = rhs` in Unicode and in LaTeX, with an
/// optional NumPy line (an empty `lhs` continues the previous line).
struct ExplanationFormula: Sendable {
    let lhs: String
    let rhs: String
    let latex: (lhs: String, rhs: String)
    let numpy: String?
    var note: ExplanationProse?

    init(_ lhs: String, _ rhs: String, latex: (String, String), numpy: String? = nil, note: ExplanationProse? = nil) {
        self.lhs = lhs
        self.rhs = rhs
        self.latex = (latex.0, latex.1)
        self.numpy = numpy
        self.note = note
    }

    /// `∂L/∂z = a − y`.
    var text: String { lhs.isEmpty ? "= " + rhs : lhs + " = " + rhs }
}

extension ExplanationTerm {
    /// The spelling with parentheses when the term is a sum (to follow a coefficient).
    func text(grouped: Bool) -> String {
        switch self {
        case .sum, .difference: "(" + text + ")"
        default: text
        }
    }

    func latex(grouped: Bool) -> String {
        switch self {
        case .sum, .difference: "\\left(" + latex + "\\right)"
        default: latex
        }
    }
}
