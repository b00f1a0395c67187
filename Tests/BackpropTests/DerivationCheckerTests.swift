import Testing
@testable import Backprop

/// The checker's Swift API: formula text, the closure form for custom layers, headers, lint.
struct DerivationCheckerTests {
    static let planar = try! DerivationArchitecture(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid)

    /// A hand-written backward pass for the planar network, with hooks for mistakes.
    static func handGradients(
        absorbed: Bool, extraOneOverMInDW1: Bool = false, flipDW2: Bool = false
    ) -> (Network<Double>, Matrix<Double>, Matrix<Double>) throws -> [String: Matrix<Double>] {
        { network, X, Y in
            let cache = try network.forward(X)
            let m = Double(X.columns)
            let scale = absorbed ? 1 : 1 / m
            let dZ2 = absorbed ? (cache.A(2) - Y) / m : cache.A(2) - Y
            var dW2 = scale * dZ2.dot(cache.A(1).T)
            if flipDW2 { dW2 = -dW2 }
            let db2 = scale * dZ2.sum(axis: 1)
            let dZ1 = network.layer(2).W.T.dot(dZ2) * cache.A(1).map { 1 - $0 * $0 }
            let dW1 = (extraOneOverMInDW1 ? 1 / m : scale) * dZ1.dot(X.T)
            let db1 = scale * dZ1.sum(axis: 1)
            return ["dZ2": dZ2, "dW2": dW2, "db2": db2, "dZ1": dZ1, "dW1": dW1, "db1": db1, "extra": dZ1]
        }
    }

    @Test(arguments: [false, true])
    func closureFormAcceptsEitherConvention(_ absorbed: Bool) throws {
        let report = try DerivationChecker(architecture: Self.planar).check(gradients: Self.handGradients(absorbed: absorbed))
        #expect(report.isCorrect)
        #expect(report.convention == (absorbed ? .absorbed : .deferred))
        #expect(report.lines.map(\.name) == ["dZ2", "dW2", "db2", "dZ1", "dW1", "db1", "extra"])
        #expect(report.line(named: "extra")?.status == .notChecked)
    }

    @Test func closureFormDiagnosesTheOriginQuestion() throws {
        let report = try DerivationChecker(architecture: Self.planar)
            .check(gradients: Self.handGradients(absorbed: true, extraOneOverMInDW1: true, flipDW2: true))
        #expect(!report.isCorrect)
        #expect(report.line(named: "dW1")?.diagnosis == "off by 1/m: 1/m applied twice (first applied in dZ2)")
        #expect(report.line(named: "dW2")?.mistake == .signFlipped)
        #expect(report.line(named: "db1")?.status == .correct)
    }

    @Test func closureFormAgreesWithTheLedger() throws {
        let architecture = try DerivationArchitecture(sizes: [3, 5, 4, 3], hidden: .relu, output: .softmax)
        let report = try DerivationChecker(architecture: architecture, seeds: 4).check { network, X, Y in
            let ledger = try network.gradients(X, Y, convention: .absorbed)
            var result: [String: Matrix<Double>] = [:]
            for l in 1...network.depth {
                result["dW\(l)"] = ledger[layer: l].dW
                result["db\(l)"] = ledger[layer: l].db
                result["dZ\(l)"] = ledger[layer: l].dZ
                result["dA\(l - 1)"] = ledger[layer: l].dAPrevious
            }
            return result
        }
        #expect(report.isCorrect)
        #expect(report.convention == .absorbed)
        #expect(report.exampleCounts == [7, 11, 13, 15])
    }

    @Test func exampleCountsAreNotPowersOfTwoNorLayerSizes() throws {
        let checker = try DerivationChecker(architecture: DerivationArchitecture(sizes: [7, 11, 3]), seeds: 3)
        #expect(checker.exampleCounts == [13, 15, 17])
        #expect(throws: BackpropError.self) { try DerivationChecker(architecture: Self.planar, seeds: 0) }
    }

    @Test func headers() throws {
        let architecture = try DerivationArchitecture.fromHeader("# layers: 3,5,4,3  hidden: relu  output: softmax\ndZ3 = A3 - Y\n")
        #expect(architecture?.sizes == [3, 5, 4, 3])
        #expect(architecture?.hidden == .relu)
        #expect(architecture?.output == .softmax)
        #expect(architecture?.loss == .categoricalCrossEntropy)
        #expect(try DerivationArchitecture.fromHeader("dZ2 = A2 - Y\n# layers: 2,4,1") == nil)
        #expect(try DerivationArchitecture.fromHeader("# layers: 2,4,1")?.output == .sigmoid)
        #expect(Self.planar.description == "2-4-1 tanh → sigmoid + bce")
    }

    @Test func evaluationErrorsStayOnTheirLine() throws {
        let report = try DerivationChecker(architecture: Self.planar).check("""
            dZ2 = A2 - Y
            oops = np.dot(dZ2, W1)
            dW2 = 1/m * np.dot(dZ2, A1.T)
            dW1 = oops + 1
            later = oops + 1
            """)
        // A gradient line reading the failed name is named; a temporary's is quiet.
        #expect(report.lines.map(\.status) == [.correct, .error, .correct, .error])
        #expect(report.lines[1].diagnosis == "shape mismatch in np.dot: (1, 7) and (4, 2)")
        #expect(report.lines[1].column == 1)
        #expect(report.lines[3].diagnosis == "undefined name 'oops' (the line that assigns it could not be evaluated)")
        #expect(!report.hasMistakes)
        #expect(report.convention == .deferred)
    }

    @Test func constantFactorsAndOtherErrors() throws {
        let report = try DerivationChecker(architecture: Self.planar).check("""
            dZ2 = A2 - Y
            dW2 = 2/m * np.dot(dZ2, A1.T)
            db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True) + 0.01
            """)
        #expect(report.lines[1].mistake == .constantFactor)
        #expect(report.lines[1].diagnosis == "off by a constant factor: every entry is 2 times the right value")
        #expect(report.lines[2].mistake == .other)
        #expect(report.lines[2].diagnosis?.hasPrefix("wrong: relative error ") == true)
        #expect(report.lines[2].diagnosis?.contains("worst entry [0, 0] got ") == true)
    }

    @Test func parseErrorsAreThrown() throws {
        #expect(throws: DerivationParseError(line: 2, column: 14, message: "expected an expression, found ','")) {
            try DerivationChecker(architecture: Self.planar).check("dZ2 = A2 - Y\ndW2 = np.dot(,)")
        }
    }

    // MARK: Lint

    @Test func lintFindsDoubleSoftmaxAndLogOfProbabilities() {
        let softmax = try! DerivationArchitecture(sizes: [3, 4, 3], hidden: .relu, output: .softmax)
        let doubled = DerivationLint.warnings(in: "A2 = softmax(Z2)\nP = np.softmax(A2)\n")
        #expect(doubled.map(\.kind) == [.doubleSoftmax])
        #expect(doubled.first?.line == 2)
        #expect(DerivationLint.warnings(in: "loss = cross_entropy(softmax(Z2), Y)").map(\.kind) == [.doubleSoftmax])
        #expect(DerivationLint.warnings(in: "loss = cross_entropy(A2, Y)", architecture: softmax).map(\.kind) == [.doubleSoftmax])
        #expect(DerivationLint.warnings(in: "loss = binary_cross_entropy_with_logits(sigmoid(Z2), Y)").map(\.kind) == [.doubleSigmoid])
        let cost = DerivationLint.warnings(
            in: "cost = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))", architecture: Self.planar)
        #expect(cost.map(\.kind) == [.lossOnProbabilities])
        #expect(cost.first?.message.contains("log1p") == true)
        #expect(DerivationLint.warnings(in: "dZ2 = A2 - Y\ncost = np.sum(np.log(Z2))", architecture: Self.planar).isEmpty)
        #expect(DerivationLint.warnings(in: "this does not parse (").isEmpty)
    }

    @Test func lintForTrainingConfigurations() {
        #expect(DerivationLint.warnings(output: .sigmoid, loss: .meanSquaredError).map(\.kind) == [.unstablePairing])
        #expect(DerivationLint.warnings(output: .sigmoid, loss: .binaryCrossEntropy).isEmpty)
        #expect(DerivationLint.warnings(output: .softmax, loss: .categoricalCrossEntropy).isEmpty)
    }

    @Test func reportCarriesLintWarnings() throws {
        let report = try DerivationChecker(architecture: Self.planar).check("""
            dZ2 = A2 - Y
            cost = -np.sum(Y * np.log(A2)) / m
            """)
        #expect(report.lintWarnings.map(\.kind) == [.lossOnProbabilities])
        #expect(report.isCorrect)
    }
}
