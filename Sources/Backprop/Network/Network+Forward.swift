/// The forward pass and the cost.
extension Network {
    /// Runs `Z[l] = W[l] A[l−1] + b[l]`, `A[l] = g[l](Z[l])` for every layer and keeps both.
    /// - Throws: ``BackpropError/shapeMismatch(operation:left:right:)`` naming `W1` and `X`
    ///   when `X` does not have `n_x` rows.
    ///
    /// - Parameters:
    ///   - X: inputs `(n_x, m)`, one example per column.
    ///   - dropout: masks to apply after each hidden activation (training only).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ X: Matrix<Scalar>, dropout: DropoutMasks<Scalar>? = nil) throws -> ForwardCache<Scalar> {
        try checkInput(X)
        if let dropout {
            guard dropout.masks.count == depth else {
                throw BackpropError.invalidArgument("dropout masks for \(dropout.masks.count) layers on a network of \(depth)")
            }
            for (l, mask) in dropout.masks.enumerated() where mask != nil && mask!.shape != Shape(layers[l].outputSize, X.columns) {
                throw BackpropError.shapeMismatch(operation: "dropout mask D\(l + 1) against A\(l + 1)", left: mask!.shape, right: Shape(layers[l].outputSize, X.columns))
            }
        }
        var pass = Pass(network: self, examples: X.columns, inputGradient: true)
        pass.X = X
        pass.forward(self, dropout: dropout)
        return ForwardCache(pass: pass)
    }

    /// `A[L]` for `X`: probabilities for sigmoid and softmax outputs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ X: Matrix<Scalar>) throws -> Matrix<Scalar> {
        try checkInput(X)
        return parameters.withViews { inferred(X, through: depth, views: $0) }
    }

    /// `A[L]` for `X`, each layer writing into the output it wrote on the previous call with
    /// the same `buffers`: a loop over batches of one size allocates nothing per call (but a
    /// new result when the caller still holds the previous one).
    ///
    /// The result is the same as ``predict(_:)``'s, bit for bit.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ X: Matrix<Scalar>, reusing buffers: inout InferenceBuffers<Scalar>) throws -> Matrix<Scalar> {
        try checkInput(X)
        // No cache for a backward pass: only each layer's output, reused on the next call.
        return parameters.withViews { inferred(X, through: depth, views: $0, buffers: &buffers) }
    }

    /// `A[count]` for `X` by ``Layer/infer(_:parameters:)`` of layers `1 … count`, each output
    /// dropped once the next layer has read it, so at most two are alive (`predict(_:)`, and
    /// evaluation below the last layer).
    func inferred(_ X: Matrix<Scalar>, through count: Int, views: ParameterViews<Scalar>) -> Matrix<Scalar> {
        var A = X
        for index in 0..<count {
            A = layers[index].infer(A, parameters: views.layer(parameters.layerTensors[index]))
        }
        return A
    }

    /// The same by ``Layer/infer(_:parameters:into:)``, each layer writing into its output in
    /// `buffers`, all of them kept for the next call (`predict(_:reusing:)`).
    func inferred(
        _ X: Matrix<Scalar>, through count: Int, views: ParameterViews<Scalar>, buffers: inout InferenceBuffers<Scalar>
    ) -> Matrix<Scalar> {
        guard count > 0 else { return X }
        buffers.prepare(layers: count)
        for index in 0..<count {
            let input = index == 0 ? X : buffers.outputs[index - 1]
            layers[index].infer(input, parameters: views.layer(parameters.layerTensors[index]), into: &buffers.outputs[index])
        }
        return buffers.outputs[count - 1]
    }

    /// The cost `J = (1/m) Σ L(a_i, y_i) + λ/(2m) Σ_l ‖W[l]‖²_F`.
    ///
    /// - Parameters:
    ///   - X: inputs `(n_x, m)`.
    ///   - Y: labels `(n_y, m)`.
    ///   - lambda: the L2 strength λ.
    ///   - dropout: fixed masks (a gradient check with dropout holds them constant).
    ///   - labels: which labels to accept (``LabelRange``).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(
        _ X: Matrix<Scalar>, _ Y: Matrix<Scalar>, l2 lambda: Double = 0, dropout: DropoutMasks<Scalar>? = nil,
        labels: LabelRange = .loss
    ) throws -> Scalar {
        let cache = try forward(X, dropout: dropout)
        try checkLabels(Y, output: cache.output, range: labels)
        return Scalar(cost(cache: cache, Y: Y, l2: lambda, normalizer: X.columns).cost)
    }

    /// The summed loss and the cost (in `Double`) for a forward pass already made.
    func cost(cache: ForwardCache<Scalar>, Y: Matrix<Scalar>, l2 lambda: Double, normalizer m: Int)
        -> (summed: Double, cost: Double)
    {
        let summed = loss.summedLoss(Z: cache.Z(depth), A: cache.output, Y: Y)
        return (summed, cost(summedLoss: summed, examples: m, l2: lambda))
    }

    /// The one-line error for inputs of shape `X` (from `source`, e.g. `--input X.npy`) whose rows
    /// are not the network's `n_x`: the images an image first layer takes (`C·H·W` features per
    /// column) against the rows given, or a dense first layer's `W1` against `X`.
    public func inputMismatch(_ X: Shape, source: String = "X") -> BackpropError {
        if let image = layers[0] as? any ImageLayer {
            return .invalidArgument(
                "\(source) \(X) has \(X.rows) features per example, but layer 1 (\(layers[0])) takes images \(image.inputImage): \(inputSize) features per column, in C·H·W order")
        }
        return .shapeMismatch(operation: "W1 · X (W1 columns must equal X rows)", left: Shape(layers[0].outputSize, layers[0].inputSize), right: X)
    }

    func checkInput(_ X: Matrix<Scalar>) throws {
        guard X.rows == inputSize else { throw inputMismatch(X.shape) }
        guard X.columns > 0 else {
            throw BackpropError.invalidArgument("X \(X.shape) has no examples (m = 0)")
        }
    }

    func checkLabels(_ Y: Matrix<Scalar>, output: Matrix<Scalar>, range: LabelRange = .loss) throws {
        guard Y.shape == output.shape else {
            throw BackpropError.shapeMismatch(operation: "labels Y against output A\(depth) (shapes must be equal)", left: Y.shape, right: output.shape)
        }
        try loss.validate(labels: Y, range: range)
    }
}
