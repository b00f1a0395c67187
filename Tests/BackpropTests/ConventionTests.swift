import Testing
@testable import Backprop

/// The two places for 1/m (GUIDE §2): deferred (`dZ[L] = A − Y`, each dW, db takes 1/m) and
/// absorbed (`dZ[L] = (A − Y)/m`, carried down through every dZ and dA).
struct ConventionTests {
    /// Forward once, backward under both conventions.
    static func ledgers<T: BackpropScalar>(
        _ architecture: Architecture, _: T.Type, examples m: Int, seed: UInt64, l2: Double = 0
    ) throws -> (network: Network<T>, deferred: Ledger<T>, absorbed: Ledger<T>, Y: Matrix<T>) {
        let network: Network<T> = try architecture.network(seed: seed)
        let data: Dataset<T> = architecture.data(examples: m, seed: seed + 1)
        let cache = try network.forward(data.X)
        let deferred = try network.backward(cache, Y: data.Y, convention: .deferred, l2: l2)
        let absorbed = try network.backward(cache, Y: data.Y, convention: .absorbed, l2: l2)
        return (network, deferred, absorbed, data.Y)
    }

    /// The shared assertions; `parameterTolerance` bounds dW and db, `carryTolerance` bounds
    /// `dA`, `dZ` (deferred) against m × (absorbed).
    static func checkConventions<T: BackpropScalar>(
        _ architecture: Architecture, _ type: T.Type, examples m: Int,
        parameterTolerance: Double, carryTolerance: Double
    ) throws {
        let (network, deferred, absorbed, Y) = try ledgers(architecture, T.self, examples: m, seed: 3)
        let L = network.depth
        #expect(deferred.convention == .deferred && absorbed.convention == .absorbed)
        #expect(deferred.normalizer == m && absorbed.normalizer == m)
        // Costs are computed from the same forward pass by the same code: equal, not close.
        #expect(deferred.cost == absorbed.cost)
        #expect(deferred.summedLoss == absorbed.summedLoss)

        for l in 1...L {
            let (d, a) = (deferred[layer: l], absorbed[layer: l])
            #expect(d.layer == l && a.layer == l)
            #expect(d.Z == a.Z && d.A == a.A)
            #expect(relativeDifference(d.dW, a.dW) <= parameterTolerance, "dW\(l)")
            #expect(relativeDifference(d.db, a.db) <= parameterTolerance, "db\(l)")
            // dZ and dA: deferred carries m × what absorbed carries.
            #expect(relativeDifference(d.dZ, T(m) * a.dZ) <= carryTolerance, "dZ\(l)")
            #expect(relativeDifference(d.dAPrevious, T(m) * a.dAPrevious) <= carryTolerance, "dA\(l - 1)")
            // … and the factor is really there (not equal by accident).
            #expect(d.dAPrevious.maxAbs() > 2 * a.dAPrevious.maxAbs(), "dA\(l - 1)")
        }
        // Absorbed computes dZ[L] as (A − Y)/m, so deferred dZ[L] / m is the same bits.
        #expect(bitwiseEqual(deferred[layer: L].dZ / T(m), absorbed[layer: L].dZ))
        // … which is A − Y for the fused cross-entropies, (A − Y) ⊙ g′(Z) for MSE.
        let output = deferred[layer: L]
        let expected = architecture.pair.loss == .meanSquaredError
            ? network.outputActivation.backward(output.A - Y, Z: output.Z, A: output.A)
            : output.A - Y
        #expect(bitwiseEqual(output.dZ, expected))
    }

    @Test("Deferred and absorbed agree on dW, db, cost in Double (≤ 1e-14), differ by m in dZ, dA",
          arguments: Architecture.several.filter { $0.pair.loss != .meanSquaredError })
    func conventionsAgreeDouble(architecture: Architecture) throws {
        try Self.checkConventions(architecture, Double.self, examples: 13, parameterTolerance: 1e-14, carryTolerance: 1e-14)
    }

    @Test("Deferred and absorbed agree for MSE outputs too (dZ[L] = (A − Y) ⊙ g′)",
          arguments: Architecture.several.filter { $0.pair.loss == .meanSquaredError })
    func conventionsAgreeMSE(architecture: Architecture) throws {
        try Self.checkConventions(architecture, Double.self, examples: 13, parameterTolerance: 1e-14, carryTolerance: 1e-14)
    }

    @Test("Deferred and absorbed agree in Float (≤ 1e-6)", arguments: Architecture.several)
    func conventionsAgreeFloat(architecture: Architecture) throws {
        try Self.checkConventions(architecture, Float.self, examples: 13, parameterTolerance: 1e-6, carryTolerance: 1e-6)
    }

    @Test("With m a power of two (32) the conventions are bitwise identical in dW, db and exactly m apart in dZ, dA",
          arguments: Architecture.several)
    func powerOfTwoIsBitwise(architecture: Architecture) throws {
        // Dividing by 32 only changes the exponent, so every product and sum downstream of
        // (A − Y)/32 is the deferred one scaled by 2⁻⁵ exactly (no value here is near the
        // subnormal range), and the deferred path's α = 1/32 in the GEMM and scale = 1/32 in
        // the db reduction are exact as well: the same bits come out either way.
        for lambda in [0, 0.7] {
            let m = 32
            let (network, deferred, absorbed, _) = try Self.ledgers(architecture, Double.self, examples: m, seed: 8, l2: lambda)
            for l in 1...network.depth {
                let (d, a) = (deferred[layer: l], absorbed[layer: l])
                #expect(bitwiseEqual(d.dW, a.dW), "dW\(l) λ=\(lambda)")
                #expect(bitwiseEqual(d.db, a.db), "db\(l) λ=\(lambda)")
                #expect(bitwiseEqual(d.dZ, 32 * a.dZ), "dZ\(l)")
                #expect(bitwiseEqual(d.dAPrevious, 32 * a.dAPrevious), "dA\(l - 1)")
            }
            #expect(deferred.cost == absorbed.cost)
        }
    }

    @Test("Power of two in Float: also bitwise", arguments: Architecture.several)
    func powerOfTwoIsBitwiseFloat(architecture: Architecture) throws {
        let (network, deferred, absorbed, _) = try Self.ledgers(architecture, Float.self, examples: 64, seed: 8)
        for l in 1...network.depth {
            #expect(bitwiseEqual(deferred[layer: l].dW, absorbed[layer: l].dW), "dW\(l)")
            #expect(bitwiseEqual(deferred[layer: l].db, absorbed[layer: l].db), "db\(l)")
        }
    }

    @Test("normalizer: 1 gives unscaled sums (m × dW), which data-parallel ranks add",
          arguments: Architecture.several)
    func normalizerOne(architecture: Architecture) throws {
        let m = 12
        let network: Network<Double> = try architecture.network(seed: 31)
        let data: Dataset<Double> = architecture.data(examples: m, seed: 32)
        let cache = try network.forward(data.X)
        let mean = try network.backward(cache, Y: data.Y)
        let sums = try network.backward(cache, Y: data.Y, normalizer: 1)
        #expect(sums.normalizer == 1)
        #expect(sums.summedLoss == mean.summedLoss)
        #expect(abs(Double(sums.cost) - mean.summedLoss) <= 1e-15 * mean.summedLoss)
        #expect(abs(Double(mean.cost) - mean.summedLoss / Double(m)) <= 1e-15 * mean.summedLoss)
        for l in 1...network.depth {
            #expect(relativeDifference(sums[layer: l].dW, Double(m) * mean[layer: l].dW) <= 1e-14, "dW\(l)")
            #expect(relativeDifference(sums[layer: l].db, Double(m) * mean[layer: l].db) <= 1e-14, "db\(l)")
            // With m = 1 the absorbed convention divides by 1: identical to deferred.
        }
        let absorbedSums = try network.backward(cache, Y: data.Y, convention: .absorbed, normalizer: 1)
        for l in 1...network.depth {
            #expect(absorbedSums[layer: l].dW == sums[layer: l].dW)
            #expect(absorbedSums[layer: l].dZ == sums[layer: l].dZ)
        }

        // Two "ranks" with 5 and 7 examples: their unscaled sums add up to the full batch's,
        // and so do their gradients normalised by the global M.
        let ranks = [Array(0..<5), Array(5..<m)]
        var added = network.denseLayers.map { (Matrix<Double>(shape: $0.W.shape), Matrix<Double>(shape: $0.b.shape)) }
        var addedGlobal = added
        var addedLoss = 0.0
        for columns in ranks {
            let rankCache = try network.forward(data.X.columns(columns))
            let Y = data.Y.columns(columns)
            let rankSums = try network.backward(rankCache, Y: Y, normalizer: 1)
            let rankGlobal = try network.backward(rankCache, Y: Y, normalizer: m)
            #expect(rankGlobal.normalizer == m)
            addedLoss += rankSums.summedLoss
            for l in 1...network.depth {
                added[l - 1].0 += rankSums[layer: l].dW
                added[l - 1].1 += rankSums[layer: l].db
                addedGlobal[l - 1].0 += rankGlobal[layer: l].dW
                addedGlobal[l - 1].1 += rankGlobal[layer: l].db
            }
        }
        #expect(abs(addedLoss - mean.summedLoss) <= 1e-13 * mean.summedLoss)
        for l in 1...network.depth {
            #expect(relativeDifference(added[l - 1].0 / Double(m), mean[layer: l].dW) <= 1e-13, "dW\(l)")
            #expect(relativeDifference(added[l - 1].1 / Double(m), mean[layer: l].db) <= 1e-13, "db\(l)")
            #expect(relativeDifference(addedGlobal[l - 1].0, mean[layer: l].dW) <= 1e-13, "dW\(l)")
            #expect(relativeDifference(addedGlobal[l - 1].1, mean[layer: l].db) <= 1e-13, "db\(l)")
        }
    }

    @Test("With L2 passed on one rank, ranks that pass the global M add up to the full-batch gradient and cost")
    func dataParallelWithL2() throws {
        // `backward(normalizer:)` documents that data-parallel ranks pass the global batch size
        // M and add their ledgers, and that the L2 penalty, a property of the whole batch, is
        // passed on exactly one rank (here the first); otherwise R ranks would add it R times.
        let architecture = Architecture.several[0]
        let (m, lambda) = (12, 0.7)
        let network: Network<Double> = try architecture.network(seed: 51)
        let data: Dataset<Double> = architecture.data(examples: m, seed: 52)
        let full = try network.gradients(data.X, data.Y, l2: lambda)
        var added = network.denseLayers.map { Matrix<Double>(shape: $0.W.shape) }
        var addedCost = 0.0
        for columns in [Array(0..<6), Array(6..<m)] {
            let cache = try network.forward(data.X.columns(columns))
            let rank = try network.backward(
                cache, Y: data.Y.columns(columns), l2: columns.first == 0 ? lambda : 0, normalizer: m)
            addedCost += rank.cost
            for l in 1...network.depth { added[l - 1] += rank[layer: l].dW }
        }
        #expect(abs(addedCost - full.cost) <= 1e-13, "L2 penalty counted once")
        for l in 1...network.depth {
            #expect(relativeDifference(added[l - 1], full[layer: l].dW) <= 1e-13,
                    "dW\(l): (λ/M) W[\(l)] added once")
        }
    }

    @Test("normalizer: 1 scaled by 1/32 is bitwise the normal dW when m = 32")
    func normalizerOnePowerOfTwo() throws {
        let architecture = Architecture.several[1]
        let network: Network<Double> = try architecture.network(seed: 41)
        let data: Dataset<Double> = architecture.data(examples: 32, seed: 42)
        let cache = try network.forward(data.X)
        let mean = try network.backward(cache, Y: data.Y)
        let sums = try network.backward(cache, Y: data.Y, normalizer: 1)
        for l in 1...network.depth {
            #expect(bitwiseEqual(sums[layer: l].dW / 32, mean[layer: l].dW), "dW\(l)")
            #expect(bitwiseEqual(sums[layer: l].db / 32, mean[layer: l].db), "db\(l)")
        }
    }

    @Test("A normalizer of 0 or less is rejected", arguments: [0, -3])
    func badNormalizer(normalizer: Int) throws {
        let architecture = Architecture.several[0]
        let network: Network<Double> = try architecture.network(seed: 1)
        let data: Dataset<Double> = architecture.data(examples: 5, seed: 2)
        let cache = try network.forward(data.X)
        let error = #expect(throws: BackpropError.self) {
            try network.backward(cache, Y: data.Y, normalizer: normalizer)
        }
        #expect(error?.isInvalidArgument == true)
    }
}
