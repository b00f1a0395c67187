import Testing
@testable import Backprop

/// The optimizer finalizing each gradient as it reads it (``GradientFinalization``) against a
/// separate `finalize` pass followed by the update: the same bits, for every rule.
struct FusedFinalizationTests {
    static let algorithms: [OptimizerAlgorithm] = [
        .gradientDescent, .momentum(beta: 0.9), .rmsProp(beta: 0.9, epsilon: 1e-8),
        .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01),
    ]

    /// Three updates both ways from the same start; returns whether every parameter and every
    /// optimizer state has the same bits.
    static func agree<Scalar: BackpropScalar>(
        _: Scalar.Type, _ algorithm: OptimizerAlgorithm, convention: Convention, l2: Double, batchNorm: Bool
    ) throws -> Bool {
        var fused = try Network<Scalar>(sizes: [5, 7, 3], hidden: .relu, output: .softmax, seed: 3, batchNorm: batchNorm)
        var separate = fused
        var optimizerA = Optimizer<Scalar>(algorithm), optimizerB = Optimizer<Scalar>(algorithm)
        var random = SeededGenerator(seed: 9)
        for step in 0..<3 {
            var sums = Gradients(zerosLike: fused.parameters)
            for i in 0..<sums.slab.count { sums.slab[i] = Scalar(Double.random(in: -40...40, using: &random)) }
            let M = 37 + step
            var final = sums
            final.finalize(examples: M, convention: convention, l2: l2, parameters: separate.parameters)
            optimizerB.update(&separate, gradients: final, learningRate: 0.03, threads: 1)
            let before = sums
            optimizerA.update(&fused, gradients: sums, learningRate: 0.03, threads: 1,
                              finalizing: GradientFinalization(examples: M, convention: convention, l2: l2))
            guard sums == before else { return false }
        }
        let bits = { (n: Network<Scalar>) in n.parameters.slab.map { $0.bitPatternDescription } }
        let state = { (o: Optimizer<Scalar>) in (o.velocity + o.squares).map { $0.bitPatternDescription } }
        return bits(fused) == bits(separate) && state(optimizerA) == state(optimizerB) && optimizerA.step == optimizerB.step
    }

    @Test("Fused and separate finalization give the same bits: every optimizer, both conventions, with and without L2 and batch norm",
          arguments: algorithms)
    func sameBits(algorithm: OptimizerAlgorithm) throws {
        for convention in Convention.allCases {
            for l2 in [0, 0.7] {
                for batchNorm in [false, true] {
                    #expect(try Self.agree(Double.self, algorithm, convention: convention, l2: l2, batchNorm: batchNorm),
                            "\(algorithm) \(convention) λ=\(l2) batchNorm=\(batchNorm), Double")
                    #expect(try Self.agree(Float.self, algorithm, convention: convention, l2: l2, batchNorm: batchNorm),
                            "\(algorithm) \(convention) λ=\(l2) batchNorm=\(batchNorm), Float")
                }
            }
        }
    }

    @Test("The finalization is the convention's factor and λ/M")
    func factors() {
        let deferred = GradientFinalization<Double>(examples: 8, convention: .deferred, l2: 0.4)
        #expect(deferred.scale == 0.125 && deferred.decay == 0.05)
        let absorbed = GradientFinalization<Float>(examples: 8, convention: .absorbed, l2: 0)
        #expect(absorbed.scale == 1 && absorbed.decay == 0)
    }
}

private extension BinaryFloatingPoint {
    /// The value's bits, as text (NaNs included, unlike `==`).
    var bitPatternDescription: String { "\(sign) \(exponentBitPattern) \(significandBitPattern)" }
}
