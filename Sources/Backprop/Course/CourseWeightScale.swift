/// How the course's initialisers scale a layer's standard-normal draws into `W[l]`, each the
/// exact floating-point operation the notebook writes (so given draws give its exact digits).
public enum CourseWeightScale: Hashable, Sendable {
    /// `np.random.randn(n_l, n_{l−1}) * factor`: Course 1, Week 4 "Step by Step"
    /// `initialize_parameters_deep` (and Weeks 3–4 `initialize_parameters`) use `0.01`;
    /// Course 2, Week 1 `initialize_parameters_random` uses `10`.
    case times(Double)
    /// `np.random.randn(n_l, n_{l−1}) / np.sqrt(n_{l−1})`: Course 1, Week 4 "Deep Neural
    /// Network – Application", `initialize_parameters_deep` in `dnn_app_utils`.
    case overSquareRootOfFanIn
    /// He: `np.random.randn(n_l, n_{l−1}) * np.sqrt(2. / n_{l−1})`: Course 2, Week 1,
    /// `initialize_parameters_he`.
    case he

    /// `W[l]`'s element from one draw, for a layer with `fanIn = n_{l−1}` inputs.
    @inlinable
    public func weight(draw: Double, fanIn: Int) -> Double {
        switch self {
        case let .times(factor): draw * factor
        case .overSquareRootOfFanIn: draw / Double(fanIn).squareRoot()
        case .he: draw * (2 / Double(fanIn)).squareRoot()
        }
    }
}
