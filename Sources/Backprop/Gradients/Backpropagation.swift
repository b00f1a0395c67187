/// The backward pass: from `dZ[L]` down to `dA[0]`, filling the ledger.
extension Network {
    /// One backward pass over a forward cache.
    ///
    /// - Parameters:
    ///   - cache: from ``forward(_:)`` on the same parameters.
    ///   - Y: labels `(n_y, m)`: 0/1 for sigmoid outputs, one-hot for softmax.
    ///   - convention: where the 1/m goes (``Convention``).
    ///   - lambda: the L2 strength λ; adds `(λ/m) W[l]` to each `dW[l]`.
    ///   - normalizer: the m to divide by; defaults to this batch's m. Data-parallel training
    ///     passes the global batch size M here (or 1 to get unscaled sums to add across ranks,
    ///     then scales once by 1/M). The L2 penalty belongs to the whole batch: pass `l2` on
    ///     exactly one rank (or add `(λ/M) W[l]` once after the reduction), or it is counted
    ///     once per rank.
    /// - Throws: when `Y` does not have the output's shape (the message names both).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(
        _ cache: ForwardCache<Scalar>, Y: Matrix<Scalar>, convention: Convention = .deferred,
        l2 lambda: Double = 0, normalizer: Int? = nil
    ) throws -> Ledger<Scalar> {
        try checkLabels(Y, output: cache.output)
        let m = normalizer ?? cache.exampleCount
        guard m > 0 else { throw BackpropError.invalidArgument("the normalizer m must be positive, not \(m)") }
        let (summed, cost) = cost(cache: cache, Y: Y, l2: lambda, normalizer: m)

        let L = depth
        // dZ[L]: the per-example gradient A − Y (or (A − Y) ⊙ g′ for MSE) …
        var dZ = loss.outputGradient(Z: cache.Z(L), A: cache.output, Y: Y, output: outputActivation)
        // … divided by m here under "absorbed", or by each dW, db under "deferred".
        if convention == .absorbed { dZ /= Scalar(m) }
        let parameterScale: Scalar = convention == .deferred ? 1 / Scalar(m) : 1

        var pages: [LayerLedger<Scalar>] = []
        pages.reserveCapacity(L)
        for l in stride(from: L, through: 1, by: -1) {
            let layer = layers[l - 1]
            let APrevious = cache.A(l - 1)
            // dW[l] = scale · dZ[l] A[l−1]ᵀ (+ λ/m W[l]); the transpose is a BLAS flag.
            var dW = Matrix<Scalar>(shape: layer.W.shape)
            dW.formProduct(dZ, .none, APrevious, .transposed, alpha: parameterScale, beta: 0)
            if lambda != 0 { dW += (Scalar(lambda) / Scalar(m)) * layer.W }
            // db[l] = scale · Σ_columns dZ[l]  (np.sum(dZ, axis=1, keepdims=True)).
            var db = Matrix<Scalar>(shape: layer.b.shape)
            dZ.sumColumns(into: &db, scale: parameterScale)
            // dA[l−1] = W[l]ᵀ dZ[l].
            let dAPrevious = layer.W.T.dot(dZ)
            pages.append(LayerLedger(
                layer: l, Z: cache.Z(l), A: cache.A(l), dZ: dZ, dAPrevious: dAPrevious, dW: dW, db: db))
            // dZ[l−1] = dA[l−1] ⊙ g′[l−1](Z[l−1]), after undoing dropout's mask on dA[l−1].
            if l > 1 {
                var dA = dAPrevious
                var A = cache.A(l - 1)
                if let dropout = cache.dropout, let undropped = cache.undropped[l - 1] {
                    dropout.apply(layer: l - 1, to: &dA)
                    A = undropped
                }
                dZ = layers[l - 2].activation.backward(dA, Z: cache.Z(l - 1), A: A)
            }
        }
        return Ledger(
            layers: pages.reversed(), cost: Scalar(cost), summedLoss: summed,
            convention: convention, normalizer: m)
    }

    /// Forward and backward in one call: the ledger for `X`, `Y`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradients(
        _ X: Matrix<Scalar>, _ Y: Matrix<Scalar>, convention: Convention = .deferred,
        l2 lambda: Double = 0, dropout: DropoutMasks<Scalar>? = nil
    ) throws -> Ledger<Scalar> {
        try backward(forward(X, dropout: dropout), Y: Y, convention: convention, l2: lambda)
    }
}
