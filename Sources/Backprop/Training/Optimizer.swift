import BackpropKernels
/// The update rules, as the course writes them so its published values reproduce.
///
/// With gradient `g` (`dW` or `db`), learning rate `α` and step `t` (1-based):
/// - gradient descent: `θ −= α g`
/// - momentum: `v = β v + (1 − β) g`; `θ −= α v`
/// - RMSProp: `s = β s + (1 − β) g²`; `θ −= α g / (√s + ε)`
/// - Adam: `v = β₁ v + (1 − β₁) g`; `s = β₂ s + (1 − β₂) g²`; `v̂ = v / (1 − β₁ᵗ)`;
///   `ŝ = s / (1 − β₂ᵗ)`; `θ −= α v̂ / (√ŝ + ε)` (ε outside the root)
/// - AdamW: `W = (1 − α λ_w) W − α v̂ / (√ŝ + ε)`: decoupled weight decay on the weights (not the
///   biases) before the Adam step, as PyTorch's `AdamW` does.
///
/// The steps of the rules with moments (momentum, RMSProp, Adam, AdamW) flush subnormal numbers
/// to zero, inputs and results (XLA does the same on CPUs): a parameter whose gradient has gone
/// to zero has its moments decay by β each step through the subnormal range, where each
/// operation on Intel cores takes a microcode assist (on an Emerald Rapids Xeon, Adam's step then
/// cost more than the rest of an MNIST-size epoch, and RMSProp's epoch took 4× SGD's). No
/// result larger than the least normal magnitude (1.2·10⁻³⁸ in `Float`) changes. Plain
/// gradient descent keeps no state and does not flush.
public enum OptimizerAlgorithm: Hashable, Sendable, Codable, CustomStringConvertible {
    case gradientDescent
    case momentum(beta: Double)
    case rmsProp(beta: Double, epsilon: Double)
    case adam(beta1: Double, beta2: Double, epsilon: Double)
    case adamW(beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double)

    /// Parses `sgd` (or `gd`), `momentum`, `rmsprop`, `adam`, `adamw` with the usual defaults
    /// (β = 0.9, β₂ = 0.999, ε = 1e-8, AdamW decay 0.01).
    public init?(name: String) {
        switch name.lowercased() {
        case "sgd", "gd", "gradient-descent", "gradient_descent": self = .gradientDescent
        case "momentum": self = .momentum(beta: 0.9)
        case "rmsprop": self = .rmsProp(beta: 0.9, epsilon: 1e-8)
        case "adam": self = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        case "adamw": self = .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .gradientDescent: "sgd"
        case .momentum: "momentum"
        case .rmsProp: "rmsprop"
        case .adam: "adam"
        case .adamW: "adamw"
        }
    }

    /// Throws unless every β is in [0, 1), ε > 0 and the weight decay ≥ 0 (Adam's bias
    /// correction divides by 1 − βᵗ).
    public func validate() throws {
        func beta(_ name: String, _ value: Double) throws {
            guard value >= 0, value < 1 else { throw BackpropError.invalidArgument("\(self): \(name) must be in [0, 1), not \(value)") }
        }
        func positive(_ name: String, _ value: Double) throws {
            guard value > 0, value.isFinite else { throw BackpropError.invalidArgument("\(self): \(name) must be positive, not \(value)") }
        }
        switch self {
        case .gradientDescent: break
        case let .momentum(b): try beta("β", b)
        case let .rmsProp(b, e): try beta("β", b); try positive("ε", e)
        case let .adam(b1, b2, e): try beta("β1", b1); try beta("β2", b2); try positive("ε", e)
        case let .adamW(b1, b2, e, decay):
            try beta("β1", b1); try beta("β2", b2); try positive("ε", e)
            guard decay >= 0, decay.isFinite else { throw BackpropError.invalidArgument("\(self): weight decay must be ≥ 0, not \(decay)") }
        }
    }

    /// Whether the rule keeps a first-moment (velocity) buffer.
    var usesVelocity: Bool {
        switch self {
        case .momentum, .adam, .adamW: true
        default: false
        }
    }

    /// Whether the rule keeps a second-moment (squares) buffer.
    var usesSquares: Bool {
        switch self {
        case .rmsProp, .adam, .adamW: true
        default: false
        }
    }
}

/// An optimizer with its state: the moment buffers (slabs in the layout of the network's
/// ``Parameters``) and the step count. The state is part of a checkpoint, so a resumed run
/// continues exactly.
public struct Optimizer<Scalar: BackpropScalar>: Sendable {
    /// The update rule.
    public let algorithm: OptimizerAlgorithm
    /// The number of updates made so far (`t` in Adam's bias correction).
    public internal(set) var step: Int = 0
    /// First-moment buffer `v`, one element per parameter (empty when unused or before the
    /// first update).
    public internal(set) var velocity: ContiguousArray<Scalar> = []
    /// Second-moment buffer `s`, one element per parameter (empty when unused).
    public internal(set) var squares: ContiguousArray<Scalar> = []

    /// A fresh optimizer; buffers are made at the first update.
    public init(_ algorithm: OptimizerAlgorithm) {
        self.algorithm = algorithm
    }

    /// Restores an optimizer from saved state (a checkpoint).
    public init(
        _ algorithm: OptimizerAlgorithm, step: Int, velocity: ContiguousArray<Scalar>, squares: ContiguousArray<Scalar>
    ) {
        self.algorithm = algorithm
        self.step = step
        self.velocity = velocity
        self.squares = squares
    }

    /// Applies one update with learning rate `learningRate` to every parameter of `network`:
    /// one pass over the slab (AdamW: one per run of decaying or non-decaying tensors).
    ///
    /// - Parameters:
    ///   - network: the network whose parameter slab is updated in place.
    ///   - gradients: `∂J/∂θ`, finalized, in the network's parameter layout.
    ///   - learningRate: α.
    ///   - threads: how many threads may share the elementwise pass (each takes a contiguous
    ///     range; small slabs stay on the calling thread). Every element gets the same
    ///     arithmetic whatever the count, so results do not depend on it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public mutating func update(
        _ network: inout Network<Scalar>, gradients: Gradients<Scalar>, learningRate: Double, threads: Int = 1
    ) {
        gradients.slab.withUnsafeBufferPointer { g in
            update(&network, gradients: g, learningRate: learningRate, threads: threads, finishing: nil)
        }
    }

    /// The elements one call of `finishing` covers in the fused update: three or four streams
    /// of it stay in the first-level cache between the gradient's last pass and the rule.
    static var fusedChunk: Int { 4096 }

    /// ``update(_:gradients:learningRate:threads:)`` on the gradient slab `g`; with
    /// `finishing`, fused with the pass that completes the gradients: the slab is cut into
    /// runs of ``fusedChunk`` elements, and on each, on the thread that updates it,
    /// `finishing(range, θ)` first makes `g[range]` final (reading the parameters `θ` before
    /// they change), then the rule runs on it. Every element gets the same arithmetic as
    /// finishing the whole slab and then updating it, so the bits are the same.
    mutating func update(
        _ network: inout Network<Scalar>, gradients g: UnsafeBufferPointer<Scalar>, learningRate: Double, threads: Int,
        finishing: ((Range<Int>, UnsafeBufferPointer<Scalar>) -> Void)?
    ) {
        let count = network.parameters.count
        precondition(g.count == count, "one gradient per parameter")
        if velocity.count != count && algorithm.usesVelocity { velocity = ContiguousArray(repeating: 0, count: count) }
        if squares.count != count && algorithm.usesSquares { squares = ContiguousArray(repeating: 0, count: count) }
        step += 1
        let (algorithm, t) = (self.algorithm, Double(step))
        var splitByDecay = false
        if case .adamW = algorithm { splitByDecay = true }
        let runs = Self.runs(network.parameters.tensors, splitByDecay: splitByDecay)
        network.parameters.slab.withUnsafeMutableBufferPointer { p in
            velocity.withUnsafeMutableBufferPointer { v in
                squares.withUnsafeMutableBufferPointer { s in
                    func rule(_ range: Range<Int>, decays: Bool, threads: Int) {
                        Self.apply(algorithm, t: t, alpha: learningRate, decays: decays, threads: threads,
                                   p.slice(range), g.slice(range), v.isEmpty ? v : v.slice(range), s.isEmpty ? s : s.slice(range))
                    }
                    guard let finishing else {
                        for (range, decays) in runs { rule(range, decays: decays, threads: threads) }
                        return
                    }
                    let theta = UnsafeBufferPointer(p)
                    ParallelFor.ranges(count: count, parts: threads, grain: ParallelFor.minimumElementsPerThread) { part in
                        for start in stride(from: part.lowerBound, to: part.upperBound, by: Self.fusedChunk) {
                            let chunk = start..<Swift.min(start + Self.fusedChunk, part.upperBound)
                            finishing(chunk, theta)
                            for (range, decays) in runs where range.overlaps(chunk) {
                                rule(range.clamped(to: chunk), decays: decays, threads: 1)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The slab's contiguous runs of trainable tensors that decay alike (one run for the whole
    /// slab when decay does not matter and every tensor trains). State that is not trained
    /// (batch norm's running statistics) is in no run.
    private static func runs(_ tensors: [ParameterTensor], splitByDecay: Bool) -> [(Range<Int>, Bool)] {
        var runs: [(Range<Int>, Bool)] = []
        for tensor in tensors where tensor.isTrainable {
            let decays = splitByDecay && tensor.decays
            if let (range, last) = runs.last, last == decays, range.upperBound == tensor.offset {
                runs[runs.count - 1] = (range.lowerBound..<tensor.range.upperBound, decays)
            } else {
                runs.append((tensor.range, decays))
            }
        }
        return runs
    }

    // One rule applied to one run of the slab, element by element, in a single pass over memory.
    private static func apply(
        _ algorithm: OptimizerAlgorithm, t: Double, alpha: Double, decays: Bool, threads: Int,
        _ p: UnsafeMutableBufferPointer<Scalar>, _ g: UnsafeBufferPointer<Scalar>,
        _ v: UnsafeMutableBufferPointer<Scalar>, _ s: UnsafeMutableBufferPointer<Scalar>
    ) {
        let a = Scalar(alpha)
        let count = p.count
        let grain = ParallelFor.minimumElementsPerThread
        switch algorithm {
        case .gradientDescent:
            ParallelFor.ranges(count: count, parts: threads, grain: grain) { r in
                Kernels.descend(p.slice(r), g.slice(r), a)
            }
        case let .momentum(beta):
            let (b1, c1) = (Scalar(beta), Scalar(1 - beta))
            ParallelFor.ranges(count: count, parts: threads, grain: grain) { r in
                // Subnormals flushed, as in Adam's kernel (see OptimizerAlgorithm): per thread.
                let saved = bp_flush_subnormals_begin()
                Kernels.momentum(p.slice(r), g.slice(r), v.slice(r), a, b1, c1)
                bp_flush_subnormals_end(saved)
            }
        case let .rmsProp(beta, epsilon):
            let (b2, c2, e) = (Scalar(beta), Scalar(1 - beta), Scalar(epsilon))
            ParallelFor.ranges(count: count, parts: threads, grain: grain) { r in
                let saved = bp_flush_subnormals_begin()
                Kernels.rmsProp(p.slice(r), g.slice(r), s.slice(r), a, b2, c2, e)
                bp_flush_subnormals_end(saved)
            }
        case let .adam(beta1, beta2, epsilon), let .adamW(beta1, beta2, epsilon, _):
            let (b1, c1, b2, c2) = (Scalar(beta1), Scalar(1 - beta1), Scalar(beta2), Scalar(1 - beta2))
            let e = Scalar(epsilon)
            // v̂/(√ŝ + ε) with v̂ = v/(1 − β1ᵗ), ŝ = s/(1 − β2ᵗ), rearranged so each element
            // costs one square root and one division: α/(1 − β1ᵗ) · v / (√s · 1/√(1 − β2ᵗ) + ε).
            let stepSize = a / Scalar(1 - pow(beta1, t))
            let rootScale = 1 / Scalar(1 - pow(beta2, t)).squareRoot()
            var decay: Scalar = 1
            if case let .adamW(_, _, _, weightDecay) = algorithm, decays {
                decay = 1 - Scalar(alpha * weightDecay)
            }
            ParallelFor.ranges(count: count, parts: threads, grain: grain) { r in
                Kernels.fastAdam(p.slice(r), g.slice(r), v.slice(r), s.slice(r),
                                 b1, c1, b2, c2, e, stepSize: stepSize, rootScale: rootScale, decay: decay)
            }
        }
    }

    /// The update rules over one contiguous range each. Plain functions of their buffers (not
    /// closures capturing them), so the compiler sees no aliasing and vectorises each loop.
    enum Kernels {
        static func descend(_ p: UnsafeMutableBufferPointer<Scalar>, _ g: UnsafeBufferPointer<Scalar>, _ a: Scalar) {
            for i in 0..<p.count { p[i] -= a * g[i] }
        }

        static func momentum(
            _ p: UnsafeMutableBufferPointer<Scalar>, _ g: UnsafeBufferPointer<Scalar>,
            _ v: UnsafeMutableBufferPointer<Scalar>, _ a: Scalar, _ b1: Scalar, _ c1: Scalar
        ) {
            for i in 0..<p.count {
                v[i] = b1 * v[i] + c1 * g[i]
                p[i] -= a * v[i]
            }
        }

        static func rmsProp(
            _ p: UnsafeMutableBufferPointer<Scalar>, _ g: UnsafeBufferPointer<Scalar>,
            _ s: UnsafeMutableBufferPointer<Scalar>, _ a: Scalar, _ b2: Scalar, _ c2: Scalar, _ e: Scalar
        ) {
            for i in 0..<p.count {
                s[i] = b2 * s[i] + c2 * g[i] * g[i]
                p[i] -= a * g[i] / (Swift.max(s[i], 0).squareRoot() + e)  // see adam
            }
        }

        /// Adam's step on `Float` and `Double` through the C kernel `bp_adam_f32`/`bp_adam_f64`
        /// at ``KernelInstructionSet/current`` (16 floats a vector where the CPU has AVX-512,
        /// 8 with AVX2): the bits of ``adam(_:_:_:_:_:_:_:_:_:stepSize:rootScale:decay:)``,
        /// which stays as the reference and serves any other scalar.
        static func fastAdam(
            _ p: UnsafeMutableBufferPointer<Scalar>, _ g: UnsafeBufferPointer<Scalar>,
            _ v: UnsafeMutableBufferPointer<Scalar>, _ s: UnsafeMutableBufferPointer<Scalar>,
            _ b1: Scalar, _ c1: Scalar, _ b2: Scalar, _ c2: Scalar, _ e: Scalar,
            stepSize: Scalar, rootScale: Scalar, decay: Scalar
        ) {
            guard let pb = p.baseAddress, let gb = g.baseAddress, let vb = v.baseAddress, let sb = s.baseAddress else { return }
            let (p0, g0, v0, s0) = (UnsafeMutableRawPointer(pb), UnsafeRawPointer(gb), UnsafeMutableRawPointer(vb), UnsafeMutableRawPointer(sb))
            if Scalar.self == Float.self {
                func f(_ x: Scalar) -> Float { unsafeBitCast(x, to: Float.self) }
                bp_adam_f32(p0.assumingMemoryBound(to: Float.self), g0.assumingMemoryBound(to: Float.self),
                            v0.assumingMemoryBound(to: Float.self), s0.assumingMemoryBound(to: Float.self), p.count,
                            f(b1), f(c1), f(b2), f(c2), f(e), f(stepSize), f(rootScale), f(decay))
            } else if Scalar.self == Double.self {
                func d(_ x: Scalar) -> Double { unsafeBitCast(x, to: Double.self) }
                bp_adam_f64(p0.assumingMemoryBound(to: Double.self), g0.assumingMemoryBound(to: Double.self),
                            v0.assumingMemoryBound(to: Double.self), s0.assumingMemoryBound(to: Double.self), p.count,
                            d(b1), d(c1), d(b2), d(c2), d(e), d(stepSize), d(rootScale), d(decay))
            } else {
                adam(p, g, v, s, b1, c1, b2, c2, e, stepSize: stepSize, rootScale: rootScale, decay: decay)
            }
        }

        static func adam(
            _ p: UnsafeMutableBufferPointer<Scalar>, _ g: UnsafeBufferPointer<Scalar>,
            _ v: UnsafeMutableBufferPointer<Scalar>, _ s: UnsafeMutableBufferPointer<Scalar>,
            _ b1: Scalar, _ c1: Scalar, _ b2: Scalar, _ c2: Scalar, _ e: Scalar,
            stepSize: Scalar, rootScale: Scalar, decay: Scalar
        ) {
            // Every input and every result flushed (`z`), as the C kernel's hardware flush does.
            let (b1, c1, b2, c2, e) = (z(b1), z(c1), z(b2), z(c2), z(e))
            let (stepSize, rootScale, decay) = (z(stepSize), z(rootScale), z(decay))
            for i in 0..<p.count {
                let gi = z(g[i])
                let vi = z(z(b1 * z(v[i])) + z(c1 * gi))
                let si = z(z(b2 * z(s[i])) + z(z(c2 * gi) * gi))
                v[i] = vi
                s[i] = si
                // max(·, 0) changes nothing (s ≥ 0) but tells the compiler so; without it Linux
                // builds call libm's sqrtf and the loop stays scalar.
                let denominator = z(z(z(Swift.max(si, 0).squareRoot()) * rootScale) + e)
                p[i] = z(z(decay * z(p[i])) - z(z(stepSize * vi) / denominator))
            }
        }

        /// `x`, or a zero of its sign when it is subnormal: the flush of Adam's step (see
        /// ``OptimizerAlgorithm``), as the kernel's hardware does it. (x86 decides tininess after
        /// rounding, so a result that rounds up to exactly the least normal magnitude from below
        /// is zero there and kept here; no such value has been seen in a test.)
        @inline(__always)
        static func z(_ x: Scalar) -> Scalar {
            x.magnitude < Scalar.leastNormalMagnitude ? (x.sign == .minus ? -Scalar.zero : Scalar.zero) : x
        }
    }

}

private func pow(_ x: Double, _ y: Double) -> Double { Double.pow(x, y) }
import RealModule

