/// A fully connected layer: `Z = W A_prev + b`, `A = g(Z)`.
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

    /// `n_{l−1}`, the number of inputs.
    public var inputSize: Int { W.columns }
    /// `n_l`, the number of units.
    public var outputSize: Int { W.rows }
    /// The number of trainable numbers, `n_l · n_{l−1} + n_l`.
    public var parameterCount: Int { W.count + b.count }

    /// `Z = W A_prev + b`.
    public func linear(_ previous: Matrix<Scalar>) -> Matrix<Scalar> {
        var Z = Matrix<Scalar>(rows: outputSize, columns: previous.columns)
        linear(previous, into: &Z)
        return Z
    }

    /// Writes `W A_prev + b` into `Z`: the bias is laid down first and the GEMM adds onto it
    /// (`β = 1`), so no extra pass is needed.
    public func linear(_ previous: Matrix<Scalar>, into Z: inout Matrix<Scalar>) {
        precondition(previous.rows == inputSize && Z.shape == Shape(outputSize, previous.columns),
            "shape mismatch in W · A + b: W \(W.shape), A \(previous.shape), Z \(Z.shape)")
        let rows = outputSize
        Z.withUnsafeMutableBufferPointer { z in
            b.withUnsafeBufferPointer { bias in
                guard let bias = bias.baseAddress, var column = z.baseAddress else { return }
                // A copy call per column for tall layers; a plain loop where a column is a few
                // elements (the call would cost more than the copy).
                if rows >= 16 {
                    for _ in 0..<previous.columns {
                        column.update(from: bias, count: rows)
                        column += rows
                    }
                } else {
                    for _ in 0..<previous.columns {
                        for i in 0..<rows { column[i] = bias[i] }
                        column += rows
                    }
                }
            }
        }
        Z.formProduct(W, .none, previous, .none, alpha: 1, beta: 1)
    }

    /// The same layer in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> DenseLayer<Other> {
        // The shapes are already known to fit.
        try! DenseLayer<Other>(W: W.converted(), b: b.converted(), activation: activation)
    }
}
