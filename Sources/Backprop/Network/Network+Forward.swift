/// The forward pass and the cost.
extension Network {
    /// Runs `Z[l] = W[l] A[l−1] + b[l]`, `A[l] = g[l](Z[l])` for every layer and keeps both.
    /// - Throws: ``BackpropError/shapeMismatch(operation:left:right:)`` naming `W1` and `X`
    ///   when `X` does not have `n_x` rows.
    ///
    /// - Parameter dropout: masks to apply after each hidden activation (training only).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ X: Matrix<Scalar>, dropout: DropoutMasks<Scalar>? = nil) throws -> ForwardCache<Scalar> {
        try checkInput(X)
        if let dropout {
            for (l, mask) in dropout.masks.enumerated() where mask != nil && mask!.columns != X.columns {
                throw BackpropError.shapeMismatch(operation: "dropout mask D\(l + 1) against the batch", left: mask!.shape, right: X.shape)
            }
        }
        var cache = ForwardCache<Scalar>(preActivations: [], activations: [X], dropout: dropout)
        cache.preActivations.reserveCapacity(depth)
        cache.activations.reserveCapacity(depth + 1)
        for (index, layer) in layers.enumerated() {
            let Z = layer.linear(cache.activations[cache.activations.count - 1])
            var A = layer.activation.forward(Z)
            if let dropout, dropout.masks[index] != nil {
                cache.undropped[index + 1] = A
                dropout.apply(layer: index + 1, to: &A)
            }
            cache.activations.append(A)
            cache.preActivations.append(Z)
        }
        return cache
    }

    /// `A[L]` for `X`: probabilities for sigmoid and softmax outputs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ X: Matrix<Scalar>) throws -> Matrix<Scalar> {
        try checkInput(X)
        // No cache: each layer's Z becomes its A in place, one matrix per layer.
        var A = X
        for layer in layers {
            var Z = layer.linear(A)
            layer.activation.forward(inPlace: &Z)
            A = Z
        }
        return A
    }

    /// The cost `J = (1/m) Σ L(a_i, y_i) + λ/(2m) Σ_l ‖W[l]‖²_F`.
    ///
    /// - Parameter dropout: fixed masks (a gradient check with dropout holds them constant).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cost(
        _ X: Matrix<Scalar>, _ Y: Matrix<Scalar>, l2 lambda: Double = 0, dropout: DropoutMasks<Scalar>? = nil
    ) throws -> Scalar {
        let cache = try forward(X, dropout: dropout)
        try checkLabels(Y, output: cache.output)
        return Scalar(cost(cache: cache, Y: Y, l2: lambda, normalizer: X.columns).cost)
    }

    /// The summed loss and the cost (in `Double`) for a forward pass already made.
    func cost(cache: ForwardCache<Scalar>, Y: Matrix<Scalar>, l2 lambda: Double, normalizer m: Int)
        -> (summed: Double, cost: Double)
    {
        let summed = loss.summedLoss(Z: cache.Z(depth), A: cache.output, Y: Y)
        var cost = summed / Double(m)
        cost += l2Penalty(lambda, examples: m)
        return (summed, cost)
    }

    /// The L2 term of the cost, `λ/(2m) Σ_l ‖W[l]‖²_F` (0 when λ = 0).
    public func l2Penalty(_ lambda: Double, examples m: Int) -> Double {
        lambda == 0 ? 0 : lambda / (2 * Double(m)) * layers.reduce(0.0) { $0 + $1.W.squaredNorm() }
    }

    func checkInput(_ X: Matrix<Scalar>) throws {
        guard X.rows == inputSize else {
            throw BackpropError.shapeMismatch(operation: "W1 · X (W1 columns must equal X rows)", left: layers[0].W.shape, right: X.shape)
        }
        guard X.columns > 0 else {
            throw BackpropError.invalidArgument("X \(X.shape) has no examples (m = 0)")
        }
    }

    func checkLabels(_ Y: Matrix<Scalar>, output: Matrix<Scalar>) throws {
        guard Y.shape == output.shape else {
            throw BackpropError.shapeMismatch(operation: "labels Y against output A\(depth) (shapes must be equal)", left: Y.shape, right: output.shape)
        }
        try loss.validate(labels: Y)
    }
}
