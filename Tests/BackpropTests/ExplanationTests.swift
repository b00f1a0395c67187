import Testing
@testable import Backprop

/// `Explanation`, the model behind `backprop explain`: the equations it writes for a given
/// architecture, their shapes, and the three renderings.
struct ExplanationTests {
    static func explain(
        _ sizes: [Int], hidden: Activation = .tanh, output: Activation = .sigmoid, loss: Loss? = nil,
        _ conventions: [Convention], l2: Bool = false, dropout: Bool = false, style: ExplanationStyle = .text
    ) throws -> String {
        try Explanation(sizes: sizes, hidden: hidden, output: output, loss: loss, conventions: conventions,
                        l2: l2, dropout: dropout).rendered(style)
    }

    /// The rendered lines with their indentation removed.
    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.drop(while: { $0 == " " }))
        }
    }

    @Test("2-4-1 tanh/sigmoid, deferred: the course's backward pass, line by line, with shapes")
    func deferredTwoLayer() throws {
        let text = try Self.explain([2, 4, 1], [.deferred])
        let lines = Self.lines(text)
        for expected in [
            "Z[1] = W[1] X + b[1]       (4, m) = (4, 2)(2, m) + (4, 1)",
            "A[1] = tanh(Z[1])          (4, m)                            g′(Z[1]) = 1 − A[1]²",
            "Z[2] = W[2] A[1] + b[2]    (1, m) = (1, 4)(4, m) + (1, 1)",
            "dZ[2] = A[2] − Y                 (1, m) = (1, m) − (1, m)",
            "dW[2] = (1/m) dZ[2] A[1]ᵀ        (1, 4) = (1, m)(m, 4)",
            "db[2] = (1/m) Σ_columns dZ[2]    (1, 1) = Σ_columns (1, m)",
            "dA[1] = W[2]ᵀ dZ[2]              (4, m) = (4, 1)(1, m)",
            "dZ[1] = dA[1] ⊙ (1 − A[1]²)      (4, m) = (4, m) ⊙ (4, m)",
            "dW[1] = (1/m) dZ[1] Xᵀ           (4, 2) = (4, m)(m, 2)",
            "db[1] = (1/m) Σ_columns dZ[1]    (4, 1) = Σ_columns (4, m)",
            // NumPy, as the course writes it.
            "dZ2 = A2 - Y",
            "dW2 = 1 / m * np.dot(dZ2, A1.T)",
            "db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)",
            "dA1 = np.dot(W2.T, dZ2)",
            "dZ1 = dA1 * (1 - np.power(A1, 2))",
            "dW1 = 1 / m * np.dot(dZ1, X.T)",
            // The chain rule at the output.
            "∂L/∂a = −y/a + (1 − y)/(1 − a)",
            "∂a/∂z = σ′(z) = a(1 − a)",
            "= a − y",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
        #expect(text.contains("Backward: deferred (the course's code)"))
        #expect(!text.contains("(A[2] − Y) / m          "), "no absorbed equation in a deferred explanation")
        #expect(!lines.contains { $0.hasPrefix("dW[2] = dZ[2] A[1]ᵀ") })
    }

    @Test("The model itself: exact equations and shapes, each side's shape equal")
    func modelEquations() throws {
        let explanation = try Explanation(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, conventions: [.deferred])
        let equations = explanation.allEquations.filter { $0.rhs != nil }
        let dW2 = try #require(equations.first { $0.lhs.text == "dW[2]" })
        #expect(dW2.text == "dW[2] = (1/m) dZ[2] A[1]ᵀ")
        #expect(dW2.shapes() == "(1, 4) = (1, m)(m, 4)")
        #expect(dW2.numpy == "dW2 = 1 / m * np.dot(dZ2, A1.T)")
        #expect(dW2.latex == "dW^{[2]} &= \\frac{1}{m} dZ^{[2]} A^{[1]\\top}")
        #expect(dW2.lhs.shape.description == "(1, 4)")
        let dZ2 = try #require(equations.first { $0.lhs.text == "dZ[2]" })
        #expect(dZ2.text == "dZ[2] = A[2] − Y")
        #expect(dZ2.lhs.shape.description == "(1, m)")
        #expect(explanation.isDimensionallyConsistent)
        // Forward: two Z, two A; backward: dZ, dW, db per layer and one dA.
        #expect(equations.map(\.lhs.text) == [
            "Z[1]", "A[1]", "Z[2]", "A[2]",
            "dZ[2]", "dW[2]", "db[2]", "dA[1]", "dZ[1]", "dW[1]", "db[1]",
        ])
    }

    @Test("2-4-1 absorbed: dZ[2] = (A[2] − Y) / m and no 1/m in any dW, db")
    func absorbedTwoLayer() throws {
        let text = try Self.explain([2, 4, 1], [.absorbed])
        let lines = Self.lines(text)
        for expected in [
            "dZ[2] = (A[2] − Y) / m         (1, m) = (1, m) − (1, m)",
            "dW[2] = dZ[2] A[1]ᵀ            (1, 4) = (1, m)(m, 4)",
            "db[2] = Σ_columns dZ[2]        (1, 1) = Σ_columns (1, m)",
            "dA[1] = W[2]ᵀ dZ[2]            (4, m) = (4, 1)(1, m)",
            "dW[1] = dZ[1] Xᵀ               (4, 2) = (4, m)(m, 2)",
            "dZ2 = (A2 - Y) / m",
            "dW2 = np.dot(dZ2, A1.T)",
            "db2 = np.sum(dZ2, axis=1, keepdims=True)",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
        #expect(!lines.contains { $0.hasPrefix("dW[") && $0.contains("(1/m)") })
        #expect(!lines.contains { $0.hasPrefix("dW") && $0.contains("1 / m") })
    }

    @Test("--convention both: side by side, ≠ on the rows written differently, ratio m or 1")
    func bothSideBySide() throws {
        let lines = Self.lines(try Self.explain([2, 4, 1], Convention.allCases))
        for expected in [
            "≠ dZ[2] = A[2] − Y                 dZ[2] = (A[2] − Y) / m                   (1, m) = (1, m) − (1, m)     m",
            "≠ dW[2] = (1/m) dZ[2] A[1]ᵀ        dW[2] = dZ[2] A[1]ᵀ                      (1, 4) = (1, m)(m, 4)        1",
            "dA[1] = W[2]ᵀ dZ[2]              dA[1] = W[2]ᵀ dZ[2]                      (4, m) = (4, 1)(1, m)        m",
            "dZ[1] = dA[1] ⊙ (1 − A[1]²)      dZ[1] = dA[1] ⊙ (1 − A[1]²)              (4, m) = (4, m) ⊙ (4, m)     m",
            "dZ2 = A2 - Y                                      # ≠",
            "dZ2 = (A2 - Y) / m                        # ≠",
            "dA1 = np.dot(W2.T, dZ2)",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
        let explanation = try Explanation(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid)
        let rows = explanation.sections.flatMap(\.blocks).flatMap { block -> [ExplanationRow] in
            if case let .equations(_, rows) = block { return rows.filter { $0.ratio != nil } }
            return []
        }
        #expect(rows.map(\.formulaDiffers) == [true, true, true, false, false, true, true])
        #expect(rows.map { $0.ratio?.text } == ["m", "1", "1", "m", "m", "1", "1"])
    }

    @Test("4-8-6-3 ReLU/softmax: three dW lines, relu's derivative, the softmax Jacobian")
    func threeLayerReLUSoftmax() throws {
        let text = try Self.explain([4, 8, 6, 3], hidden: .relu, output: .softmax, [.deferred])
        let lines = Self.lines(text)
        let dWLines = lines.filter { $0.hasPrefix("dW[") }
        #expect(dWLines.count == 3)
        #expect(dWLines.map { String($0.prefix(5)) } == ["dW[3]", "dW[2]", "dW[1]"])
        for expected in [
            "dZ[3] = A[3] − Y                 (3, m) = (3, m) − (3, m)",
            "dW[3] = (1/m) dZ[3] A[2]ᵀ        (3, 6) = (3, m)(m, 6)",
            "dZ[2] = dA[2] ⊙ (Z[2] > 0)       (6, m) = (6, m) ⊙ (6, m)",
            "dW[2] = (1/m) dZ[2] A[1]ᵀ        (6, 8) = (6, m)(m, 8)",
            "dZ[1] = dA[1] ⊙ (Z[1] > 0)       (8, m) = (8, m) ⊙ (8, m)",
            "dW[1] = (1/m) dZ[1] Xᵀ           (8, 4) = (8, m)(m, 4)",
            "A[3] = softmax(Z[3])       (3, m)                            each column sums to 1",
            "dZ1 = dA1 * (Z1 > 0)",
            "A1 = np.maximum(0, Z1)",
        ] {
            #expect(lines.contains(expected), "missing line: \(expected)")
        }
        #expect(text.contains("∂a/∂z = diag(a) − a aᵀ"))
        #expect(text.contains("= a − y                     because Σ_k y_k = 1"))
        #expect(text.contains("L(a, y) = −Σ_k y_k log a_k"))
    }

    @Test("Each hidden activation's derivative, written out")
    func hiddenDerivatives() throws {
        let cases: [(Activation, String, String)] = [
            (.tanh, "dZ[1] = dA[1] ⊙ (1 − A[1]²)", "dZ1 = dA1 * (1 - np.power(A1, 2))"),
            (.sigmoid, "dZ[1] = dA[1] ⊙ A[1] ⊙ (1 − A[1])", "dZ1 = dA1 * A1 * (1 - A1)"),
            (.relu, "dZ[1] = dA[1] ⊙ (Z[1] > 0)", "dZ1 = dA1 * (Z1 > 0)"),
            (.leakyReLU(slope: 0.01), "dZ[1] = dA[1] ⊙ where(Z[1] > 0, 1, 0.01)", "dZ1 = dA1 * np.where(Z1 > 0, 1, 0.01)"),
            (.identity, "dZ[1] = dA[1]", "dZ1 = dA1"),
        ]
        for (activation, maths, numpy) in cases {
            let lines = Self.lines(try Self.explain([3, 5, 1], hidden: activation, [.deferred]))
            #expect(lines.contains { $0.hasPrefix(maths + "  ") }, "\(activation): \(maths)")
            #expect(lines.contains(numpy), "\(activation): \(numpy)")
        }
    }

    @Test("Squared error: (A − Y) ⊙ g′(Z) through a sigmoid output, A − Y through identity")
    func squaredError() throws {
        let sigmoid = Self.lines(try Self.explain([2, 3, 1], output: .sigmoid, loss: .meanSquaredError, [.deferred]))
        #expect(sigmoid.contains { $0.hasPrefix("dZ[2] = (A[2] − Y) ⊙ A[2] ⊙ (1 − A[2])  ") })
        let identity = Self.lines(try Self.explain([2, 3, 2], output: .identity, [.absorbed]))
        #expect(identity.contains { $0.hasPrefix("dZ[2] = (A[2] − Y) / m  ") })
        #expect(identity.contains { $0.hasPrefix("J = (1/m) Σ_i L(a_i, y_i) = (1/(2m)) Σ (A[2] − Y)²") })
        #expect(identity.contains("∂a/∂z = g′(z) = 1"))
    }

    @Test("--l2: λ/(2m) Σ‖W‖² in the cost, + (λ/m) W[l] in every dW under both conventions")
    func l2Term() throws {
        let deferred = Self.lines(try Self.explain([2, 4, 1], [.deferred], l2: true))
        #expect(deferred.contains { $0.hasPrefix("dW[2] = (1/m) dZ[2] A[1]ᵀ + (λ/m) W[2]    (1, 4) = (1, m)(m, 4) + (1, 4)") })
        #expect(deferred.contains { $0.hasPrefix("dW[1] = (1/m) dZ[1] Xᵀ + (λ/m) W[1]") })
        #expect(deferred.contains { $0.hasPrefix("J = J + (λ/(2m)) (‖W[1]‖²_F + ‖W[2]‖²_F)") })
        #expect(deferred.contains("dW2 = 1 / m * np.dot(dZ2, A1.T) + lambd / m * W2"))
        let absorbed = Self.lines(try Self.explain([2, 4, 1], [.absorbed], l2: true))
        #expect(absorbed.contains { $0.hasPrefix("dW[2] = dZ[2] A[1]ᵀ + (λ/m) W[2]") })
        #expect(absorbed.contains("dW2 = np.dot(dZ2, A1.T) + lambd / m * W2"))
        // Without --l2 there is no λ anywhere.
        #expect(!(try Self.explain([2, 4, 1], Convention.allCases)).contains("λ"))
    }

    @Test("--dropout: the mask forward (A = A ⊙ D / p) and backward (dA = dA ⊙ D / p), hidden layers only")
    func dropoutMasks() throws {
        let lines = Self.lines(try Self.explain([2, 4, 3, 1], [.deferred], dropout: true))
        for expected in ["A[1] = A[1] ⊙ D[1] / p", "A[2] = A[2] ⊙ D[2] / p", "D[1] = (rand(4, m) < p)",
                         "dA[2] = dA[2] ⊙ D[2] / p", "dA[1] = dA[1] ⊙ D[1] / p"] {
            #expect(lines.contains { $0.hasPrefix(expected + "  ") }, "missing: \(expected)")
        }
        for expected in ["A1 = A1 * D1 / keep_prob", "dA1 = dA1 * D1 / keep_prob", "D1 = (np.random.rand(4, m) < keep_prob)"] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        #expect(!lines.contains { $0.hasPrefix("A[3] = A[3] ⊙ D[3]") })
        // The mask on dA[1] comes after dA[1] = W[2]ᵀ dZ[2] and before dZ[1].
        let order = lines.filter { $0.hasPrefix("dA[1] =") || $0.hasPrefix("dZ[1] =") }.map { String($0.prefix(12)) }
        #expect(order == ["dA[1] = W[2]", "dA[1] = dA[1", "dZ[1] = dA[1"])
    }

    @Test("LaTeX: align* environments with \\frac{1}{m}, ^\\top and \\odot")
    func latex() throws {
        let latex = try Self.explain([2, 4, 1], [.deferred], style: .latex)
        #expect(latex.contains("\\begin{align*}"))
        #expect(latex.contains("\\end{align*}"))
        #expect(latex.contains("dW^{[2]} &= \\frac{1}{m} dZ^{[2]} A^{[1]\\top} && (1, 4) = (1, m)(m, 4)"))
        #expect(latex.contains("dZ^{[1]} &= dA^{[1]} \\odot \\left(1 - \\left(A^{[1]}\\right)^{2}\\right)"))
        #expect(latex.contains("db^{[1]} &= \\frac{1}{m} \\sum_{\\text{columns}} dZ^{[1]}"))
        let typeset = latex.split(separator: "\n").filter { !$0.hasPrefix("%") }
        #expect(typeset.allSatisfy { !$0.contains("ᵀ") && !$0.contains("⊙") && !$0.contains("−") }, "Unicode maths only in comments")
        let both = try Self.explain([2, 4, 1], Convention.allCases, style: .latex)
        #expect(both.contains("{\\neq}\\; dZ^{[2]} &= A^{[2]} - Y & dZ^{[2]} &= \\frac{A^{[2]} - Y}{m} && (1, m) = (1, m) - (1, m) && m"))
    }

    @Test("Markdown: GitHub tables and code blocks")
    func markdown() throws {
        let markdown = try Self.explain([2, 4, 1], Convention.allCases, style: .markdown)
        #expect(markdown.contains("| ≠ | `dZ[2] = A[2] − Y` | `dZ[2] = (A[2] − Y) / m` | `(1, m) = (1, m) − (1, m)` | `m` |"))
        #expect(markdown.contains("|  | `dA[1] = W[2]ᵀ dZ[2]` | `dA[1] = W[2]ᵀ dZ[2]` | `(4, m) = (4, 1)(1, m)` | `m` |"))
        #expect(markdown.contains("| `Z[1] = W[1] X + b[1]` | `(4, m) = (4, 2)(2, m) + (4, 1)` |  |"))
        #expect(markdown.contains("```python\ndZ2 = A2 - Y"))
        // Every table row has as many cells as its header.
        var columns = 0, previous = ""
        for line in markdown.split(separator: "\n").map(String.init) {
            defer { previous = line }
            guard line.hasPrefix("|") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).count
            if !previous.hasPrefix("|") { columns = cells } else { #expect(cells == columns, "\(line)") }
        }
    }

    @Test("Shapes agree on both sides of every equation, for every architecture",
          arguments: [[2, 4, 1], [4, 8, 6, 3], [3, 1], [5, 7, 7, 7, 2]])
    func consistency(sizes: [Int]) throws {
        for hidden in Activation.hiddenCases {
            for output in [Activation.sigmoid, .softmax, .identity] {
                for (l2, dropout) in [(false, false), (true, true)] {
                    let explanation = try Explanation(sizes: sizes, hidden: hidden, output: output, l2: l2, dropout: dropout)
                    #expect(explanation.isDimensionallyConsistent, "\(sizes) \(hidden) \(output)")
                    let dW = explanation.allEquations.filter { $0.lhs.stem == "dW" }
                    #expect(dW.count == 2 * (sizes.count - 1))
                    for style in ExplanationStyle.allCases { #expect(!explanation.rendered(style).isEmpty) }
                }
            }
        }
    }

    /// The article's claims about the hand derivations, measured with `GradientCheck.compare`:
    /// each variant is written with the library's matrix operations exactly as the NumPy reads,
    /// on `backprop gradcheck`'s default data (2-4-1 tanh/sigmoid, seed 1, m = 37).
    static func handDerivation(_ variant: String) throws -> GradientCheckReport {
        let network = try Network<Double>(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, seed: 1)
        let data: Dataset<Double> = Generators.random(inputs: 2, outputs: 1, examples: 37, loss: .binaryCrossEntropy, seed: 2)
        let (X, Y) = (data.X, data.Y)
        let cache = try network.forward(X)
        let (A1, A2, W2) = (cache.A(1), cache.A(2), network.layer(2).W)
        let m = Double(X.columns)
        let dW1: Matrix<Double>, db1: Matrix<Double>, dW2: Matrix<Double>, db2: Matrix<Double>
        switch variant {
        case "origin":  // 1/m in dZ2, and again in dW1, db1
            let dZ2 = (A2 - Y) / m
            dW2 = dZ2.dot(A1.T)
            db2 = dZ2.sum(axis: 1)
            let dZ1 = W2.T.dot(dZ2) * (1 - A1 * A1)
            dW1 = (1 / m) * dZ1.dot(X.T)
            db1 = (1 / m) * dZ1.sum(axis: 1)
        case "never":  // no 1/m anywhere
            let dZ2 = A2 - Y
            dW2 = dZ2.dot(A1.T)
            db2 = dZ2.sum(axis: 1)
            let dZ1 = W2.T.dot(dZ2) * (1 - A1 * A1)
            dW1 = dZ1.dot(X.T)
            db1 = dZ1.sum(axis: 1)
        case "sigmoid twice":  // σ′ multiplied onto A − Y
            let dZ2 = (A2 - Y) * A2 * (1 - A2)
            dW2 = (1 / m) * dZ2.dot(A1.T)
            db2 = (1 / m) * dZ2.sum(axis: 1)
            let dZ1 = W2.T.dot(dZ2) * (1 - A1 * A1)
            dW1 = (1 / m) * dZ1.dot(X.T)
            db1 = (1 / m) * dZ1.sum(axis: 1)
        default:  // the course's code
            let dZ2 = A2 - Y
            dW2 = (1 / m) * dZ2.dot(A1.T)
            db2 = (1 / m) * dZ2.sum(axis: 1)
            let dZ1 = W2.T.dot(dZ2) * (1 - A1 * A1)
            dW1 = (1 / m) * dZ1.dot(X.T)
            db1 = (1 / m) * dZ1.sum(axis: 1)
        }
        let report = try GradientCheck.compare(analytic: ["dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2], network: network, X: X, Y: Y)
        print("[\(variant)]", report.tensors.map { "\($0.name) \($0.relativeDifference) \($0.verdict.rawValue) \($0.diagnosis ?? "-")" }.joined(separator: " | "))
        return report
    }

    @Test("The origin derivation (1/m in dZ2 and again in dW1, db1): dW2, db2 right, dW1, db1 1/m too small")
    func originDerivation() throws {
        let report = try Self.handDerivation("origin")
        let byName = Dictionary(uniqueKeysWithValues: report.tensors.map { ($0.name, $0) })
        #expect(byName["dW2"]?.verdict == .correct && byName["db2"]?.verdict == .correct)
        for name in ["dW1", "db1"] {
            #expect(byName[name]?.diagnosis == "too small by a factor 1/m = 1/37: 1/m applied twice", "\(name)")
            // ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) with g = ĝ/m is (m − 1)/(m + 1).
            #expect(abs((byName[name]?.relativeDifference ?? 0) - 36.0 / 38.0) < 1e-6, "\(name)")
        }
        #expect(try Self.handDerivation("course").verdict == .correct)
        let never = try Self.handDerivation("never")
        #expect(never.tensors.allSatisfy { $0.diagnosis == "too large by a factor m = 37: 1/m missing" })
        let sigmoidTwice = try Self.handDerivation("sigmoid twice")
        #expect(sigmoidTwice.tensors.allSatisfy { $0.verdict != .correct })
    }

    @Test("Invalid architectures are refused with the reason")
    func invalid() {
        #expect(throws: BackpropError.self) { try Explanation(sizes: [2], hidden: .tanh, output: .sigmoid) }
        #expect(throws: BackpropError.self) { try Explanation(sizes: [2, 0, 1], hidden: .tanh, output: .sigmoid) }
        #expect(throws: BackpropError.self) { try Explanation(sizes: [2, 4, 1], hidden: .softmax, output: .sigmoid) }
        #expect(throws: BackpropError.self) {
            try Explanation(sizes: [2, 4, 3], hidden: .tanh, output: .softmax, loss: .binaryCrossEntropy)
        }
    }
}

/// `explain --batch-norm`: the statistics forward, both backward forms, where the 1/m enters.
struct BatchNormExplanationTests {
    @Test("Batch norm: μ, σ², Ẑ, Z̃ forward; dZ̃, dβ, dγ, dẐ, dσ², dμ and dZ in both forms backward; shapes agree",
          arguments: [[2, 4, 1], [3, 5, 4, 2]])
    func batchNorm(sizes: [Int]) throws {
        let explanation = try Explanation(
            sizes: sizes, hidden: .relu, output: sizes.last == 1 ? .sigmoid : .softmax, batchNorm: true)
        #expect(explanation.isDimensionallyConsistent)
        let text = explanation.rendered(.text)
        let lines = ExplanationTests.lines(text)
        for expected in [
            "μ[1] = (1/m) Σ_columns Z[1]",
            "σ²[1] = (1/m) Σ_columns (Z[1] − μ[1])²",
            "Ẑ[1] = (Z[1] − μ[1]) / √(σ²[1] + ε)",
            "Z̃[1] = γ[1] ⊙ Ẑ[1] + β[1]",
            "A[1] = relu(Z̃[1])",
            "mu1 = 1 / m * np.sum(Z1, axis=1, keepdims=True)",
            "Z_norm1 = (Z1 - mu1) / np.sqrt(var1 + eps)",
            "dZ1 = dZ_norm1 / np.sqrt(var1 + eps) + 2 * dvar1 * (Z1 - mu1) / m + dmu1 / m",
            "dZ1 = 1 / m * (m * dZ_norm1 - np.sum(dZ_norm1, axis=1, keepdims=True) - Z_norm1 * np.sum(dZ_norm1 * Z_norm1, axis=1, keepdims=True)) / np.sqrt(var1 + eps)",
            "dgamma1 = 1 / m * np.sum(dZ_tilde1 * Z_norm1, axis=1, keepdims=True)",
        ] {
            #expect(lines.contains { $0.hasPrefix(expected) }, "missing line: \(expected)")
        }
        // No b for a normalized layer; the output layer keeps its own.
        #expect(!text.contains("b[1]"))
        #expect(text.contains("b[\(sizes.count - 1)]"))
        // Each backward row of the normalized layer, once under each convention: dZ twice (chain, compact).
        let equations = explanation.allEquations.filter { $0.rhs != nil }.map(\.lhs.text)
        for name in ["dZ̃[1]", "dβ[1]", "dγ[1]", "dẐ[1]", "dσ²[1]", "dμ[1]", "dW[1]"] {
            #expect(equations.filter { $0 == name }.count == 2, "\(name)")
        }
        #expect(equations.filter { $0 == "dZ[1]" }.count == 4)
        let prose = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")  // lines are wrapped
        #expect(prose.contains("is the layer's own: it comes from μ = (1/m) Σ Z and σ² = (1/m) Σ (Z − μ)² themselves"))
        #expect(prose.contains("Under absorbed, dZ̃ already carries the loss's 1/m"))
        #expect(prose.contains("Under deferred, dZ̃ carries no 1/m"))
        let latex = explanation.rendered(.latex)
        #expect(latex.contains("\\sqrt{{\\sigma^2}^{[1]} + \\epsilon}"))
        #expect(latex.contains("{\\hat{Z}}^{[1]}"))
    }
}

extension BatchNormExplanationTests {
    /// The NumPy listing of one convention's backward pass, as `explain` prints it.
    static func backwardNumPy(_ explanation: Explanation, convention: Convention) -> [String] {
        let column = explanation.conventions.firstIndex(of: convention) ?? 0
        let backward = explanation.sections.filter { $0.title.hasPrefix("Backward") }
        return backward.flatMap(\.blocks).flatMap { block -> [String] in
            guard case let .equations(_, rows) = block else { return [] }
            return rows.compactMap { row in row.equations[row.equations.count > 1 ? column : 0].numpy }
        }
    }

    @Test("explain --batch-norm's NumPy, under each convention, is judged correct line by line by check",
          arguments: [([2, 4, 1], Activation.tanh, Activation.sigmoid), ([3, 5, 4, 3], .relu, .softmax)])
    func listingPassesCheck(sizes: [Int], hidden: Activation, output: Activation) throws {
        let explanation = try Explanation(sizes: sizes, hidden: hidden, output: output, batchNorm: true)
        let architecture = try DerivationArchitecture(sizes: sizes, hidden: hidden, output: output, batchNorm: true)
        for convention in Convention.allCases {
            let lines = Self.backwardNumPy(explanation, convention: convention)
            #expect(lines.contains { $0.hasPrefix("dgamma1 = ") } && lines.contains { $0.hasPrefix("dvar1 = ") })
            let report = try DerivationChecker(architecture: architecture, seeds: 2).check(lines.joined(separator: "\n"))
            #expect(report.isCorrect, "\(sizes) \(convention): \(report.lines.filter { $0.status != .correct }.map(\.text))")
            #expect(report.lines.filter { $0.status == .correct }.count == lines.count, "\(sizes) \(convention)")
        }
    }
}
