/// A dense layer with its parameters as values: `Z = W A_prev + b`, `A = g(Z)`.
///
/// The network keeps parameters in its slab; this is the form to build a network from given
/// `W`, `b` (`Network(layers:loss:)` with dense layers) and to read one layer back
/// (``Network/layer(_:)``). The arithmetic is ``Dense``'s.
///
/// `W` is `(n_l, n_{l−1})`, the layout of PyTorch's `nn.Linear.weight` `(out, in)`; `b` is
/// `(n_l, 1)` and broadcasts across the m example columns.
public struct DenseLayer<Scalar: BackpropScalar>: Sendable, Equatable {
    /// `W[l]`, `(n_l, n_{l−1})`.
    public var W: Matrix<Scalar>
    /// `b[l]`, `(n_l, 1)`.
    public var b: Matrix<Scalar>
    /// `g[l]`.
    public var activation: Activation

    /// A layer from its parameters.
    /// - Throws: ``BackpropError/shapeMismatch(operation:left:right:)`` when `b` is not
    ///   `(W.rows, 1)`.
    public init(W: Matrix<Scalar>, b: Matrix<Scalar>, activation: Activation) throws {
        guard b.shape == Shape(W.rows, 1) else {
            throw BackpropError.shapeMismatch(operation: "layer parameters W and b", left: W.shape, right: b.shape)
        }
        self.W = W
        self.b = b
        self.activation = activation
    }

    init(kind: Dense, W: Matrix<Scalar>, b: Matrix<Scalar>) {
        self.W = W
        self.b = b
        self.activation = kind.g
    }

    /// The layer's kind (its structure, without parameters).
    public var kind: Dense { Dense(inputSize: inputSize, outputSize: outputSize, activation: activation) }
    /// `n_{l−1}`, the number of inputs.
    public var inputSize: Int { W.columns }
    /// `n_l`, the number of units.
    public var outputSize: Int { W.rows }
    /// The number of trainable numbers, `n_l · n_{l−1} + n_l`.
    public var parameterCount: Int { W.count + b.count }

    /// `Z = W A_prev + b`.
    public func linear(_ previous: Matrix<Scalar>) -> Matrix<Scalar> {
        var Z = Matrix<Scalar>(rows: outputSize, columns: previous.columns)
        W.withUnsafeBufferPointer { w in
            b.withUnsafeBufferPointer { bias in
                kind.linear(
                    previous, W: TensorView(base: w.baseAddress!, rows: W.rows, columns: W.columns),
                    b: TensorView(base: bias.baseAddress!, rows: b.rows, columns: 1), into: &Z)
            }
        }
        return Z
    }

    /// The same layer in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> DenseLayer<Other> {
        DenseLayer<Other>(kind: kind, W: W.converted(), b: b.converted())
    }
}
