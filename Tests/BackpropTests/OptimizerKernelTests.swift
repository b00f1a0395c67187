import BackpropKernels
import Testing
@testable import Backprop

/// Adam's C kernel (`bp_adam_f32`, `bp_adam_f64`), at every instruction set this CPU has,
/// against the Swift loop it was written from (`Optimizer.Kernels.adam`): the same bits for
/// every element, the vector part and the scalar tail alike, subnormals flushed alike.
struct OptimizerKernelTests {
    /// Parameters, gradients and both moments of `count` elements: gradients of every
    /// magnitude (with zeros, tiny and huge ones), moments as a run would have them.
    static func state<T: BackpropScalar>(_: T.Type, count: Int) -> (p: [T], g: [T], v: [T], s: [T]) {
        var random = SeededGenerator(seed: 42)
        func draw(_ range: ClosedRange<Double>) -> T { T(Double.random(in: range, using: &random)) }
        // A multiple of the least normal magnitude: subnormal for |k| < 1.
        func tiny(_ k: ClosedRange<Double>) -> T { T.leastNormalMagnitude * T(Double.random(in: k, using: &random)) }
        let p = (0..<count).map { i in i % 13 == 5 ? tiny(-1...1) : draw(-1...1) }
        let g: [T] = (0..<count).map { i in
            switch i % 7 {
            case 0: 0
            case 1: T(Double.random(in: -1...1, using: &random) * 1e-20)
            case 2: draw(-1e3...1e3)
            case 3 where i % 3 == 0: tiny(-1...1)  // subnormal
            case 4 where i % 3 == 0: T.leastNormalMagnitude.squareRoot() * T(Double.random(in: -1...1, using: &random))  // g² subnormal
            default: draw(-0.1...0.1)
            }
        }
        // Moments decaying towards zero (a gradient gone to zero): subnormal, and just above
        // (where β₁v or stepSize·v is subnormal).
        let v = (0..<count).map { i in
            switch i % 11 {
            case 0: tiny(-1...1)
            case 1: tiny(-2000...2000)
            default: draw(-0.01...0.01)
            }
        }
        let s = (0..<count).map { _ in T(Double.random(in: 0...1e-3, using: &random) * Double.random(in: 0...1, using: &random)) }
        return (p, g, v, s)
    }

    /// Runs the reference and `kernel` on copies of the same state and compares every bit.
    static func check<T: BackpropScalar>(
        _: T.Type, count: Int, decay: T,
        kernel: (UnsafeMutablePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<T>, Int,
                 T, T, T, T, T, T, T, T) -> Void
    ) {
        let (b1, c1, b2, c2, e): (T, T, T, T, T) = (0.9, T(1 - 0.9), 0.999, T(1 - 0.999), 1e-8)
        let (stepSize, rootScale) = (T(0.001) / T(1 - 0.9 * 0.9 * 0.9), 1 / T(1 - 0.999 * 0.999 * 0.999).squareRoot())
        let start = state(T.self, count: count)
        var (p, v, s) = (start.p, start.v, start.s)
        var (rp, rv, rs) = (start.p, start.v, start.s)
        rp.withUnsafeMutableBufferPointer { pp in start.g.withUnsafeBufferPointer { gg in
            rv.withUnsafeMutableBufferPointer { vv in rs.withUnsafeMutableBufferPointer { ss in
                Optimizer<T>.Kernels.adam(pp, gg, vv, ss, b1, c1, b2, c2, e, stepSize: stepSize, rootScale: rootScale, decay: decay)
            } }
        } }
        p.withUnsafeMutableBufferPointer { pp in start.g.withUnsafeBufferPointer { gg in
            v.withUnsafeMutableBufferPointer { vv in s.withUnsafeMutableBufferPointer { ss in
                kernel(pp.baseAddress!, gg.baseAddress!, vv.baseAddress!, ss.baseAddress!, count,
                       b1, c1, b2, c2, e, stepSize, rootScale, decay)
            } }
        } }
        let differing = (0..<count).filter {
            !VectorMathTests.sameBits(p[$0], rp[$0]) || !VectorMathTests.sameBits(v[$0], rv[$0]) || !VectorMathTests.sameBits(s[$0], rs[$0])
        }
        #expect(differing.isEmpty, "\(T.self) n=\(count): \(differing.count) elements differ, first \(differing.prefix(3))")
        // Subnormals are flushed: no state or parameter is left subnormal.
        #expect(!(p + v + s).contains { $0.isSubnormal })
        // … and only inside the call: arithmetic after it still makes subnormals.
        let half = T(Double.random(in: 0.5...0.5))
        #expect((T.leastNormalMagnitude * half).isSubnormal)
        // The step moved the parameters (a kernel that did nothing would match nothing).
        // (Element 0 has no gradient and a subnormal v, flushed: it stays put.)
        if count > 1 { #expect(zip(p, start.p).filter { $0 != $1 }.count > count / 2) }
    }

    @Test("bp_adam_f32 at every level: the Swift reference's bits", arguments: VectorMathKernelTests.levels)
    func float(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        for count in [1, 15, 16, 17, 1000, 4099] {
            for decay: Float in [1, 1 - 0.001 * 0.01] {
                Self.check(Float.self, count: count, decay: decay) { p, g, v, s, n, b1, c1, b2, c2, e, a, r, d in
                    bp_adam_f32_at(l, p, g, v, s, n, b1, c1, b2, c2, e, a, r, d)
                }
            }
        }
    }

    @Test("bp_adam_f64 at every level: the Swift reference's bits", arguments: VectorMathKernelTests.levels)
    func double(level: KernelInstructionSet) {
        let l = BPKernelLevel(UInt32(level.rawValue))
        for count in [1, 7, 8, 9, 1000, 4099] {
            for decay in [1, 1 - 0.001 * 0.01] {
                Self.check(Double.self, count: count, decay: decay) { p, g, v, s, n, b1, c1, b2, c2, e, a, r, d in
                    bp_adam_f64_at(l, p, g, v, s, n, b1, c1, b2, c2, e, a, r, d)
                }
            }
        }
    }

    @Test("Momentum and RMSProp flush their decaying moments too, on every thread, and only in the step",
          arguments: [OptimizerAlgorithm.momentum(beta: 0.9), .rmsProp(beta: 0.9, epsilon: 1e-8)])
    func momentsFlushed(algorithm: OptimizerAlgorithm) throws {
        var network = try Network<Float>(sizes: [300, 200, 10], hidden: .relu, output: .softmax, seed: 1)
        let count = network.parameters.count  // 62,210: two threads' worth of elements
        let before = network.parameters.slab
        // Moments at the edge of the subnormal range (a gradient gone to zero, decaying) and a
        // zero gradient: β·moment is subnormal for every element.
        let moments = ContiguousArray((0..<count).map { Float.leastNormalMagnitude * Float(1 + $0 % 5) / 8 * 8 })
        var optimizer = Optimizer<Float>(
            algorithm, step: 10, velocity: algorithm.usesVelocity ? moments : [], squares: algorithm.usesSquares ? moments : [])
        let zero = Gradients(zerosLike: network.parameters)
        optimizer.update(&network, gradients: zero, learningRate: 0.01, threads: 2)
        let state = algorithm.usesVelocity ? optimizer.velocity : optimizer.squares
        #expect(state.count == count)
        #expect(!state.contains { $0.isSubnormal }, "\(state.filter(\.isSubnormal).count) subnormal moments left")
        #expect(state.contains { $0 == 0 } && state.contains { $0.isNormal })  // flushed where β·m < least normal
        #expect(network.parameters.slab.count == before.count)
        // The thread's floating-point state is back: arithmetic after the step makes subnormals.
        let half = Float(Double.random(in: 0.5...0.5))
        #expect((Float.leastNormalMagnitude * half).isSubnormal)
    }
}
