import BackpropKernels
import Foundation
import Testing
@testable import Backprop

/// The C kernels of `BackpropKernels`, at every instruction set this CPU has, against the Swift
/// kernels of `VectorMath` they were written from: the same bits for every input.
struct VectorMathKernelTests {
    /// The levels this machine can run (always the baseline; AVX2 and AVX-512 where present).
    static let levels = KernelInstructionSet.allCases.filter { $0.rawValue <= KernelInstructionSet.supported.rawValue }

    /// Inputs that reach every branch: both sides of tanh's 0.55 switch and of its clamp (20 in
    /// Double, 10 in Float), exp's clamps (±710, −746 in Double; 89, −104 in Float), the range where 2^k needs two factors, subnormals,
    /// signed zeros, infinities and NaN, and random values of every magnitude.
    static func inputs<T: BackpropScalar>(_: T.Type) -> [T] {
        var random = SeededGenerator(seed: 18)
        var values: [T] = [0, -0.0, .nan, -.nan, .infinity, -.infinity, T.leastNonzeroMagnitude, -T.leastNormalMagnitude,
                           0.55, T(0.55).nextDown, -0.55, 709.7, 710, 711, -745, -746, -747, 88.7, 89, 90, -103, -104, -105,
                           1e-20, -1e-300, 20, -20, T(20).nextUp, T(20).nextDown, -21, 36, 40, 41, 10, T(10).nextUp, T(10).nextDown, -11, 0.5, 1]
        for _ in 0..<3000 { values.append(T(Double.random(in: -12...12, using: &random))) }
        for _ in 0..<1000 { values.append(T(Double.random(in: -800...800, using: &random))) }
        for _ in 0..<500 {
            let magnitude = Foundation.exp(Double.random(in: -700...6, using: &random))
            values.append(T(Bool.random(using: &random) ? magnitude : -magnitude))
        }
        return values
    }

    static func sameBits<T: BackpropScalar>(_ a: T, _ b: T) -> Bool { VectorMathTests.sameBits(a, b) }

    /// One level's C kernel over `values` (in place on a copy).
    static func kernel(_ function: VectorMath.Function, _ values: [Double], level: KernelInstructionSet) -> [Double] {
        var out = [Double](repeating: 0, count: values.count)
        let l = BPKernelLevel(UInt32(level.rawValue))
        values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                switch function {
                case .exp: bp_exp_f64_at(l, x.baseAddress, y.baseAddress, x.count)
                case .tanh: bp_tanh_f64_at(l, x.baseAddress, y.baseAddress, x.count)
                case .sigmoid: bp_sigmoid_f64_at(l, x.baseAddress, y.baseAddress, x.count)
                }
            }
        }
        return out
    }

    static func kernel(_ function: VectorMath.Function, _ values: [Float], level: KernelInstructionSet) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        let l = BPKernelLevel(UInt32(level.rawValue))
        values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                switch function {
                case .exp: bp_exp_f32_at(l, x.baseAddress, y.baseAddress, x.count)
                case .tanh: bp_tanh_f32_at(l, x.baseAddress, y.baseAddress, x.count)
                case .sigmoid: bp_sigmoid_f32_at(l, x.baseAddress, y.baseAddress, x.count)
                }
            }
        }
        return out
    }

    static func reference<T: BackpropScalar>(_ function: VectorMath.Function, _ values: [T]) -> [T] {
        var out = [T](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { VectorMath.reference(function, x.baseAddress!, into: $0.baseAddress!, count: x.count) }
        }
        return out
    }

    @Test("exp, tanh and the logistic function: every level gives the Swift reference's bits (Double)",
          arguments: [VectorMath.Function.exp, .tanh, .sigmoid])
    func doubles(function: VectorMath.Function) {
        let values = Self.inputs(Double.self)
        let expected = Self.reference(function, values)
        for level in Self.levels {
            let got = Self.kernel(function, values, level: level)
            let differing = (0..<values.count).filter { !Self.sameBits(got[$0], expected[$0]) }
            #expect(differing.isEmpty, "\(function) at \(level): \(differing.count) of \(values.count) differ, first at x = \(differing.first.map { values[$0] } ?? 0)")
        }
    }

    @Test("exp, tanh and the logistic function: every level gives the Swift reference's bits (Float)",
          arguments: [VectorMath.Function.exp, .tanh, .sigmoid])
    func floats(function: VectorMath.Function) {
        let values = Self.inputs(Float.self)
        let expected = Self.reference(function, values)
        for level in Self.levels {
            let got = Self.kernel(function, values, level: level)
            let differing = (0..<values.count).filter { !Self.sameBits(got[$0], expected[$0]) }
            #expect(differing.isEmpty, "\(function) at \(level): \(differing.count) of \(values.count) differ, first at x = \(differing.first.map { values[$0] } ?? 0)")
        }
    }

    @Test("Every length from 0 to 40 and in place: each level equals the reference; the tail is padded, not read past")
    func lengths() {
        let values = Self.inputs(Double.self)
        for count in 0...40 {
            let slice = Array(values[100..<(100 + count)])
            for level in Self.levels {
                let got = Self.kernel(.tanh, slice, level: level)
                #expect(zip(got, Self.reference(.tanh, slice)).allSatisfy { Self.sameBits($0, $1) }, "length \(count) at \(level)")
                var inPlace = slice.map(Float.init)
                inPlace.withUnsafeMutableBufferPointer { bp_sigmoid_f32_at(BPKernelLevel(UInt32(level.rawValue)), $0.baseAddress, $0.baseAddress, $0.count) }
                #expect(zip(inPlace, Self.reference(.sigmoid, slice.map(Float.init))).allSatisfy { Self.sameBits($0, $1) }, "in place, length \(count) at \(level)")
            }
        }
    }

    /// The four running sums the Swift reference forms over the full groups of four.
    static func referenceSums<T: BackpropScalar>(_ z: [T], _ y: [T]) -> [Double] {
        var sums = SIMD4<Double>.zero
        var i = 0
        while i + 4 <= z.count {
            let zv = SIMD4<Double>((0..<4).map { Double(z[i + $0]) })
            let yv = SIMD4<Double>((0..<4).map { Double(y[i + $0]) })
            sums += VectorMath.binaryCrossEntropy(zv, yv)
            i += 4
        }
        return [sums[0], sums[1], sums[2], sums[3]]
    }

    // No test here changes the process's level (`KernelInstructionSet.use`): tests run in
    // parallel, and the built-in GEMM's fused levels differ in the last bits from its baseline.
    @Test("Binary cross-entropy sums: each level's four running sums equal the Swift reference's", arguments: [0, 1, 3, 4, 5, 8, 12, 13, 400, 1001])
    func crossEntropy(count: Int) {
        var random = SeededGenerator(seed: UInt64(count) + 7)
        let z = (0..<count).map { i in i % 9 == 8 ? [800, -800, 0, 1e-300][i % 4] : Double.random(in: -40...40, using: &random) }
        let y = (0..<count).map { _ in Double.random(in: 0...1, using: &random) }
        let (zf, yf) = (z.map(Float.init), y.map(Float.init))
        let expected = Self.referenceSums(z, y), expectedFloat = Self.referenceSums(zf, yf)
        for level in Self.levels {
            let l = BPKernelLevel(UInt32(level.rawValue))
            var sums = [Double](repeating: 0, count: 4)
            let used = bp_bce_sums_f64_at(l, z, y, count, &sums)
            #expect(used == count & ~3 && sums.map(\.bitPattern) == expected.map(\.bitPattern), "Double at \(level): \(sums) vs \(expected)")
            let usedFloat = bp_bce_sums_f32_at(l, zf, yf, count, &sums)
            #expect(usedFloat == count & ~3 && sums.map(\.bitPattern) == expectedFloat.map(\.bitPattern), "Float at \(level): \(sums) vs \(expectedFloat)")
        }
        // The whole sum, at the process's level, against the Swift-only reference.
        let got = z.withUnsafeBufferPointer { zb in y.withUnsafeBufferPointer { VectorMath.binaryCrossEntropySum(logits: zb, labels: $0) } }
        let reference = z.withUnsafeBufferPointer { zb in y.withUnsafeBufferPointer { VectorMath.referenceBinaryCrossEntropySum(logits: zb, labels: $0) } }
        #expect(got.bitPattern == reference.bitPattern)
    }

    @Test("The level is the CPU's best unless lowered; a request is clamped to what the CPU has")
    func levelChoice() {
        #expect(bp_kernel_level_clamped(BPKernelLevelBaseline) == BPKernelLevelBaseline)
        #expect(Int(bp_kernel_level_clamped(BPKernelLevelAVX512).rawValue) == KernelInstructionSet.supported.rawValue)
        #expect(KernelInstructionSet.current.rawValue <= KernelInstructionSet.supported.rawValue)
        #expect(KernelInstructionSet.baseline.description.hasPrefix("baseline"))
        #expect(KernelInstructionSet.avx2.description == "avx2+fma")
        #expect(KernelInstructionSet.avx512.description == "avx512")
        #expect(throws: BackpropError.self) { try KernelInstructionSet.validateEnvironment(["BACKPROP_KERNELS": "avx9"]) }
        #expect(throws: Never.self) { try KernelInstructionSet.validateEnvironment(["BACKPROP_KERNELS": "avx2"]) }
    }
}
