import Testing
@testable import Backprop

/// Central-difference gradient checks of the backward pass (GUIDE §4), and of the checker's own
/// diagnoses when it is handed a wrong gradient.
struct GradientCheckTests {
    /// Sizes are prefixes of this list: depth d uses `[3, 5, 4, 6, 2].prefix(d + 1)`, so every
    /// output has at least two units (softmax needs two).
    static let sizes = [3, 5, 4, 6, 2]
    /// Example counts for depths 1…4: never a power of two, so 1/m is not exact.
    static let exampleCounts = [7, 13, 37, 7]

    /// The network with small seeded nonzero biases. `Network(sizes:…)` starts every bias at
    /// zero, so an example that every ReLU of a layer switches off gives the next layer a
    /// pre-activation of exactly 0 — ReLU's kink, where the analytic (sub)gradient 0 and the
    /// central difference ½ legitimately disagree (seen with [3, 5, 4, 6], seed 67, m = 37:
    /// db2 off by 5e-3). Nonzero biases move Z off the kink and exercise the bias path too.
    static func withBiases(_ network: Network<Double>, seed: UInt64) -> Network<Double> {
        var network = network
        var generator = SeededGenerator(seed: seed)
        for l in 1...network.depth {
            var b = network.layer(l).b
            for i in 0..<b.count { b.elements[i] = 0.1 * generator.nextNormal() }
            try! network.setParameters(layer: l, W: network.layer(l).W, b: b)
        }
        return network
    }

    @Test("Every hidden activation × output/loss pair passes the gradient check, depth 1–4, both conventions",
          arguments: Activation.hiddenCases, OutputPair.all)
    func everyActivationAndLossPasses(hidden: Activation, pair: OutputPair) throws {
        for depth in 1...4 {
            let architecture = Architecture(sizes: Array(Self.sizes.prefix(depth + 1)), hidden: hidden, pair: pair)
            let m = Self.exampleCounts[depth - 1]
            let seed = UInt64(10 * depth + m)
            let network = Self.withBiases(try architecture.network(seed: seed), seed: seed + 500)
            let data: Dataset<Double> = architecture.data(examples: m, seed: seed + 1000)
            // The central differences do not depend on the convention and are the expensive
            // part (each is two forward passes), so the full check alternates conventions by
            // depth, and the other convention must give the same dW, db to 1e-14, which makes
            // its check the same to that precision.
            let convention: Convention = depth % 2 == 1 ? .deferred : .absorbed
            let other: Convention = convention == .deferred ? .absorbed : .deferred
            let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, convention: convention)
            let context = "\(architecture.testDescription) m=\(m) \(convention)"
            #expect(report.overall < 1e-7, "\(context): overall \(report.overall)")
            #expect(report.verdict == .correct, "\(context)")
            #expect(report.tensors.map(\.name) == (1...depth).flatMap { ["dW\($0)", "db\($0)"] })
            // Not a vacuous pass: the output layer's gradient is really there.
            #expect(report.tensors[2 * depth - 2].numericNorm > 1e-3, "\(context)")
            // Per tensor the check is noisier (a tensor with a tiny gradient has a tiny
            // denominator), but nothing may look like a bug.
            #expect(report.tensors.allSatisfy { $0.relativeDifference < 1e-5 }, "\(context)")

            let checked = try network.gradients(data.X, data.Y, convention: convention)
            let otherLedger = try network.gradients(data.X, data.Y, convention: other)
            for l in 1...depth {
                #expect(relativeDifference(otherLedger[layer: l].dW, checked[layer: l].dW) <= 1e-14, "\(context) dW\(l) \(other)")
                #expect(relativeDifference(otherLedger[layer: l].db, checked[layer: l].db) <= 1e-14, "\(context) db\(l) \(other)")
            }
        }
    }

    @Test("The full check passes under both conventions on a deep network",
          arguments: Convention.allCases)
    func bothConventionsDeep(convention: Convention) throws {
        let architecture = Architecture(sizes: Self.sizes, hidden: .tanh, pair: .softmaxCE)
        let network = Self.withBiases(try architecture.network(seed: 61), seed: 62)
        let data: Dataset<Double> = architecture.data(examples: 13, seed: 63)
        let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, convention: convention)
        #expect(report.overall < 1e-7, "overall \(report.overall)")
    }

    @Test("With L2 (λ = 0.7) the gradient check passes and dW gains exactly (λ/m) W",
          arguments: zip(
            [Activation.relu, .tanh, .leakyReLU(slope: 0.01), .sigmoid, .identity],
            [OutputPair.sigmoidBCE, .softmaxCE, .identityMSE, .sigmoidMSE, .softmaxCE]))
    func l2Regularisation(hidden: Activation, pair: OutputPair) throws {
        let architecture = Architecture(sizes: [3, 5, 4, 6], hidden: hidden, pair: pair)
        let m = 13
        let lambda = 0.7
        let network = Self.withBiases(try architecture.network(seed: 77), seed: 79)
        let data: Dataset<Double> = architecture.data(examples: m, seed: 78)
        for convention in Convention.allCases {
            let report = try GradientCheck.run(
                network: network, X: data.X, Y: data.Y, convention: convention, l2: lambda)
            #expect(report.overall < 1e-7, "\(architecture.testDescription) \(convention): \(report.overall)")

            let plain = try network.gradients(data.X, data.Y, convention: convention)
            let regularised = try network.gradients(data.X, data.Y, convention: convention, l2: lambda)
            for l in 1...network.depth {
                let expected = plain[layer: l].dW + (lambda / Double(m)) * network.layer(l).W
                #expect(maxAbsDifference(regularised[layer: l].dW, expected) <= 1e-15)
                #expect(regularised[layer: l].db == plain[layer: l].db, "L2 does not touch b")
            }
            let squares = network.denseLayers.reduce(0.0) { $0 + $1.W.squaredNorm() }
            #expect(abs(regularised.cost - (plain.cost + lambda / (2 * Double(m)) * squares)) <= 1e-14)
        }
    }

    /// A classic mistake applied to `dW[1]`, and the words the diagnosis should use for it.
    struct Mistake: Sendable, CustomTestStringConvertible {
        let name: String
        let factor: @Sendable (Int) -> Double
        let phrase: String
        var testDescription: String { name }

        static let all = [
            Mistake(name: "1/m twice", factor: { 1 / Double($0) }, phrase: "1/m applied twice"),
            Mistake(name: "sign", factor: { _ in -1 }, phrase: "sign flipped"),
            Mistake(name: "1/m missing", factor: { Double($0) }, phrase: "1/m missing"),
        ]
    }

    @Test("A wrong dW1 (×1/m, ×−1, ×m) is judged wrong and the diagnosis names the mistake",
          arguments: Mistake.all)
    func wrongGradientIsDiagnosed(mistake: Mistake) throws {
        let m = 13
        let architecture = Architecture(sizes: [3, 5, 2], hidden: .tanh, pair: .sigmoidBCE)
        let network: Network<Double> = try architecture.network(seed: 5)
        let data: Dataset<Double> = architecture.data(examples: m, seed: 6)
        var analytic = try network.gradients(data.X, data.Y).parameterGradients
        analytic[0].dW *= mistake.factor(m)

        let report = try GradientCheck.compare(analytic: named(analytic), network: network, X: data.X, Y: data.Y)
        #expect(report.verdict == .wrong)
        #expect(report.overall > 1e-3)
        let dW1 = try #require(report.tensors.first)
        #expect(dW1.name == "dW1")
        #expect(dW1.verdict == .wrong)
        let diagnosis = try #require(dW1.diagnosis)
        #expect(diagnosis.contains(mistake.phrase), "diagnosis was: \(diagnosis)")
        #expect(dW1.worst.count == 3)
        #expect(dW1.worst.map(\.absoluteDifference) == dW1.worst.map(\.absoluteDifference).sorted(by: >))
        // The untouched tensors stay right and undiagnosed.
        for tensor in report.tensors.dropFirst() {
            #expect(tensor.relativeDifference < 1e-7, "\(tensor.name)")
            #expect(tensor.diagnosis == nil, "\(tensor.name)")
        }
    }

    @Test("An all-zero analytic dW1 is diagnosed as zero; a stray factor 2 as a constant factor")
    func zeroAndConstantFactor() throws {
        let architecture = Architecture(sizes: [3, 5, 2], hidden: .tanh, pair: .sigmoidBCE)
        let network: Network<Double> = try architecture.network(seed: 5)
        let data: Dataset<Double> = architecture.data(examples: 13, seed: 6)
        var analytic = try network.gradients(data.X, data.Y).parameterGradients
        analytic[0].dW = Matrix(shape: analytic[0].dW.shape)
        analytic[1].db *= 2
        let report = try GradientCheck.compare(analytic: named(analytic), network: network, X: data.X, Y: data.Y)
        #expect(report.tensors[0].diagnosis == "analytic gradient is zero")
        // "analytic = 2.0000000… × numeric (a constant factor)"
        let factor = try #require(report.tensors[3].diagnosis)
        #expect(factor.contains("constant factor"), "\(factor)")
        let c = factor.split(separator: " ").compactMap { Double($0) }.first
        #expect(abs((c ?? 0) - 2) <= 1e-6, "\(factor)")
    }

    @Test("A transposed square dW2 is diagnosed as transposed")
    func transposedGradientIsDiagnosed() throws {
        let architecture = Architecture(sizes: [3, 4, 4, 2], hidden: .tanh, pair: .softmaxCE)
        let network: Network<Double> = try architecture.network(seed: 9)
        let data: Dataset<Double> = architecture.data(examples: 7, seed: 10)
        var analytic = try network.gradients(data.X, data.Y).parameterGradients
        analytic[1].dW = analytic[1].dW.transposed()

        let report = try GradientCheck.compare(analytic: named(analytic), network: network, X: data.X, Y: data.Y)
        let dW2 = report.tensors[2]
        #expect(dW2.name == "dW2")
        #expect(dW2.verdict == .wrong)
        #expect(dW2.diagnosis == "transposed")
    }

    @Test("The worst entries point at the wrong element by (row, column)")
    func worstEntryLocatesTheError() throws {
        let architecture = Architecture(sizes: [3, 5, 2], hidden: .relu, pair: .softmaxCE)
        let network: Network<Double> = try architecture.network(seed: 11)
        let data: Dataset<Double> = architecture.data(examples: 13, seed: 12)
        var analytic = try network.gradients(data.X, data.Y).parameterGradients
        analytic[1].dW[1, 4] += 0.5

        let report = try GradientCheck.compare(analytic: named(analytic), network: network, X: data.X, Y: data.Y)
        let dW2 = report.tensors[2]
        #expect(dW2.verdict == .wrong)
        let worst = try #require(dW2.worst.first)
        #expect((worst.row, worst.column) == (1, 4))
        #expect(abs(worst.absoluteDifference - 0.5) < 1e-8)
        #expect(report.tensors[0].verdict == .correct)
    }

    @Test("A Float network's check passes below 1e-7 (it is converted to Double)")
    func floatNetworkPasses() throws {
        for architecture in Architecture.several {
            let network: Network<Float> = try architecture.network(seed: 21)
            let data: Dataset<Float> = architecture.data(examples: 13, seed: 22)
            for convention in Convention.allCases {
                let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, convention: convention)
                #expect(report.overall < 1e-7, "\(architecture.testDescription) \(convention): \(report.overall)")
            }
        }
    }

    @Test("The verdict thresholds follow the course: < 1e-7 correct, > 1e-3 wrong, NaN wrong")
    func verdictThresholds() {
        typealias Verdict = GradientCheckReport.Verdict
        #expect(Verdict(relativeDifference: 0) == .correct)
        #expect(Verdict(relativeDifference: 9.9e-8) == .correct)
        #expect(Verdict(relativeDifference: 1e-5) == .suspicious)
        #expect(Verdict(relativeDifference: 1.1e-3) == .wrong)
        #expect(Verdict(relativeDifference: .nan) == .wrong)
    }

    @Test("compare rejects gradients for the wrong number of layers or of the wrong shape")
    func compareRejectsBadInput() throws {
        let architecture = Architecture(sizes: [3, 5, 2], hidden: .tanh, pair: .sigmoidBCE)
        let network: Network<Double> = try architecture.network(seed: 1)
        let data: Dataset<Double> = architecture.data(examples: 7, seed: 2)
        let analytic = try network.gradients(data.X, data.Y).parameterGradients

        let short = #expect(throws: BackpropError.self) {
            try GradientCheck.compare(analytic: named(Array(analytic.prefix(1))), network: network, X: data.X, Y: data.Y)
        }
        #expect(short?.isInvalidArgument == true)

        var transposed = analytic
        transposed[0].dW = transposed[0].dW.transposed()
        let error = #expect(throws: BackpropError.self) {
            try GradientCheck.compare(analytic: named(transposed), network: network, X: data.X, Y: data.Y)
        }
        #expect(error?.mismatchedShapes?.left == Shape(3, 5))
        #expect(error?.mismatchedShapes?.right == Shape(5, 3))
    }
}
