import Foundation
import Testing
@testable import Backprop

/// The vectorised `exp`, `tanh` and logistic kernels against glibc, ulp by ulp.
struct VectorMathTests {
    // MARK: Helpers

    /// Steps between `a` and `b` along the line of representable values (0 when equal, both NaN
    /// or both zero; `Int.max` when only one is NaN).
    static func ulpDistance<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Int
    where T.RawSignificand: FixedWidthInteger {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .max }
        if a == b { return 0 }
        // Signed position: ±(count of finite magnitudes below |x|).
        func position(_ x: T) -> Int {
            let magnitude = Int(x.exponentBitPattern) << T.significandBitCount | Int(x.significandBitPattern)
            return x.sign == .minus ? -magnitude : magnitude
        }
        return abs(position(a) - position(b))
    }

    /// `function` of every value through the buffer kernel.
    static func kernel<T: BackpropScalar>(_ function: VectorMath.Function, _ values: [T]) -> [T] {
        var result = [T](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { VectorMath.apply(function, source, into: $0) }
        }
        return result
    }

    /// The largest ulp distance between the kernel and `reference`, and the worst input.
    static func maxULP<T: BackpropScalar>(
        _ function: VectorMath.Function, _ values: [T], reference: (T) -> T
    ) -> (ulp: Int, at: T) {
        let ours = kernel(function, values)
        var worst = (ulp: 0, at: T.zero)
        for (x, y) in zip(values, ours) {
            let d = ulpDistance(y, reference(x))
            if d > worst.ulp { worst = (d, x) }
        }
        return worst
    }

    /// `count` evenly spaced values over `range`, computed in `Double`.
    static func sweep<T: BackpropScalar>(_ range: ClosedRange<Double>, count: Int) -> [T] {
        (0..<count).map { T(range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / Double(count - 1)) }
    }

    /// Magnitudes spread logarithmically from `low` to `high`, both signs.
    static func logarithmicSweep<T: BackpropScalar>(from low: Double, to high: Double, count: Int) -> [T] {
        let (a, b) = (Foundation.log(low), Foundation.log(high))
        let magnitudes = (0..<count).map { T(Foundation.exp(a + (b - a) * Double($0) / Double(count - 1))) }
        return magnitudes + magnitudes.map { -$0 }
    }

    /// Subnormals, the smallest normal, zeros and a few values on either side of them.
    static func tinyValues<T: BackpropScalar>(_: T.Type) -> [T] {
        var values: [T] = [0, -0.0, T.leastNonzeroMagnitude, T.leastNormalMagnitude, T.leastNormalMagnitude.nextDown]
        var x = T.leastNonzeroMagnitude
        while x < T.leastNormalMagnitude * 4 {
            values.append(x)
            x *= 3
        }
        return values + values.map { -$0 }
    }

    // MARK: exp

    @Test("Double exp is within 2 ulp of glibc from underflow to overflow")
    func doubleExp() {
        var values: [Double] = Self.sweep(-750...710, count: 200_000)
        values += Self.sweep(-1...1, count: 20_000)
        values += Self.logarithmicSweep(from: 1e-300, to: 1, count: 2_000) + Self.tinyValues(Double.self)
        values += Self.sweep(-745.2 ... -707, count: 10_000) + Self.sweep(708...709.8, count: 10_000)
        let worst = Self.maxULP(.exp, values) { Foundation.exp($0) }
        #expect(worst.ulp <= 2, "exp(\(worst.at)) is \(worst.ulp) ulp from glibc")
    }

    @Test("Float exp is within 2 ulp of glibc from underflow to overflow")
    func floatExp() {
        var values: [Float] = Self.sweep(-110...95, count: 200_000)
        values += Self.sweep(-1...1, count: 20_000)
        values += Self.logarithmicSweep(from: 1e-38, to: 1, count: 2_000) + Self.tinyValues(Float.self)
        values += Self.sweep(-104 ... -85, count: 10_000) + Self.sweep(85...88.8, count: 10_000)
        var random = SeededGenerator(seed: 11)
        values += (0..<20_000).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random)) }
        let worst = Self.maxULP(.exp, values) { Foundation.exp($0) }
        #expect(worst.ulp <= 2, "expf(\(worst.at)) is \(worst.ulp) ulp from glibc")
    }

    @Test("exp specials: NaN, ±∞, overflow to +∞, underflow to 0")
    func expSpecials() {
        let doubles: [Double] = [.nan, .infinity, -.infinity, 709.78, 709.79, 710, 1e300, .greatestFiniteMagnitude,
                                 -745.1, -745.2, -746, -1e300, -.greatestFiniteMagnitude, 0, -0.0]
        let d = Self.kernel(.exp, doubles)
        #expect(d[0].isNaN)
        #expect(d[1] == .infinity && d[2] == 0)
        #expect(d[3].isFinite && d[4] == .infinity && d[5] == .infinity && d[6] == .infinity && d[7] == .infinity)
        #expect(d[8] == Double.leastNonzeroMagnitude && d[9] == 0 && d[10] == 0 && d[11] == 0 && d[12] == 0)
        #expect(d[13] == 1 && d[14] == 1)
        let floats: [Float] = [.nan, .infinity, -.infinity, 88.72, 88.73, 1e30, -103.97, -104, -1e30, 0]
        let f = Self.kernel(.exp, floats)
        #expect(f[0].isNaN)
        #expect(f[1] == .infinity && f[2] == 0)
        #expect(f[3].isFinite && f[4] == .infinity && f[5] == .infinity)
        #expect(f[6] == Float.leastNonzeroMagnitude && f[7] == 0 && f[8] == 0)
        #expect(f[9] == 1)
    }

    // MARK: tanh

    @Test("Double tanh is within 2 ulp of glibc, densest near 0")
    func doubleTanh() {
        var values: [Double] = Self.sweep(-20...20, count: 200_000)
        values += Self.sweep(-1...1, count: 100_000) + Self.sweep(-0.6 ... -0.5, count: 10_000) + Self.sweep(0.5...0.6, count: 10_000)
        values += Self.logarithmicSweep(from: 1e-300, to: 1, count: 20_000) + Self.tinyValues(Double.self)
        let worst = Self.maxULP(.tanh, values) { Foundation.tanh($0) }
        #expect(worst.ulp <= 2, "tanh(\(worst.at)) is \(worst.ulp) ulp from glibc")
    }

    @Test("Float tanh is within 2 ulp of glibc, densest near 0")
    func floatTanh() {
        var values: [Float] = Self.sweep(-20...20, count: 200_000)
        values += Self.sweep(-1...1, count: 100_000) + Self.sweep(-0.6 ... -0.5, count: 10_000) + Self.sweep(0.5...0.6, count: 10_000)
        values += Self.logarithmicSweep(from: 1e-38, to: 1, count: 20_000) + Self.tinyValues(Float.self)
        var random = SeededGenerator(seed: 12)
        values += (0..<20_000).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &random)) }
        let worst = Self.maxULP(.tanh, values) { Foundation.tanh($0) }
        #expect(worst.ulp <= 2, "tanhf(\(worst.at)) is \(worst.ulp) ulp from glibc")
    }

    @Test("tanh around its clamp (|x| to 20 in Double, 10 in Float): within 2 ulp of glibc, and exactly ±1 from the clamp on")
    func tanhAroundTheClamp() {
        let d: [Double] = Self.sweep(18...22, count: 40_000) + Self.sweep(-22 ... -18, count: 40_000) + Self.sweep(22...60, count: 4_000)
        let worstD = Self.maxULP(.tanh, d) { Foundation.tanh($0) }
        #expect(worstD.ulp <= 2, "tanh(\(worstD.at)) is \(worstD.ulp) ulp from glibc")
        let atOrAboveD = d.filter { abs($0) >= 20 }
        #expect(zip(Self.kernel(.tanh, atOrAboveD), atOrAboveD).allSatisfy { $0 == ($1 > 0 ? 1 : -1) })
        let f: [Float] = Self.sweep(8...12, count: 40_000) + Self.sweep(-12 ... -8, count: 40_000) + Self.sweep(12...60, count: 4_000)
        let worstF = Self.maxULP(.tanh, f) { Foundation.tanh($0) }
        #expect(worstF.ulp <= 2, "tanhf(\(worstF.at)) is \(worstF.ulp) ulp from glibc")
        let atOrAboveF = f.filter { abs($0) >= 10 }
        #expect(zip(Self.kernel(.tanh, atOrAboveF), atOrAboveF).allSatisfy { $0 == ($1 > 0 ? 1 : -1) })
    }

    @Test("tanh specials: ±0 keep their sign, ±∞ → ±1, NaN → NaN, subnormals unchanged")
    func tanhSpecials() {
        let tiny = Double.leastNonzeroMagnitude
        let d = Self.kernel(.tanh, [0.0, -0.0, .infinity, -.infinity, .nan, 1e300, -1e300, tiny, -tiny, 25, -25])
        #expect(d[0] == 0 && d[0].sign == .plus && d[1] == 0 && d[1].sign == .minus)
        #expect(d[2] == 1 && d[3] == -1 && d[4].isNaN && d[5] == 1 && d[6] == -1)
        #expect(d[7] == tiny && d[8] == -tiny && d[9] == 1 && d[10] == -1)
        let f = Self.kernel(.tanh, [Float(0), -0.0, .infinity, -.infinity, .nan, 1e30, -1e30, .leastNonzeroMagnitude, 10, -10])
        #expect(f[0] == 0 && f[0].sign == .plus && f[1] == 0 && f[1].sign == .minus)
        #expect(f[2] == 1 && f[3] == -1 && f[4].isNaN && f[5] == 1 && f[6] == -1)
        #expect(f[7] == .leastNonzeroMagnitude && f[8] == 1 && f[9] == -1)
    }

    // MARK: sigmoid

    /// The logistic function in libm, the way `Activation.sigmoid` computed it before.
    static func libmSigmoid<T: BackpropScalar>(_ z: T) -> T {
        if z >= 0 { return 1 / (1 + T.exp(-z)) }
        let e = T.exp(z)
        return e / (1 + e)
    }

    @Test("sigmoid is within 2 ulp of a wider-precision reference")
    func sigmoidAccuracy() {
        let doubles: [Double] = Self.sweep(-800...800, count: 100_000) + Self.sweep(-40...40, count: 100_000)
        #if arch(x86_64) && !os(Windows)
        let worstDouble = Self.maxULP(.sigmoid, doubles) { z in
            let x = Float80(z)
            return Double(1 / (1 + Float80.exp(-x)))
        }
        #expect(worstDouble.ulp <= 2, "σ(\(worstDouble.at)) is \(worstDouble.ulp) ulp from the Float80 value")
        #else
        // Without Float80 the reference is the libm formula, which itself rounds three times.
        let worstDouble = Self.maxULP(.sigmoid, doubles) { Self.libmSigmoid($0) }
        #expect(worstDouble.ulp <= 3, "σ(\(worstDouble.at)) is \(worstDouble.ulp) ulp from the libm formula")
        #endif
        let floats: [Float] = Self.sweep(-110...110, count: 100_000) + Self.sweep(-20...20, count: 100_000)
        let worstFloat = Self.maxULP(.sigmoid, floats) { Float(Self.libmSigmoid(Double($0))) }
        #expect(worstFloat.ulp <= 2, "σ(\(worstFloat.at)) is \(worstFloat.ulp) ulp from the Double value")
    }

    @Test("sigmoid limits: σ(±∞) = 1/0, σ(NaN) = NaN, no overflow for large |z|")
    func sigmoidSpecials() {
        let d = Self.kernel(.sigmoid, [Double.infinity, -.infinity, .nan, 1000, -1000, 0, -0.0, 800, -800])
        #expect(d[0] == 1 && d[1] == 0 && d[2].isNaN && d[3] == 1 && d[4] == 0)
        #expect(d[5] == 0.5 && d[6] == 0.5 && d[7] == 1 && d[8] == 0)
        let f = Self.kernel(.sigmoid, [Float.infinity, -.infinity, .nan, 1000, -1000, 0, 100, -120])
        #expect(f[0] == 1 && f[1] == 0 && f[2].isNaN && f[3] == 1 && f[4] == 0 && f[5] == 0.5 && f[6] == 1 && f[7] == 0)
        #expect(Activation.sigmoid(Double.infinity) == 1 && Activation.sigmoid(-Double.infinity) == 0)
        #expect(Activation.sigmoid(Float(-1000)) == 0 && Activation.sigmoid(Float(1000)) == 1)
    }

    // MARK: Position independence

    static func mixedValues<T: BackpropScalar>(_: T.Type, count: Int) -> [T] {
        var random = SeededGenerator(seed: UInt64(count))
        let specials: [T] = [.nan, .infinity, -.infinity, 0, -0.0, T.leastNonzeroMagnitude, 0.3, -0.54, 0.56, 30]
        return (0..<count).map { i in
            i % 5 == 4 ? specials[(i / 5) % specials.count] : T(Double.random(in: -12...12, using: &random))
        }
    }

    /// Equal bit for bit (any NaN matches any NaN).
    static func sameBits<T: BackpropScalar>(_ a: T, _ b: T) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        return a.sign == b.sign && a.exponentBitPattern == b.exponentBitPattern
            && a.significandBitPattern == b.significandBitPattern
    }

    static func checkTails<T: BackpropScalar>(_: T.Type) {
        for function in [VectorMath.Function.exp, .tanh, .sigmoid] {
            for length in 0...33 {
                let values = Self.mixedValues(T.self, count: length)
                let buffered = Self.kernel(function, values)
                var inPlace = values
                inPlace.withUnsafeMutableBufferPointer { VectorMath.apply(function, inPlace: $0) }
                for i in 0..<length {
                    let single = VectorMath.apply(function, values[i])
                    #expect(Self.sameBits(buffered[i], single), "\(function) of \(values[i]) at \(i) of \(length)")
                    #expect(Self.sameBits(inPlace[i], single), "\(function) of \(values[i]) in place")
                }
            }
        }
    }

    @Test("A value gives the same bits in a vector lane, in the tail and alone (lengths 0…33)")
    func tails() {
        Self.checkTails(Double.self)
        Self.checkTails(Float.self)
    }

    @Test("Activation.forward and the scalar Activation.sigmoid agree bit for bit")
    func activationAgrees() {
        let Z = Matrix<Float>(rows: 3, columns: 7, rowMajor: (0..<21).map { Float($0) * 0.37 - 4 })
        let A = Activation.sigmoid.forward(Z)
        var inPlace = Z
        Activation.sigmoid.forward(inPlace: &inPlace)
        for i in 0..<3 {
            for j in 0..<7 {
                #expect(A[i, j] == Activation.sigmoid(Z[i, j]) && inPlace[i, j] == A[i, j])
                #expect(Activation.sigmoid.value(Z[i, j]) == A[i, j])
            }
        }
        let T = Activation.tanh.forward(Z)
        for i in 0..<3 {
            for j in 0..<7 { #expect(T[i, j] == VectorMath.apply(.tanh, Z[i, j])) }
        }
    }

    // MARK: Loss sums

    @Test("Vectorised cross-entropy sums match the libm terms", arguments: [1, 3, 4, 7, 64, 101])
    func lossSums(count: Int) {
        var random = SeededGenerator(seed: UInt64(count))
        let z = (0..<count).map { _ in Double.random(in: -40...40, using: &random) } + [800, -800]
        let y = (0..<count + 2).map { _ in Double.random(in: 0...1, using: &random) }
        var expected = 0.0
        for (zi, yi) in zip(z, y) { expected += max(zi, 0) - zi * yi + Foundation.log1p(Foundation.exp(-abs(zi))) }
        let bce = z.withUnsafeBufferPointer { zb in
            y.withUnsafeBufferPointer { VectorMath.binaryCrossEntropySum(logits: zb, labels: $0) }
        }
        #expect(abs(bce - expected) <= 1e-14 * expected)
        let zf = z.map(Float.init), yf = y.map(Float.init)
        var expectedFloat = 0.0
        for (zi, yi) in zip(zf, yf) {
            let (zd, yd) = (Double(zi), Double(yi))
            expectedFloat += max(zd, 0) - zd * yd + Foundation.log1p(Foundation.exp(-abs(zd)))
        }
        let bceFloat = zf.withUnsafeBufferPointer { zb in
            yf.withUnsafeBufferPointer { VectorMath.binaryCrossEntropySum(logits: zb, labels: $0) }
        }
        #expect(abs(bceFloat - expectedFloat) <= 1e-14 * expectedFloat)

        let largest = z.max()! - 30
        let sum = z.withUnsafeBufferPointer { VectorMath.sumOfExponentials($0, minus: largest) }
        let expectedSum = z.reduce(0.0) { $0 + Foundation.exp($1 - largest) }
        #expect(abs(sum - expectedSum) <= 1e-14 * expectedSum)
    }

    @Test("log1p on [0, 1] is within 2 ulp of glibc")
    func log1pUnit() {
        let values: [Double] = Self.sweep(0...1, count: 100_000) + Self.logarithmicSweep(from: 1e-300, to: 1, count: 5_000).filter { $0 > 0 }
        var worst = (ulp: 0, at: 0.0)
        var i = 0
        while i < values.count {
            var v = SIMD4<Double>(repeating: 0)
            for lane in 0..<min(4, values.count - i) { v[lane] = values[i + lane] }
            let r = VectorMath.log1pUnit(v)
            for lane in 0..<min(4, values.count - i) {
                let d = Self.ulpDistance(r[lane], Foundation.log1p(values[i + lane]))
                if d > worst.ulp { worst = (d, values[i + lane]) }
            }
            i += 4
        }
        #expect(worst.ulp <= 2, "log1p(\(worst.at)) is \(worst.ulp) ulp from glibc")
    }
}
