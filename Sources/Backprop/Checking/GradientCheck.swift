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
    ///   - network: the network whose backward pass is checked (converted to `Double`).
    ///   - X: inputs `(n_x, m)`.
    ///   - Y: labels `(n_y, m)`.
    ///   - convention: where the backward pass puts the 1/m.
    ///   - lambda: the L2 strength λ.
    ///   - dropout: masks held fixed through the whole check (optional).
    ///   - epsilon: the step ε (default `1e-6`: small enough for the O(ε²) truncation error,
    ///     large enough that rounding in `J` stays below it).
    ///   - worstCount: how many of the largest disagreements to list per tensor.
    ///   - labels: which labels to accept (``LabelRange/anyFinite`` for a learner's `Y = randn(…)`).
    public static func run<Scalar>(
        network: Network<Scalar>, X: Matrix<Scalar>, Y: Matrix<Scalar>,
        convention: Convention = .deferred, l2 lambda: Double = 0,
        dropout: DropoutMasks<Scalar>? = nil, epsilon: Double = 1e-6, worstCount: Int = 3,
        labels: LabelRange = .loss
    ) throws -> GradientCheckReport {
        let model: Network<Double> = network.converted()
        let (x, y): (Matrix<Double>, Matrix<Double>) = (X.converted(), Y.converted())
        let masks: DropoutMasks<Double>? = dropout?.converted()
        let ledger = try model.gradients(x, y, convention: convention, l2: lambda, dropout: masks, labels: labels)
        return try compare(
            analytic: ledger.gradients, network: model, X: x, Y: y, l2: lambda,
            dropout: masks, epsilon: epsilon, worstCount: worstCount, labels: labels)
    }

    /// Compares gradients computed elsewhere (a user's derivation) with central differences,
    /// given by name: `["dW1": …, "db1": …]`, one per parameter (``ParameterTensor/gradientSymbol``
    /// or the parameter's `state_dict` name).
    /// - Parameters:
    ///   - analytic: the gradients to check, one per parameter, in the parameters' shapes.
    ///   - network: the network whose cost is differenced.
    ///   - X: inputs `(n_x, m)`.
    ///   - Y: labels `(n_y, m)`.
    ///   - lambda: the L2 strength λ in the cost.
    ///   - dropout: masks held fixed (optional).
    ///   - epsilon: the step ε.
    ///   - worstCount: how many of the largest disagreements to list per tensor.
    /// - Throws: when a gradient is missing or its shape differs from its parameter's.
    public static func compare(
        analytic: [String: Matrix<Double>], network: Network<Double>,
        X: Matrix<Double>, Y: Matrix<Double>, l2 lambda: Double = 0,
        dropout: DropoutMasks<Double>? = nil, epsilon: Double = 1e-6, worstCount: Int = 3
    ) throws -> GradientCheckReport {
        try compare(
            analytic: Gradients(analytic, for: network.parameters), network: network, X: X, Y: Y, l2: lambda,
            dropout: dropout, epsilon: epsilon, worstCount: worstCount)
    }

    /// Compares gradients computed elsewhere (a user's derivation, a custom layer) with
    /// central differences of the network's cost, tensor by tensor over its parameters.
    /// - Parameters:
    ///   - analytic: the gradients to check, in the network's parameter layout.
    ///   - network: the network whose cost is differenced.
    ///   - X: inputs `(n_x, m)`.
    ///   - Y: labels `(n_y, m)`.
    ///   - lambda: the L2 strength λ in the cost.
    ///   - dropout: masks held fixed (optional).
    ///   - epsilon: the step ε.
    ///   - worstCount: how many of the largest disagreements to list per tensor.
    ///   - labels: which labels to accept (``LabelRange``).
    /// - Throws: when the gradients' layout is not the network's.
    public static func compare(
        analytic: Gradients<Double>, network: Network<Double>,
        X: Matrix<Double>, Y: Matrix<Double>, l2 lambda: Double = 0,
        dropout: DropoutMasks<Double>? = nil, epsilon: Double = 1e-6, worstCount: Int = 3,
        labels: LabelRange = .loss
    ) throws -> GradientCheckReport {
        guard analytic.tensors == network.parameters.tensors else {
            throw BackpropError.invalidArgument("the gradients are laid out for other parameters than the network's")
        }
        var tensors: [GradientCheckReport.Tensor] = []
        var (differenceSquares, analyticSquares, numericSquares) = (0.0, 0.0, 0.0)
        // State the optimizer does not train (running statistics) has no gradient to check.
        for parameter in network.parameters.tensors where parameter.isTrainable {
            let g = analytic.matrix(parameter)
            let numeric = try numericGradient(
                network: network, tensor: parameter, X: X, Y: Y, l2: lambda, dropout: dropout, epsilon: epsilon, labels: labels)
            let tensor = GradientCheckReport.Tensor(
                name: parameter.gradientSymbol, analytic: g, numeric: numeric, worstCount: worstCount,
                examples: X.columns)
            differenceSquares += (g - numeric).squaredNorm()
            analyticSquares += g.squaredNorm()
            numericSquares += numeric.squaredNorm()
            tensors.append(tensor)
        }
        let overall = GradientCheckReport.relativeDifference(
            difference: differenceSquares.squareRoot(), analytic: analyticSquares.squareRoot(),
            numeric: numericSquares.squareRoot())
        return GradientCheckReport(tensors: tensors, overall: overall, epsilon: epsilon)
    }

    /// Central differences for every entry of one parameter tensor.
    static func numericGradient(
        network: Network<Double>, tensor: ParameterTensor, X: Matrix<Double>, Y: Matrix<Double>,
        l2 lambda: Double, dropout: DropoutMasks<Double>?, epsilon: Double, labels: LabelRange = .loss
    ) throws -> Matrix<Double> {
        var probe = network
        var result = Matrix<Double>(shape: tensor.shape)
        for (index, position) in tensor.range.enumerated() {
            let original = network.parameters.slab[position]
            probe.parameters.slab[position] = original + epsilon
            let plus = Double(try probe.cost(X, Y, l2: lambda, dropout: dropout, labels: labels))
            probe.parameters.slab[position] = original - epsilon
            let minus = Double(try probe.cost(X, Y, l2: lambda, dropout: dropout, labels: labels))
            probe.parameters.slab[position] = original
            result.elements[index] = (plus - minus) / (2 * epsilon)
        }
        return result
    }
}
