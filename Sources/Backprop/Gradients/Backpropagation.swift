/// The allocating API over the one pass (``Pass``): a ledger for given inputs.
extension Network {
    /// One backward pass over a forward cache.
    ///
    /// - Parameters:
    ///   - cache: from ``forward(_:dropout:)`` on the same parameters (or built from given `Z`, `A`).
    ///   - Y: labels `(n_y, m)`: 0/1 for sigmoid outputs, one-hot for softmax.
    ///   - convention: where the 1/m goes (``Convention``).
    ///   - lambda: the L2 strength λ; adds `(λ/m) W[l]` to each `dW[l]`.
    ///   - normalizer: the m to divide by; defaults to this batch's m. Pass a global batch size M
    ///     to get a part of a larger batch's gradient.
    ///   - labels: which labels to accept (``LabelRange``; the analysis commands take any finite `Y`).
    /// - Throws: when `Y` does not have the output's shape (the message names both).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(
        _ cache: ForwardCache<Scalar>, Y: Matrix<Scalar>, convention: Convention = .deferred,
        l2 lambda: Double = 0, normalizer: Int? = nil, labels: LabelRange = .loss
    ) throws -> Ledger<Scalar> {
        try checkLabels(Y, output: cache.output, range: labels)
        let m = normalizer ?? cache.exampleCount
        guard m > 0 else { throw BackpropError.invalidArgument("the normalizer m must be positive, not \(m)") }
        var pass = cache.pass
        if pass.inputGradient == nil { pass.inputGradient = Matrix(rows: inputSize, columns: pass.examples) }
        pass.Y = Y
        let summed = pass.backward(self, seedDivisor: convention.scales(examples: m).seedDivisor)
        pass.gradients.finalize(examples: m, convention: convention, l2: lambda, parameters: parameters)
        return Ledger(
            pass: pass, network: self, cost: Scalar(cost(summedLoss: summed, examples: m, l2: lambda)),
            convention: convention, normalizer: m)
    }

    /// Forward and backward in one call: the ledger for `X`, `Y`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradients(
        _ X: Matrix<Scalar>, _ Y: Matrix<Scalar>, convention: Convention = .deferred,
        l2 lambda: Double = 0, dropout: DropoutMasks<Scalar>? = nil, labels: LabelRange = .loss
    ) throws -> Ledger<Scalar> {
        try backward(forward(X, dropout: dropout), Y: Y, convention: convention, l2: lambda, labels: labels)
    }
}
