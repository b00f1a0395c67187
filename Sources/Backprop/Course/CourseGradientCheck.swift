/// The course's one-dimensional gradient check of a scalar function `J(θ)` against its
/// analytic derivative, by the central difference:
///
///     thetaplus  = θ + ε,   thetaminus = θ − ε
///     J_plus     = J(thetaplus),   J_minus = J(thetaminus)
///     gradapprox = (J_plus − J_minus) / (2ε)
///     grad       = gradient(θ)
///     difference = ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)
///
/// computed in `Double` in exactly that order, with `‖x‖ = √(x·x)` as `np.linalg.norm` of one
/// number, so the course's printed differences come out to the last digit (`J(θ) = θx`,
/// `θ = 4`: `2.919335883291695e-10` for `x = 2`). The course reads below `1e-7` as right.
///
/// Course 2, Week 1, `gradient_check(x, theta, epsilon=1e-7)`, where `J` is its
/// `forward_propagation(x, theta)` and `gradient` its `backward_propagation(x, theta)`.
///
/// - Returns: `difference`.
public func gradient_check(
    _ theta: Double, epsilon: Double = 1e-7,
    J: (Double) -> Double, gradient: (Double) -> Double
) -> Double {
    let thetaplus = theta + epsilon
    let thetaminus = theta - epsilon
    let J_plus = J(thetaplus)
    let J_minus = J(thetaminus)
    let gradapprox = (J_plus - J_minus) / (2 * epsilon)
    let grad = gradient(theta)
    let numerator = norm([grad - gradapprox])
    let denominator = norm([grad]) + norm([gradapprox])
    return numerator / denominator
}

/// The course's N-dimensional gradient check over a flat parameter vector `θ`: for each entry
/// `i`, `gradapprox[i] = (J(θ + ε eᵢ) − J(θ − ε eᵢ)) / (2ε)`, then
/// `difference = ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)`, in `Double`.
///
/// Course 2, Week 1, `gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7)`, with its
/// `dictionary_to_vector(parameters)` as `theta`, `gradients_to_vector(gradients)` as
/// `gradient` and `forward_propagation_n(X, Y, vector_to_dictionary(θ))`'s cost as `J`.
/// The course reads a difference above `2e-7` as a mistake in the backward pass.
///
/// - Precondition: `gradient` has one entry per entry of `theta`.
/// - Returns: `difference`.
public func gradient_check_n(
    _ theta: [Double], gradient grad: [Double], epsilon: Double = 1e-7, J: ([Double]) -> Double
) -> Double {
    precondition(grad.count == theta.count,
        "gradient has \(grad.count) entries for a θ of \(theta.count)")
    var gradapprox = [Double](repeating: 0, count: theta.count)
    for i in theta.indices {
        var theta_plus = theta
        theta_plus[i] = theta_plus[i] + epsilon
        let J_plus = J(theta_plus)
        var theta_minus = theta
        theta_minus[i] = theta_minus[i] - epsilon
        let J_minus = J(theta_minus)
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    }
    let numerator = norm(zip(grad, gradapprox).map { $0 - $1 })
    let denominator = norm(grad) + norm(gradapprox)
    return numerator / denominator
}

/// `√(Σ xᵢ²)`, summed in order (`np.linalg.norm` of a vector).
private func norm(_ x: [Double]) -> Double {
    x.reduce(0) { $0 + $1 * $1 }.squareRoot()
}
