/// Gradient checking by central differences, in `Double`.
///
/// For every parameter θ_i, `ĝ_i = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε`, and each tensor is
/// compared with its analytic gradient `g` by `‖g − ĝ‖₂ / (‖g‖₂ + ‖ĝ‖₂)`. A `Float` network is
/// converted to `Double` first, so the check measures the derivation, not `Float` rounding.
/// The course's reading: below `1e-7` right, above `1e-3` a bug.
public enum GradientCheck {
    /// Checks the network's own backward pass on `X`, `Y`.
    ///
    /// - Parameters:
    ///   - dropout: masks held fixed through the whole check (optional).
    ///   - epsilon: the step ε (default `1e-6`: small enough for the O(ε²) truncation error,
    ///     large enough that rounding in `J` stays below it).
    ///   - worstCount: how many of the largest disagreements to list per tensor.
    public static func run<Scalar>(
        network: Network<Scalar>, X: Matrix<Scalar>, Y: Matrix<Scalar>,
        convention: Convention = .deferred, l2 lambda: Double = 0,
        dropout: DropoutMasks<Scalar>? = nil, epsilon: Double = 1e-6, worstCount: Int = 3
    ) throws -> GradientCheckReport {
        let model: Network<Double> = network.converted()
        let (x, y): (Matrix<Double>, Matrix<Double>) = (X.converted(), Y.converted())
        let masks: DropoutMasks<Double>? = dropout?.converted()
        let ledger = try model.gradients(x, y, convention: convention, l2: lambda, dropout: masks)
        return try compare(
            analytic: ledger.parameterGradients, network: model, X: x, Y: y, l2: lambda,
            dropout: masks, epsilon: epsilon, worstCount: worstCount)
    }

    /// Compares gradients computed elsewhere (a user's derivation, a custom layer) with
    /// central differences of the network's cost.
    ///
    /// - Parameter analytic: `[(dW[1], db[1]), …]` in the network's shapes.
    /// - Throws: when a supplied gradient's shape differs from its parameter's.
    public static func compare(
        analytic: [(dW: Matrix<Double>, db: Matrix<Double>)], network: Network<Double>,
        X: Matrix<Double>, Y: Matrix<Double>, l2 lambda: Double = 0,
        dropout: DropoutMasks<Double>? = nil, epsilon: Double = 1e-6, worstCount: Int = 3
    ) throws -> GradientCheckReport {
        guard analytic.count == network.depth else {
            throw BackpropError.invalidArgument("expected gradients for \(network.depth) layers, got \(analytic.count)")
        }
        var tensors: [GradientCheckReport.Tensor] = []
        var (differenceSquares, analyticSquares, numericSquares) = (0.0, 0.0, 0.0)
        for l in 1...network.depth {
            for isBias in [false, true] {
                let parameter = isBias ? network.layer(l).b : network.layer(l).W
                let g = isBias ? analytic[l - 1].db : analytic[l - 1].dW
                let name = (isBias ? "db" : "dW") + "\(l)"
                guard g.shape == parameter.shape else {
                    throw BackpropError.shapeMismatch(operation: "\(name) against its parameter", left: g.shape, right: parameter.shape)
                }
                let numeric = try numericGradient(
                    network: network, layer: l, bias: isBias, X: X, Y: Y, l2: lambda, dropout: dropout,
                    epsilon: epsilon)
                let tensor = GradientCheckReport.Tensor(
                    name: name, analytic: g, numeric: numeric, worstCount: worstCount,
                    examples: X.columns)
                differenceSquares += (g - numeric).squaredNorm()
                analyticSquares += g.squaredNorm()
                numericSquares += numeric.squaredNorm()
                tensors.append(tensor)
            }
        }
        let overall = GradientCheckReport.relativeDifference(
            difference: differenceSquares.squareRoot(), analytic: analyticSquares.squareRoot(),
            numeric: numericSquares.squareRoot())
        return GradientCheckReport(tensors: tensors, overall: overall, epsilon: epsilon)
    }

    /// Central differences for every entry of `W[l]` (or `b[l]`).
    static func numericGradient(
        network: Network<Double>, layer l: Int, bias: Bool, X: Matrix<Double>, Y: Matrix<Double>,
        l2 lambda: Double, dropout: DropoutMasks<Double>?, epsilon: Double
    ) throws -> Matrix<Double> {
        var probe = network
        let original = bias ? network.layer(l).b : network.layer(l).W
        var result = Matrix<Double>(shape: original.shape)
        for index in 0..<original.count {
            var shifted = original
            shifted.elements[index] = original.elements[index] + epsilon
            try set(&probe, layer: l, bias: bias, to: shifted)
            let plus = Double(try probe.cost(X, Y, l2: lambda, dropout: dropout))
            shifted.elements[index] = original.elements[index] - epsilon
            try set(&probe, layer: l, bias: bias, to: shifted)
            let minus = Double(try probe.cost(X, Y, l2: lambda, dropout: dropout))
            result.elements[index] = (plus - minus) / (2 * epsilon)
        }
        return result
    }

    private static func set(_ network: inout Network<Double>, layer l: Int, bias: Bool, to value: Matrix<Double>) throws {
        let current = network.layer(l)
        try network.setParameters(layer: l, W: bias ? current.W : value, b: bias ? value : current.b)
    }
}
