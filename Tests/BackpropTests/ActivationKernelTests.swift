import BackpropKernels
import Testing
@testable import Backprop

/// The activations' C kernels (`bp_relu_*`, `bp_tanh_backward_*`), at every instruction set this
/// CPU has, against the Swift loops they replace (`ReLU.referenceForward`,
/// `ReLU.referenceBackward`, `Tanh.referenceBackward`): the same bits for every element, NaN,
/// infinities and signed zeros included, in place and not.
struct ActivationKernelTests {
    /// Every kind of value a rectifier can meet, then random ones, `count` in all.
    static func values<T: BackpropScalar>(_: T.Type, count: Int, seed: UInt64) -> [T] {
        let special: [T] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, -.nan, .leastNonzeroMagnitude,
                            -.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            i % 5 == 0 ? special[(i / 5) % special.count] : T(Double.random(in: -3...3, using: &random))
        }
    }

    static func check<T: BackpropScalar>(
        _: T.Type, count: Int,
        forward: (UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void,
        backward: (UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void
    ) {
        let z = values(T.self, count: count, seed: 3)
        let g = values(T.self, count: count, seed: 4)
        var expected = [T](repeating: 7, count: count), actual = expected, inPlace = z
        z.withUnsafeBufferPointer { zz in
            expected.withUnsafeMutableBufferPointer { ReLU.referenceForward(zz, into: $0) }
            actual.withUnsafeMutableBufferPointer { forward(zz.baseAddress!, $0.baseAddress!, count) }
        }
        inPlace.withUnsafeMutableBufferPointer { forward($0.baseAddress!, $0.baseAddress!, count) }
        #expect((0..<count).allSatisfy { VectorMathTests.sameBits(actual[$0], expected[$0]) }, "\(T.self) relu n=\(count)")
        #expect((0..<count).allSatisfy { VectorMathTests.sameBits(inPlace[$0], expected[$0]) }, "\(T.self) relu in place n=\(count)")
        // Not a copy: negatives and -0 became +0, NaN stayed NaN.
        #expect(count < 60 || (expected.contains { $0.isNaN } && !expected.contains { $0 < 0 }))

        var expectedD = [T](repeating: 7, count: count), actualD = expectedD, inPlaceD = g
        z.withUnsafeBufferPointer { zz in g.withUnsafeBufferPointer { gg in
            expectedD.withUnsafeMutableBufferPointer { ReLU.referenceBackward(gg, z: zz, into: $0) }
            actualD.withUnsafeMutableBufferPointer { backward(gg.baseAddress!, zz.baseAddress!, $0.baseAddress!, count) }
        } }
        z.withUnsafeBufferPointer { zz in
            inPlaceD.withUnsafeMutableBufferPointer { backward(UnsafePointer($0.baseAddress!), zz.baseAddress!, $0.baseAddress!, count) }
        }
        #expect((0..<count).allSatisfy { VectorMathTests.sameBits(actualD[$0], expectedD[$0]) }, "\(T.self) relu backward n=\(count)")
        #expect((0..<count).allSatisfy { VectorMathTests.sameBits(inPlaceD[$0], expectedD[$0]) }, "\(T.self) relu backward in place n=\(count)")
    }

    static func checkTanh<T: BackpropScalar>(_: T.Type, count: Int, backward: (UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>, Int) -> Void) {
        // a = tanh(z) as a layer holds it (|a| ≤ 1), and the special values.
        let a = values(T.self, count: count, seed: 5).map { $0.isFinite && abs($0) > 1 ? 1 / $0 : $0 }
        let g = values(T.self, count: count, seed: 6)
        var expected = [T](repeating: 7, count: count), actual = expected, inPlace = g
        a.withUnsafeBufferPointer { aa in g.withUnsafeBufferPointer { gg in
            expected.withUnsafeMutableBufferPointer { Tanh.referenceBackward(gg, a: aa, into: $0) }
            actual.withUnsafeMutableBufferPointer { backward(gg.baseAddress!, aa.baseAddress!, $0.baseAddress!, count) }
        } }
        a.withUnsafeBufferPointer { aa in
            inPlace.withUnsafeMutableBufferPointer { backward(UnsafePointer($0.baseAddress!), aa.baseAddress!, $0.baseAddress!, count) }
        }
        #expect((0..<count).allSatisfy { VectorMathTests.sameBits(actual[$0], expected[$0]) }, "\(T.self) tanh backward n=\(count)")
        #expect((0..<count).allSatisfy { VectorMathTests.sameBits(inPlace[$0], expected[$0]) }, "\(T.self) tanh backward in place n=\(count)")
    }

    @Test("bp_tanh_backward at every level, Float and Double: the Swift reference's bits", arguments: VectorMathKernelTests.levels)
    func tanhBackward(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 1000] {
            Self.checkTanh(Float.self, count: count) { bp_tanh_backward_f32_at(l, $0, $1, $2, $3) }
            Self.checkTanh(Double.self, count: count) { bp_tanh_backward_f64_at(l, $0, $1, $2, $3) }
        }
    }

    @Test("bp_relu_f32 and its backward at every level: the Swift reference's bits", arguments: VectorMathKernelTests.levels)
    func float(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        for count in [0, 1, 15, 16, 17, 63, 64, 65, 1000] {
            Self.check(Float.self, count: count,
                       forward: { bp_relu_f32_at(l, $0, $1, $2) }, backward: { bp_relu_backward_f32_at(l, $0, $1, $2, $3) })
        }
    }

    @Test("bp_relu_f64 and its backward at every level: the Swift reference's bits", arguments: VectorMathKernelTests.levels)
    func double(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        for count in [0, 1, 7, 8, 9, 31, 32, 33, 1000] {
            Self.check(Double.self, count: count,
                       forward: { bp_relu_f64_at(l, $0, $1, $2) }, backward: { bp_relu_backward_f64_at(l, $0, $1, $2, $3) })
        }
    }

    /// A ReLU layer's forward and backward through `Activation` (the path training runs).
    @Test("Activation.relu through the C kernels: max(z, 0), NaN kept, dZ = dA where z > 0")
    func throughActivation() {
        let Z = Matrix<Double>([[-2, 0, 3], [Double.nan, -0.0, 0.5]])
        let A = Activation.relu.forward(Z)
        #expect(A[0, 0] == 0 && A[0, 2] == 3 && A[1, 0].isNaN && A[1, 1] == 0 && A[1, 1].sign == .plus && A[1, 2] == 0.5)
        let dA = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        let dZ = Activation.relu.backward(dA, Z: Z, A: A)
        #expect(dZ == Matrix([[0, 0, 3], [0, 0, 6]]))
    }
}
