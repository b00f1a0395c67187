import Foundation
import Testing
@testable import Backprop

/// The seeded generator behind every initialiser and shuffle: pinned, reproducible output.
///
/// The pinned values were computed with this independent Python implementation of the
/// algorithm documented in `Random/SeededGenerator.swift`:
///
/// ```python
/// M = (1 << 64) - 1
/// def splitmix(seed):
///     x = seed
///     while True:
///         x = (x + 0x9E3779B97F4A7C15) & M
///         z = x
///         z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
///         z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
///         yield z ^ (z >> 31)
/// def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
/// def xoshiro(seed):
///     g = splitmix(seed); s = [next(g) for _ in range(4)]
///     while True:
///         r = (rotl((s[1] * 5) & M, 7) * 9) & M
///         t = (s[1] << 17) & M
///         s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
///         yield r
/// g = xoshiro(42); print([hex(next(g)) for _ in range(3)])
/// # ['0x15780b2e0c2ec716', '0x6104d9866d113a7e', '0xae17533239e499a1']
/// g = xoshiro(42); print([(next(g) >> 11) * 2.0**-53 for _ in range(3)])
/// # [0.08386297105988216, 0.3789802506626686, 0.6800434110281394]
/// ```
struct RandomTests {
    @Test("Seed 42's first three outputs are pinned (SplitMix64-seeded xoshiro256**)")
    func pinnedOutputs() {
        var generator = SeededGenerator(seed: 42)
        #expect(generator.next() == 0x1578_0B2E_0C2E_C716)
        #expect(generator.next() == 0x6104_D986_6D11_3A7E)
        #expect(generator.next() == 0xAE17_5332_39E4_99A1)
    }

    @Test("Seed 42's first three uniforms are the top 53 bits × 2⁻⁵³")
    func pinnedUniforms() {
        var generator = SeededGenerator(seed: 42)
        #expect(generator.nextUniform() == 0.08386297105988216)
        #expect(generator.nextUniform() == 0.3789802506626686)
        #expect(generator.nextUniform() == 0.6800434110281394)
    }

    @Test("The same seed gives the same sequence; another seed a different one",
          arguments: [0 as UInt64, 1, 42, .max])
    func reproducible(seed: UInt64) {
        var first = SeededGenerator(seed: seed)
        var second = SeededGenerator(seed: seed)
        var other = SeededGenerator(seed: seed &+ 1)
        let a = (0..<100).map { _ in first.next() }
        let b = (0..<100).map { _ in second.next() }
        let c = (0..<100).map { _ in other.next() }
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a).count == 100)
        // Normals, uniforms and permutations are just as reproducible.
        var n1 = SeededGenerator(seed: seed), n2 = SeededGenerator(seed: seed)
        #expect((0..<11).map { _ in n1.nextNormal() } == (0..<11).map { _ in n2.nextNormal() })
        #expect(n1.permutation(20) == n2.permutation(20))
    }

    @Test("nextUniform lies in [0, 1) with mean ½")
    func uniformRange() {
        var generator = SeededGenerator(seed: 7)
        var total = 0.0
        let n = 100_000
        for _ in 0..<n {
            let u = generator.nextUniform()
            #expect(u >= 0 && u < 1)
            total += u
        }
        #expect(abs(total / Double(n) - 0.5) < 0.01)
    }

    @Test("nextNormal has mean ≈ 0 and variance ≈ 1 over 100k draws")
    func normalMoments() {
        var generator = SeededGenerator(seed: 2024)
        let n = 100_000
        var (sum, squares) = (0.0, 0.0)
        for _ in 0..<n {
            let x = generator.nextNormal()
            #expect(x.isFinite)
            sum += x
            squares += x * x
        }
        let mean = sum / Double(n)
        let variance = squares / Double(n) - mean * mean
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test("nextBelow stays in range and covers it; nextBelow(1) is 0")
    func nextBelow() {
        var generator = SeededGenerator(seed: 3)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let k = generator.nextBelow(10)
            #expect((0..<10).contains(k))
            seen.insert(k)
        }
        #expect(seen.count == 10)
        #expect(generator.nextBelow(1) == 0)
    }

    @Test("permutation(n) is a permutation of 0..<n", arguments: [0, 1, 2, 10, 1000])
    func permutation(count: Int) {
        var generator = SeededGenerator(seed: 99)
        let p = generator.permutation(count)
        #expect(p.count == count)
        #expect(p.sorted() == Array(0..<count))
        if count >= 10 { #expect(p != Array(0..<count), "a shuffle of \(count) moves something") }
    }

    @Test("deterministicLog matches Foundation's log to 1e-15 relative")
    func deterministicLogAccuracy() {
        var values: [Double] = [
            1e-300, 1e-100, 1e-10, 0.001, 0.1, 0.25, 0.5, 0.70710678, 0.7071067811865476, 0.75,
            0.9, 0.999999, 1 - 1e-12, 1 + 1e-12, 1.000001, 1.1, 1.4142135623730951, 1.5, 2, 2.718281828459045,
            3, 10, 1000, 123456.789, 1e10, 1e100, 1e300, .leastNormalMagnitude, .greatestFiniteMagnitude,
        ]
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<2000 { values.append(exp(generator.nextUniform() * 200 - 100)) }
        for _ in 0..<2000 { values.append(generator.nextUniform() + 0.5) }
        for x in values {
            let expected = log(x)
            let relative = expected == 0 ? abs(deterministicLog(x)) : abs(deterministicLog(x) - expected) / abs(expected)
            #expect(relative <= 1e-15, "x = \(x): \(deterministicLog(x)) vs \(expected)")
        }
        #expect(deterministicLog(1) == 0)
        #expect(deterministicLog(0.5) == -0.6931471805599453)
    }

    @Test("Network(sizes:…seed:) gives identical weights for one seed and different for another")
    func seededNetworks() throws {
        let a = try Network<Double>(sizes: [4, 8, 3], hidden: .relu, output: .softmax, seed: 17)
        let b = try Network<Double>(sizes: [4, 8, 3], hidden: .relu, output: .softmax, seed: 17)
        let c = try Network<Double>(sizes: [4, 8, 3], hidden: .relu, output: .softmax, seed: 18)
        #expect(a == b)
        #expect(a != c)
        #expect(a.layer(1).W != c.layer(1).W)
        #expect(a.denseLayers.allSatisfy { $0.b.maxAbs() == 0 }, "biases start at zero")
        // Float weights are the same draws, rounded.
        let f = try Network<Float>(sizes: [4, 8, 3], hidden: .relu, output: .softmax, seed: 17)
        #expect(f.layer(2).W == a.layer(2).W.converted(to: Float.self))
    }

    @Test("Weights are drawn row by row, layer by layer, from one generator")
    func drawOrder() throws {
        let network = try Network<Double>(sizes: [3, 2, 2], hidden: .relu, output: .sigmoid, initializer: .scaledNormal(scale: 1), seed: 8)
        var generator = SeededGenerator(seed: 8)
        let draws = (0..<10).map { _ in generator.nextNormal() }
        #expect(network.layer(1).W.rowMajorElements == Array(draws[0..<6]))
        #expect(network.layer(2).W.rowMajorElements == Array(draws[6..<10]))
    }

    @Test("He's empirical std over a 256×512 layer is √(2/512) within 3%")
    func heStandardDeviation() {
        var generator = SeededGenerator(seed: 12)
        let W: Matrix<Double> = Initializer.he.weights(fanIn: 512, fanOut: 256, using: &generator)
        #expect(W.shape == Shape(256, 512))
        let mean = W.mean()
        let std = ((W - mean).squaredNorm() / Double(W.count)).squareRoot()
        let expected = (2.0 / 512).squareRoot()
        #expect(abs(std - expected) <= 0.03 * expected, "std \(std) vs \(expected)")
        #expect(abs(mean) < 0.01 * expected * 10)
    }

    @Test("The initialisers' standard deviations follow their formulas")
    func initializerFormulas() {
        #expect(Initializer.he.standardDeviation(fanIn: 8, fanOut: 3) == 0.5)
        #expect(Initializer.xavier.standardDeviation(fanIn: 4, fanOut: 3) == 0.5)
        #expect(Initializer.glorot.standardDeviation(fanIn: 5, fanOut: 3) == 0.5)
        #expect(Initializer.scaledNormal(scale: 0.01).standardDeviation(fanIn: 5, fanOut: 3) == 0.01)
        var generator = SeededGenerator(seed: 1)
        let zeros: Matrix<Float> = Initializer.zeros.weights(fanIn: 3, fanOut: 2, using: &generator)
        #expect(zeros == Matrix(rows: 2, columns: 3))
        #expect(Initializer.default(for: .relu) == .he)
        #expect(Initializer.default(for: .tanh) == .xavier)
    }
}
