import Foundation
import Testing
@testable import Backprop

/// `check` on hand-written batch-norm backward passes: the header field, the predefined names,
/// the course-layer mapping onto layer objects, and each classic mistake named on its line.
struct DerivationBatchNormTests {
    static let architecture = try! DerivationArchitecture(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, batchNorm: true)

    private func checked(_ file: String) throws -> DerivationReport {
        let source = try String(contentsOf: DerivationCorpusTests.directory.appendingPathComponent(file), encoding: .utf8)
        let architecture = try #require(try DerivationArchitecture.fromHeader(source), "\(file) has no header")
        #expect(architecture.batchNorm, "\(file) declares batch norm")
        return try DerivationChecker(architecture: architecture).check(source)
    }

    /// The mistakes of the wrong lines assigning `name`, in file order.
    private func mistakes(_ report: DerivationReport, _ name: String) -> [DerivationMistake?] {
        report.lines.filter { $0.name == name && $0.status == .wrong }.map(\.mistake)
    }

    @Test func headerDeclaresBatchNorm() throws {
        let header = try #require(try DerivationArchitecture.fromHeader("# layers: 3,5,2  hidden: relu  output: softmax  batchnorm: yes\n"))
        #expect(header.batchNorm && header.sizes == [3, 5, 2] && header.hidden == .relu)
        #expect(header.description == "3-5-2 relu → softmax + ce, batch norm")
        #expect(try DerivationArchitecture.fromHeader("# layers: 2,4,1  batchnorm: no\n")?.batchNorm == false)
        #expect(try DerivationArchitecture.fromHeader("# layers: 2,4,1\n")?.batchNorm == false)
        // On a header line of its own too; yes or no only; batch norm needs a hidden layer.
        #expect(try DerivationArchitecture.fromHeader("# layers: 2,4,1\n# batchnorm: yes\n")?.batchNorm == true)
        #expect(throws: BackpropError.self) { try DerivationArchitecture.fromHeader("# layers: 2,4,1  batchnorm: maybe\n") }
        #expect(throws: BackpropError.self) { try DerivationArchitecture.fromHeader("# layers: 2,1  batchnorm: yes\n") }
        #expect(throws: BackpropError.self) { try DerivationArchitecture(sizes: [3, 2], batchNorm: true) }
    }

    @Test func namesResolveToCourseLayers() throws {
        let names = ["Ztilde1", "Z_tilde1", "Zhat1", "Z_norm1", "Z_norm_1", "mu1", "μ1", "var1", "sigma2_1"]
        let kinds = names.compactMap { GradientName($0, depth: 2, batchNorm: true)?.kind }
        #expect(kinds == [.Ztilde, .Ztilde, .Zhat, .Zhat, .Zhat, .mu, .mu, .var, .var])
        let gradients = ["dZtilde1", "dZ_tilde1", "dZhat1", "dZ_norm1", "dvar1", "dsigma2_1", "dmu1", "dgamma1", "dγ1", "dbeta1", "dβ1"]
        #expect(gradients.compactMap { GradientName($0, depth: 2, batchNorm: true)?.kind }
            == [.dZtilde, .dZtilde, .dZhat, .dZhat, .dvar, .dvar, .dmu, .dgamma, .dgamma, .dbeta, .dbeta])
        // Not on the output layer, not without batch norm, and the hidden layers have no db.
        #expect(GradientName("dgamma2", depth: 2, batchNorm: true) == nil)
        #expect(GradientName("dgamma1", depth: 2) == nil)
        #expect(GradientName("db1", depth: 2, batchNorm: true) == nil)
        #expect(GradientName("db2", depth: 2, batchNorm: true)?.kind == .db)
    }

    @Test func referenceMapsCourseLayersToLayerObjects() throws {
        let reference = try ReferencePass(architecture: Self.architecture, seed: 1, examples: 7)
        #expect(reference.network.depth == 3 && reference.depth == 2)
        let environment = reference.environment
        for name in ["W1", "gamma1", "γ1", "beta1", "β1", "Z1", "mu1", "var1", "Zhat1", "Z_norm1", "Ztilde1", "Z_tilde1",
                     "A1", "eps", "running_mean1", "running_var1", "W2", "b2", "Z2", "A2"] {
            #expect(environment[name] != nil, "\(name)")
        }
        #expect(environment["b1"] == nil)
        #expect(environment["eps"] == .scalar(1e-5))
        let ledger = reference.ledgers[.deferred]!
        #expect(environment["Z1"]?.matrix == ledger[layer: 1].Z)
        #expect(environment["Zhat1"]?.matrix == ledger[layer: 2]["Ẑ"])
        #expect(environment["W2"]?.matrix == ledger.network.layer(3).W)
        #expect(reference.value(of: GradientName(kind: .dZ, layer: 1), .deferred) == ledger[layer: 2]["dA_prev"])
        #expect(reference.value(of: GradientName(kind: .dA, layer: 1), .deferred) == ledger[layer: 3].dAPrevious)
        // The running statistics are not the batch's, and γ, β are not 1, 0.
        let mean = try #require(environment["mu1"]?.matrix), running = try #require(environment["running_mean1"]?.matrix)
        #expect(Diagnoser.relativeError(mean, running) > 0.1)
        #expect(try #require(environment["gamma1"]?.matrix).elements.allSatisfy { $0 != 1 })
    }

    @Test(arguments: ["deferred_bn_chain.py", "deferred_bn_compact.py", "absorbed_bn_chain.py", "absorbed_bn_compact.py",
                      "deferred_bn_3layer_relu_softmax.py", "deferred_bn_course_notebook.py"])
    func correctBackwardPasses(_ file: String) throws {
        let report = try checked(file)
        #expect(report.isCorrect, "\(file)")
        #expect(report.convention == (file.hasPrefix("absorbed") ? .absorbed : .deferred))
        #expect(report.lines(.correct).contains { $0.name.hasPrefix("dZ") && $0.name != "dZ2" && $0.name != "dZ3" })
    }

    @Test func dmuWithoutItsVarianceTermIsRightAndSaysWhy() throws {
        let report = try checked("mistake_bn_dmu_without_dvar.py")
        let dmu = try #require(report.line(named: "dmu1"))
        #expect(dmu.status == .correct)
        #expect(dmu.diagnosis?.contains("is zero, since Σ (Z − μ) = 0") == true)
        #expect(dmu.diagnosis?.contains("the one into dZ1") == true)
        #expect(mistakes(report, "dZ1") == [.varianceGradientMissing, .varianceGradientMissing, .meanGradientMissing, .statisticsTreatedAsConstants])
        #expect(report.lines.first { $0.name == "dZ1" }?.diagnosis?.hasPrefix("the dσ² path left out of dZ1") == true)
        // A dμ with the dσ² term gets no note.
        let chain = try checked("deferred_bn_chain.py")
        #expect(chain.line(named: "dmu1")?.diagnosis == nil)
    }

    @Test func oneOverMTwice() throws {
        let report = try checked("mistake_bn_1_over_m_twice.py")
        #expect(report.convention == .absorbed)
        #expect(mistakes(report, "dgamma1") == [.oneOverMExtra])
        #expect(mistakes(report, "dbeta1") == [.oneOverMExtra])
        #expect(mistakes(report, "dZ1") == [.oneOverMExtra, .oneOverMExtra])
        let compact = try #require(report.lines.first { $0.name == "dZ1" }?.diagnosis)
        #expect(compact.contains("1/m applied twice") && compact.contains("batch norm's own 1/m") && compact.contains("the loss's 1/m"))
        let missing = try checked("mistake_bn_missing_1_over_m.py")
        #expect(mistakes(missing, "dZ1") == [.oneOverMMissing, .oneOverMMissing])
        #expect(mistakes(missing, "dgamma1") == [.oneOverMMissing])
    }

    @Test func unbiasedVariance() throws {
        let report = try checked("mistake_bn_unbiased_variance.py")
        #expect(mistakes(report, "var1") == [.unbiasedVariance, .unbiasedVariance])
        #expect(mistakes(report, "Zhat1") == [.unbiasedVariance, .unbiasedVariance])
        #expect(mistakes(report, "dZ1") == [.unbiasedVariance, .unbiasedVariance])
        #expect(report.lines.allSatisfy { $0.status != .wrong || $0.diagnosis!.contains("m − 1") })
    }

    @Test func wrongAxisAndKeepdimsForGammaAndBeta() throws {
        let report = try checked("mistake_bn_axis.py")
        #expect(mistakes(report, "dgamma1") == [.wrongAxis, .keepdimsMissing])
        #expect(mistakes(report, "dbeta1") == [.wrongAxis, .wrongAxis])
        #expect(report.line(named: "dbeta1")?.status == .correct)
    }

    @Test func runningStatisticsInTrainMode() throws {
        let report = try checked("mistake_bn_running_statistics.py")
        for name in ["mu1", "var1", "dZ1"] { #expect(mistakes(report, name) == [.runningStatistics], "\(name)") }
        #expect(mistakes(report, "Zhat1") == [.runningStatistics, .epsilonMissing])
        #expect(report.lines(.wrong).allSatisfy { $0.mistake == .epsilonMissing || $0.diagnosis!.hasPrefix("running statistics used in train mode") })
    }

    @Test func gammaMissing() throws {
        let report = try checked("mistake_bn_gamma_missing.py")
        #expect(report.lines(.wrong).count == 5)
        #expect(report.lines(.wrong).allSatisfy { $0.mistake == .gammaMissing && $0.diagnosis!.hasPrefix("γ missing") })
    }

    @Test func genericDiagnosesOnBatchNormLines() throws {
        let report = try checked("mistake_bn_generic.py")
        #expect(mistakes(report, "dZtilde1") == [.activationDerivativeMissing, .wrongActivationDerivative])
        #expect(mistakes(report, "dbeta1") == [.signFlipped])
        #expect(mistakes(report, "dZhat1") == [.transposed])
        #expect(mistakes(report, "dmu1") == [.shapeMismatch, .other])
        #expect(mistakes(report, "dW1") == [.transposed, .other])
        #expect(mistakes(report, "A1") == [.normalizationSkipped])
        #expect(report.line(named: "db1")?.diagnosis == "not compared: with batch norm, hidden layer 1 has no bias (β[1] takes its place)")
    }

    @Test func batchNormNamesWithoutBatchNormAreNotCompared() throws {
        let checker = try DerivationChecker(architecture: DerivationArchitecture(sizes: [2, 4, 1]), seeds: 1)
        let report = try checker.check("dZ2 = A2 - Y\ndgamma1 = np.sum(dZ2, axis=1, keepdims=True)\n")
        let line = try #require(report.line(named: "dgamma1"))
        #expect(line.status == .notChecked)
        #expect(line.diagnosis?.contains("this network has no batch norm") == true)
        // A dense file's own mu1 is just a temporary.
        let temporary = try checker.check("mu1 = np.mean(X, axis=1, keepdims=True)\n").lines[0]
        #expect(temporary.status == .notChecked && temporary.diagnosis == nil)
    }

    @Test func closureFormChecksBatchNormGradients() throws {
        let checker = try DerivationChecker(architecture: Self.architecture, seeds: 2)
        let report = try checker.check { network, X, Y in
            let ledger = try network.gradients(X, Y)
            let norm = ledger[layer: 2]
            return ["dZ2": ledger[layer: 3].dZ, "dW2": ledger[layer: 3].dW, "dgamma1": norm["dγ"]!,
                    "dbeta1": norm["dβ"]! * 2, "dZ1": ledger[layer: 1].dZ, "dW1": ledger[layer: 1].dW]
        }
        #expect(report.lines.map(\.name) == ["dZ2", "dW2", "dgamma1", "dbeta1", "dZ1", "dW1"])
        #expect(report.lines(.wrong).map(\.name) == ["dbeta1"])
        #expect(report.convention == .deferred)
    }

    @Test func varianceAndStandardDeviationFollowNumPy() throws {
        let evaluator = DerivationEvaluator(environment: ["A": .matrix(Matrix([[1, 2, 3], [4, 6, 8]]))])
        func value(_ text: String) throws -> DerivationValue { try evaluator.evaluate(DerivationStatement.parseExpression(text)) }
        #expect(try value("np.var(A, axis=1, keepdims=True)") == .matrix(Matrix([[2.0 / 3], [8.0 / 3]])))
        #expect(try value("np.var(A, axis=1, ddof=1)") == .vector([1, 4]))
        #expect(try value("A.std(axis=1, ddof=1, keepdims=True)") == .matrix(Matrix([[1], [2]])))
        #expect(try value("np.var(A, axis=0)") == .vector([2.25, 4, 6.25]))
        #expect(try value("np.var(A)") == .scalar(Matrix([[1, 2, 3], [4, 6, 8]]).map { ($0 - 4) * ($0 - 4) }.sum() / 6))
        #expect(try DerivationStatement.parse("v = np.var(Z1, axis=1)").first?.expression.exampleCountUses == 1)
    }

    @Test func parallelAssignment() throws {
        let statements = try DerivationStatement.parse("a, b = X + 1, np.sum(Y, axis=1)  # a cache's parts\nc = a\n")
        #expect(statements.map(\.target) == ["a", "b", "c"])
        #expect(statements.map(\.line) == [1, 1, 2])
        #expect(statements.map(\.text) == ["a, b = X + 1, np.sum(Y, axis=1)", "a, b = X + 1, np.sum(Y, axis=1)", "c = a"])
        #expect(statements.map(\.column) == [1, 1, 1])
        // Python's semantics: the right side is evaluated first; unpacking a tuple is allowed.
        #expect(try DerivationStatement.parse("a, b = 1, a\n").map(\.target) == ["a", "b"])
        #expect(try DerivationStatement.parse("a, b = cache\n").isEmpty)
        #expect(throws: DerivationParseError.self) { try DerivationStatement.parse("a, b += 1, 2\n") }
    }
}
