import Testing
@testable import Backprop

@Suite struct GeneratorTests {
    /// The number of examples whose binary label is 1.
    private func positives<T: BackpropScalar>(_ dataset: Dataset<T>) -> Int {
        dataset.Y.elements.filter { $0 == 1 }.count
    }

    @Test func moonsAreTwoBalancedHalfCircles() {
        let moons: Dataset<Double> = Generators.moons(examples: 201, noise: 0)
        #expect(moons.X.shape == Shape(2, 201) && moons.Y.shape == Shape(1, 201))
        #expect(positives(moons) == 101)
        // Without noise: the upper moon is the unit half circle, the lower one shifted.
        for j in 0..<100 { #expect(abs(moons.X[0, j] * moons.X[0, j] + moons.X[1, j] * moons.X[1, j] - 1) < 1e-12) }
        #expect(abs(moons.X[0, 100] - 0) < 1e-12 && abs(moons.X[1, 100] - 0.5) < 1e-12)
        let noisy: Dataset<Float> = Generators.moons(examples: 100, noise: 0.2, seed: 5)
        let again: Dataset<Float> = Generators.moons(examples: 100, noise: 0.2, seed: 5)
        #expect(noisy.X == again.X)
        #expect(noisy.X != Generators.moons(examples: 100, noise: 0.2, seed: 6).X)
    }

    @Test func circlesAreConcentric() {
        let circles: Dataset<Double> = Generators.circles(examples: 100, noise: 0, factor: 0.5)
        #expect(circles.X.shape == Shape(2, 100) && positives(circles) == 50)
        for j in 0..<100 {
            let r = (circles.X[0, j] * circles.X[0, j] + circles.X[1, j] * circles.X[1, j]).squareRoot()
            #expect(abs(r - (circles.Y[0, j] == 1 ? 0.5 : 1)) < 1e-12)
        }
    }

    @Test func spiralsAreOneHotAndShared() {
        let spirals: Dataset<Float> = Generators.spirals(classes: 3, examples: 100)
        #expect(spirals.X.shape == Shape(2, 100) && spirals.Y.shape == Shape(3, 100))
        let perClass = (0..<3).map { k in (0..<100).filter { spirals.Y[k, $0] == 1 }.count }
        #expect(perClass == [34, 33, 33])
        #expect((0..<100).allSatisfy { j in spirals.Y[0, j] + spirals.Y[1, j] + spirals.Y[2, j] == 1 })
        #expect(spirals.X.elements.allSatisfy { abs($0) <= 1 })  // radius at most 1
    }

    @Test func xorLabelsFollowTheSigns() {
        let xor: Dataset<Double> = Generators.xor(examples: 400, noise: 0.1)
        #expect(xor.X.shape == Shape(2, 400) && positives(xor) == 200)
        #expect((0..<400).allSatisfy { j in (xor.X[0, j] * xor.X[1, j] < 0) == (xor.Y[0, j] == 1) })
        let corners = Set((0..<400).map { j in [xor.X[0, j] > 0, xor.X[1, j] > 0] })
        #expect(corners.count == 4)
    }
}
