import RealModule

/// An activation `A = g(Z)`, with its derivative written right beside it.
///
/// Every case but ``softmax`` acts element by element, so its backward step is
/// `dZ = dA ⊙ g′(Z)`. Softmax mixes a column's entries; its backward step is the
/// Jacobian–vector product `dZ = A ⊙ (dA − Σ_rows(dA ⊙ A))`. With cross-entropy it is never
/// needed: the loss hands back `dZ = A − Y` directly.
public enum Activation: Hashable, Sendable, CustomStringConvertible {
    /// `σ(z) = 1 / (1 + e^{−z})`; `σ′(z) = σ(z)(1 − σ(z))`.
    case sigmoid
    /// `tanh z`; `tanh′(z) = 1 − tanh²(z)`.
    case tanh
    /// `max(0, z)`; derivative `1` for `z > 0`, else `0` (the subgradient at 0 is 0, as PyTorch).
    /// NaN stays NaN, so a poisoned input is not silently zeroed.
    case relu
    /// `z` for `z > 0`, else `slope · z`; derivative `1` or `slope`.
    case leakyReLU(slope: Double)
    /// `softmax(z)_i = e^{z_i − max z} / Σ_j e^{z_j − max z}`, per column (output layers).
    case softmax
    /// `z`; derivative `1` (a linear output, e.g. for regression with MSE).
    case identity

    /// The activations a hidden layer may use.
    public static let hiddenCases: [Activation] = [.sigmoid, .tanh, .relu, .leakyReLU(slope: 0.01), .identity]

    /// Parses `sigmoid`, `tanh`, `relu`, `leaky_relu` (slope 0.01) or `leaky_relu:0.2`,
    /// `softmax`, `identity` (or `linear`).
    public init?(name: String) {
        let lowered = name.lowercased()
        switch lowered {
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "relu": self = .relu
        case "leaky_relu", "leakyrelu", "leaky-relu": self = .leakyReLU(slope: 0.01)
        case "softmax": self = .softmax
        case "identity", "linear", "none": self = .identity
        default:
            let parts = lowered.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, ["leaky_relu", "leakyrelu", "leaky-relu"].contains(String(parts[0])),
                  let slope = Double(parts[1]), slope.isFinite
            else { return nil }
            self = .leakyReLU(slope: slope)
        }
    }

    /// The name ``init(name:)`` reads back.
    public var description: String {
        switch self {
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "relu"
        case let .leakyReLU(slope): slope == 0.01 ? "leaky_relu" : "leaky_relu:\(slope)"
        case .softmax: "softmax"
        case .identity: "identity"
        }
    }

    /// The PyTorch module that computes `g` (`nn.Sequential` entry).
    public var pyTorchModule: String {
        switch self {
        case .sigmoid: "Sigmoid()"
        case .tanh: "Tanh()"
        case .relu: "ReLU()"
        case let .leakyReLU(slope): "LeakyReLU(\(slope))"
        case .softmax: "Softmax(dim=1)"
        case .identity: "Identity()"
        }
    }

    /// Whether `g` acts on each element alone (everything but softmax).
    public var isElementwise: Bool { self != .softmax }

    // MARK: Forward and derivative, side by side

    /// `g(z)` for one element (not for softmax, which needs the whole column).
    ///
    /// Sigmoid gives the same bits as a layer's ``forward(_:into:)``; tanh is libm's here and
    /// may differ from the vectorised layer kernel in the last place (at most 2 ulp).
    @inlinable
    public func value<T: BackpropScalar>(_ z: T) -> T {
        switch self {
        case .sigmoid: return Activation.sigmoid(z)
        case .tanh: return T.tanh(z)
        case .relu: return z > 0 || z.isNaN ? z : 0
        case let .leakyReLU(slope): return z > 0 ? z : T(slope) * z
        case .identity: return z
        case .softmax: preconditionFailure("softmax is not elementwise")
        }
    }

    /// `g′(z)` for one element, given `z` and `a = g(z)` (whichever is cheaper is used).
    @inlinable
    public func derivative<T: BackpropScalar>(z: T, a: T) -> T {
        switch self {
        case .sigmoid: return a * (1 - a)
        case .tanh: return 1 - a * a
        case .relu: return z > 0 ? 1 : 0
        case let .leakyReLU(slope): return z > 0 ? 1 : T(slope)
        case .identity: return 1
        case .softmax: preconditionFailure("softmax is not elementwise")
        }
    }

    /// `A = g(Z)` for a whole layer.
    public func forward<T>(_ Z: Matrix<T>) -> Matrix<T> {
        var A = Z
        forward(Z, into: &A)
        return A
    }

    /// Writes `g(Z)` into `A` (same shape), reusing its storage.
    ///
    /// The switch on the activation sits outside the loop, so each loop is a straight run over
    /// memory the compiler can vectorise; sigmoid and tanh run the library's own SIMD kernels
    /// (within 2 ulp of libm, and the same bits wherever a value sits in the buffer).
    public func forward<T>(_ Z: Matrix<T>, into A: inout Matrix<T>) {
        precondition(A.shape == Z.shape, "shape mismatch in activation: \(Z.shape) and \(A.shape)")
        if self == .softmax {
            A = Z
            Activation.softmaxInPlace(&A)
            return
        }
        A.withUnsafeMutableBufferPointer { a in
            Z.withUnsafeBufferPointer { z in
                let n = z.count
                switch self {
                case .sigmoid: VectorMath.apply(.sigmoid, z, into: a)
                case .tanh: VectorMath.apply(.tanh, z, into: a)
                case .relu: Kernels.relu(z, into: a)
                case let .leakyReLU(slope): Kernels.leakyReLU(z, slope: T(slope), into: a)
                case .identity: for i in 0..<n { a[i] = z[i] }
                case .softmax: break
                }
            }
        }
    }

    /// Replaces `Z` by `g(Z)` (inference, where `Z` is not needed afterwards).
    public func forward<T>(inPlace Z: inout Matrix<T>) {
        if self == .softmax {
            Activation.softmaxInPlace(&Z)
            return
        }
        Z.withUnsafeMutableBufferPointer { z in
            switch self {
            case .sigmoid: VectorMath.apply(.sigmoid, inPlace: z)
            case .tanh: VectorMath.apply(.tanh, inPlace: z)
            case .relu: Kernels.relu(UnsafeBufferPointer(z), into: z)
            case let .leakyReLU(slope): Kernels.leakyReLU(UnsafeBufferPointer(z), slope: T(slope), into: z)
            case .identity, .softmax: break
            }
        }
    }

    /// The backward step through `g`: `dZ = dA ⊙ g′(Z)` (softmax: `A ⊙ (dA − Σ_rows dA ⊙ A)`).
    public func backward<T>(_ dA: Matrix<T>, Z: Matrix<T>, A: Matrix<T>) -> Matrix<T> {
        var dZ = dA
        backward(inPlace: &dZ, Z: Z, A: A)
        return dZ
    }

    /// Turns `dA` into `dZ = dA ⊙ g′(Z)` in place (`A = g(Z)`; softmax uses its Jacobian).
    public func backward<T>(inPlace d: inout Matrix<T>, Z: Matrix<T>, A: Matrix<T>) {
        precondition(d.shape == Z.shape && A.shape == Z.shape,
            "shape mismatch in activation backward: \(d.shape), \(Z.shape) and \(A.shape)")
        if self == .softmax {
            let weighted = (d * A).sum(axis: 0)
            d = A * (d - weighted)
            return
        }
        d.withUnsafeMutableBufferPointer { g in
            Z.withUnsafeBufferPointer { z in
                A.withUnsafeBufferPointer { a in
                    switch self {
                    case .sigmoid: Kernels.sigmoidBackward(g, a)
                    case .tanh: Kernels.tanhBackward(g, a)
                    case .relu: Kernels.reluBackward(g, z)
                    case let .leakyReLU(slope): Kernels.leakyReLUBackward(g, z, slope: T(slope))
                    case .identity, .softmax: break
                    }
                }
            }
        }
    }

    /// `g′(Z)` as a matrix (for explanations and checks; training uses ``backward(_:Z:A:)``).
    public func derivative<T>(Z: Matrix<T>, A: Matrix<T>) -> Matrix<T> {
        precondition(isElementwise, "softmax has a Jacobian, not an elementwise derivative")
        var result = Z
        result.withUnsafeMutableBufferPointer { r in
            A.withUnsafeBufferPointer { a in
                for i in r.indices { r[i] = derivative(z: r[i], a: a[i]) }
            }
        }
        return result
    }

    /// The logistic function, computed without overflow for large `|z|`: `1/(1 + e^{−z})` for
    /// `z ≥ 0`, `e^z/(1 + e^z)` below, so `σ(+∞) = 1` and `σ(−∞) = 0`.
    ///
    /// It runs the same vectorised kernel as a whole-layer ``forward(_:into:)``, so one value
    /// and a layer of values agree bit for bit.
    @inlinable
    public static func sigmoid<T: BackpropScalar>(_ z: T) -> T {
        VectorMath.apply(.sigmoid, z)
    }

    /// The elementwise loops, as functions of their buffers rather than closures capturing
    /// them: the compiler then knows the pointers are loop-invariant and vectorises each loop.
    /// Each value is loaded before it is chosen, so a choice is a blend, not a branch.
    enum Kernels {
        /// `a = max(z, 0)`, NaN kept (a NaN must reach the non-finite check, not turn into 0).
        static func relu<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, into a: UnsafeMutableBufferPointer<T>) {
            for i in 0..<a.count {
                let zi = z[i]
                a[i] = zi > 0 || zi != zi ? zi : 0
            }
        }

        /// `a = z > 0 ? z : slope·z`.
        static func leakyReLU<T: BackpropScalar>(_ z: UnsafeBufferPointer<T>, slope: T, into a: UnsafeMutableBufferPointer<T>) {
            for i in 0..<a.count {
                let zi = z[i]
                a[i] = zi > 0 ? zi : slope * zi
            }
        }

        /// `g ⊙= a(1 − a)`.
        static func sigmoidBackward<T: BackpropScalar>(_ g: UnsafeMutableBufferPointer<T>, _ a: UnsafeBufferPointer<T>) {
            for i in 0..<g.count { g[i] *= a[i] * (1 - a[i]) }
        }

        /// `g ⊙= 1 − a²`.
        static func tanhBackward<T: BackpropScalar>(_ g: UnsafeMutableBufferPointer<T>, _ a: UnsafeBufferPointer<T>) {
            for i in 0..<g.count { g[i] *= 1 - a[i] * a[i] }
        }

        /// `g = z > 0 ? g : 0`, as `g · [z > 0]`.
        ///
        /// The product, not a choice: `g = z > 0 ? g : 0` in place compiles to a conditional
        /// store, which neither vectorises nor predicts (about half a ReLU layer's units are
        /// off). The product differs only where a switched-off unit's gradient is already
        /// infinite or NaN (it stays NaN instead of becoming 0) and in the sign of a zero.
        static func reluBackward<T: BackpropScalar>(_ g: UnsafeMutableBufferPointer<T>, _ z: UnsafeBufferPointer<T>) {
            for i in 0..<g.count {
                let on: T = z[i] > 0 ? 1 : 0
                g[i] *= on
            }
        }

        /// `g = z > 0 ? g : slope·g`.
        static func leakyReLUBackward<T: BackpropScalar>(_ g: UnsafeMutableBufferPointer<T>, _ z: UnsafeBufferPointer<T>, slope: T) {
            for i in 0..<g.count {
                let gi = g[i]
                g[i] = z[i] > 0 ? gi : slope * gi
            }
        }
    }

    /// Column-wise softmax with the column maximum subtracted first (no overflow).
    public static func softmax<T>(_ Z: Matrix<T>) -> Matrix<T> {
        var A = Z
        softmaxInPlace(&A)
        return A
    }

    /// Replaces each column of `A` by its softmax.
    static func softmaxInPlace<T>(_ A: inout Matrix<T>) {
        let (rows, columns) = (A.rows, A.columns)
        A.withUnsafeMutableBufferPointer { a in
            for j in 0..<columns {
                let column = j * rows
                var largest = -T.infinity
                for i in 0..<rows { largest = Swift.max(largest, a[column + i]) }
                let total = VectorMath.exponentiate(UnsafeMutableBufferPointer(rebasing: a[column..<column + rows]), minus: largest)
                let inverse = 1 / total
                for i in 0..<rows { a[column + i] *= inverse }
            }
        }
    }
}

extension Activation: Codable {
    /// Reads the name ``init(name:)`` parses.
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let activation = Activation(name: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown activation '\(name)'"))
        }
        self = activation
    }

    /// Writes ``description``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
