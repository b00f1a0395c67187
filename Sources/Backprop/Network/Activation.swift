/// An activation `A = g(Z)`, with its derivative written right beside it.
///
/// Each activation is one block in Sources/Backprop/Activations (value, derivative, whole-layer
/// kernels, name, PyTorch module, ONNX nodes, how an explanation writes it); this type names
/// them. Every activation but ``softmax`` acts element by element, so its backward step is
/// `dZ = dA ⊙ g′(Z)`. Softmax mixes a column's entries; its backward step is the
/// Jacobian–vector product `dZ = A ⊙ (dA − Σ_rows(dA ⊙ A))`. With cross-entropy it is never
/// needed: the loss hands back `dZ = A − Y` directly.
public struct Activation: Hashable, Sendable, CustomStringConvertible {
    let block: any ActivationFunction

    init(_ block: any ActivationFunction) { self.block = block }

    /// `σ(z) = 1 / (1 + e^{−z})`; `σ′(z) = σ(z)(1 − σ(z))`.
    public static let sigmoid = Activation(Sigmoid())
    /// `tanh z`; `tanh′(z) = 1 − tanh²(z)`.
    public static let tanh = Activation(Tanh())
    /// `max(0, z)`; derivative `1` for `z > 0`, else `0` (the subgradient at 0 is 0, as PyTorch).
    /// NaN stays NaN, so a poisoned input is not silently zeroed.
    public static let relu = Activation(ReLU())
    /// `z` for `z > 0`, else `slope · z`; derivative `1` or `slope`.
    public static func leakyReLU(slope: Double) -> Activation { Activation(LeakyReLU(slope: slope)) }
    /// `softmax(z)_i = e^{z_i − max z} / Σ_j e^{z_j − max z}`, per column (output layers).
    public static let softmax = Activation(Softmax())
    /// `z`; derivative `1` (a linear output, e.g. for regression with MSE).
    public static let identity = Activation(Identity())

    /// The activations a hidden layer may use.
    public static let hiddenCases: [Activation] = [.sigmoid, .tanh, .relu, .leakyReLU(slope: 0.01), .identity]

    /// Every activation by name (the aliases ``init(name:)`` also reads).
    static let named: [String: Activation] = [
        "sigmoid": .sigmoid, "tanh": .tanh, "relu": .relu, "softmax": .softmax,
        "leaky_relu": .leakyReLU(slope: 0.01), "leakyrelu": .leakyReLU(slope: 0.01), "leaky-relu": .leakyReLU(slope: 0.01),
        "identity": .identity, "linear": .identity, "none": .identity,
    ]

    /// Parses `sigmoid`, `tanh`, `relu`, `leaky_relu` (slope 0.01) or `leaky_relu:0.2`,
    /// `softmax`, `identity` (or `linear`).
    public init?(name: String) {
        let lowered = name.lowercased()
        if let known = Self.named[lowered] {
            self = known
            return
        }
        let parts = lowered.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, Self.named[String(parts[0])]?.block is LeakyReLU,
              let slope = Double(parts[1]), slope.isFinite
        else { return nil }
        self = .leakyReLU(slope: slope)
    }

    /// The name ``init(name:)`` reads back.
    public var description: String { block.name }

    public static func == (lhs: Activation, rhs: Activation) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    /// The PyTorch module that computes `g` (`nn.Sequential` entry).
    public var pyTorchModule: String { block.pyTorchModule }

    /// Whether `g` acts on each element alone (everything but softmax).
    public var isElementwise: Bool { block.isElementwise }

    /// Whether a hidden layer of it is best started with He's initialisation (ReLU family).
    public var prefersHeInitialization: Bool { block.prefersHeInitialization }

    // MARK: Forward and derivative, side by side

    /// `g(z)` for one element (not for softmax, which needs the whole column).
    ///
    /// Sigmoid gives the same bits as a layer's ``forward(_:into:)``; tanh is libm's here and
    /// may differ from the vectorised layer kernel in the last place (at most 2 ulp).
    public func value<T: BackpropScalar>(_ z: T) -> T { block.value(z) }

    /// `g′(z)` for one element, given `z` and `a = g(z)` (whichever is cheaper is used).
    public func derivative<T: BackpropScalar>(z: T, a: T) -> T { block.derivative(z: z, a: a) }

    /// `A = g(Z)` for a whole layer.
    public func forward<T>(_ Z: Matrix<T>) -> Matrix<T> {
        var A = Z
        forward(Z, into: &A)
        return A
    }

    /// Writes `g(Z)` into `A` (same shape), reusing its storage.
    public func forward<T>(_ Z: Matrix<T>, into A: inout Matrix<T>) {
        precondition(A.shape == Z.shape, "shape mismatch in activation: \(Z.shape) and \(A.shape)")
        let rows = Z.rows
        A.withUnsafeMutableBufferPointer { a in
            Z.withUnsafeBufferPointer { z in block.forward(z, into: a, rows: rows) }
        }
    }

    /// Replaces `Z` by `g(Z)` (inference, where `Z` is not needed afterwards).
    public func forward<T>(inPlace Z: inout Matrix<T>) {
        let rows = Z.rows
        Z.withUnsafeMutableBufferPointer { z in block.forward(UnsafeBufferPointer(z), into: z, rows: rows) }
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
        let rows = Z.rows
        d.withUnsafeMutableBufferPointer { g in
            Z.withUnsafeBufferPointer { z in
                A.withUnsafeBufferPointer { a in block.backward(UnsafeBufferPointer(g), z: z, a: a, into: g, rows: rows) }
            }
        }
    }

    /// Writes `dZ = dA ⊙ g′(Z)` into `dZ` (same shape), reusing its storage: a layer's backward
    /// step without copying `dA` first.
    public func backward<T>(_ dA: Matrix<T>, Z: Matrix<T>, A: Matrix<T>, into dZ: inout Matrix<T>) {
        precondition(dA.shape == Z.shape && A.shape == Z.shape && dZ.shape == Z.shape,
            "shape mismatch in activation backward: \(dA.shape), \(Z.shape), \(A.shape) into \(dZ.shape)")
        let rows = Z.rows
        dZ.withUnsafeMutableBufferPointer { d in
            dA.withUnsafeBufferPointer { g in
                Z.withUnsafeBufferPointer { z in
                    A.withUnsafeBufferPointer { a in block.backward(g, z: z, a: a, into: d, rows: rows) }
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

    /// Column-wise softmax with the column maximum subtracted first (no overflow).
    public static func softmax<T>(_ Z: Matrix<T>) -> Matrix<T> { Activation.softmax.forward(Z) }
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
