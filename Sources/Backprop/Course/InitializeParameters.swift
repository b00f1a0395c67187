/// Parameters for a network of sizes `layer_dims = [n_0 = n_x, n_1, …, n_L]`: each `W[l]` from
/// standard-normal draws scaled by `scale`, each `b[l]` zeros.
///
/// Course 1, Week 4, `initialize_parameters_deep(layer_dims)`: the "Step by Step" notebook's
/// `np.random.randn(layer_dims[l], layer_dims[l-1]) * 0.01` is the default; its "Application"
/// notebook divides by `np.sqrt(layer_dims[l-1])` instead (``CourseWeightScale/overSquareRootOfFanIn``).
///
/// - Parameters:
///   - layer_dims: `[n_x, n_1, …, n_L]`, at least two sizes, all positive.
///   - randn: the standard-normal draws, consumed as the notebook consumes
///     `np.random.randn`: `W1` row by row (C order), then `W2`, …; the biases take none. So
///     after `np.random.seed(3)`, `np.random.randn(Σ n_l n_{l−1})` is exactly the list that
///     gives the notebook's `parameters` to the last digit.
///   - scale: how draws become weights.
/// - Precondition: `randn` holds exactly `Σ_l n_l · n_{l−1}` values.
public func initialize_parameters_deep<T: BackpropScalar>(
    _ layer_dims: [Int], randn: [Double], scale: CourseWeightScale = .times(0.01)
) -> CourseParameters<T> {
    precondition(layer_dims.count >= 2 && layer_dims.allSatisfy { $0 > 0 },
        "layer_dims needs at least two positive sizes, not \(layer_dims)")
    let needed = zip(layer_dims, layer_dims.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
    precondition(randn.count == needed,
        "layer_dims \(layer_dims) need \(needed) standard-normal draws, not \(randn.count)")
    var next = 0
    var layers: [CourseParameters<T>.Layer] = []
    for l in 1..<layer_dims.count {
        let (rows, columns) = (layer_dims[l], layer_dims[l - 1])
        let draws = randn[next..<(next + rows * columns)]
        next += rows * columns
        let W = Matrix<T>(rows: rows, columns: columns,
                          rowMajor: draws.map { T(scale.weight(draw: $0, fanIn: columns)) })
        layers.append(.init(W: W, b: Matrix(rows: rows, columns: 1)))
    }
    return CourseParameters(layers)
}

/// ``initialize_parameters_deep(_:randn:scale:)`` with its draws taken from `generator`:
/// Marsaglia-polar normals in ``SeededGenerator``'s sequence (a `SeededGenerator` gives its
/// own ``SeededGenerator/nextNormal()`` values, in order), not NumPy's.
public func initialize_parameters_deep<T: BackpropScalar, G: RandomNumberGenerator>(
    _ layer_dims: [Int], scale: CourseWeightScale = .times(0.01), using generator: inout G
) -> CourseParameters<T> {
    let needed = zip(layer_dims, layer_dims.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 }
    return initialize_parameters_deep(
        layer_dims, randn: CourseRandom.standardNormals(needed, using: &generator), scale: scale)
}

/// A two-layer network's parameters: `W1 = randn(n_h, n_x) * 0.01`, `b1 = 0`,
/// `W2 = randn(n_y, n_h) * 0.01`, `b2 = 0`.
///
/// Course 1, Week 4 (and Week 3), `initialize_parameters(n_x, n_h, n_y)`. `randn` is consumed as
/// the notebook does: `W1` row by row, then `W2`.
public func initialize_parameters<T: BackpropScalar>(
    _ n_x: Int, _ n_h: Int, _ n_y: Int, randn: [Double]
) -> CourseParameters<T> {
    initialize_parameters_deep([n_x, n_h, n_y], randn: randn, scale: .times(0.01))
}

/// ``initialize_parameters(_:_:_:randn:)`` with its draws taken from `generator`.
public func initialize_parameters<T: BackpropScalar, G: RandomNumberGenerator>(
    _ n_x: Int, _ n_h: Int, _ n_y: Int, using generator: inout G
) -> CourseParameters<T> {
    initialize_parameters_deep([n_x, n_h, n_y], scale: .times(0.01), using: &generator)
}

/// He initialisation: `W[l] = randn(n_l, n_{l−1}) * np.sqrt(2. / n_{l−1})`, `b[l] = 0`.
///
/// Course 2, Week 1, `initialize_parameters_he(layers_dims)`. `randn` is consumed as in
/// ``initialize_parameters_deep(_:randn:scale:)``.
public func initialize_parameters_he<T: BackpropScalar>(
    _ layers_dims: [Int], randn: [Double]
) -> CourseParameters<T> {
    initialize_parameters_deep(layers_dims, randn: randn, scale: .he)
}

/// ``initialize_parameters_he(_:randn:)`` with its draws taken from `generator`.
public func initialize_parameters_he<T: BackpropScalar, G: RandomNumberGenerator>(
    _ layers_dims: [Int], using generator: inout G
) -> CourseParameters<T> {
    initialize_parameters_deep(layers_dims, scale: .he, using: &generator)
}
