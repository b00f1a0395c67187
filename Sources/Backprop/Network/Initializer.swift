/// How a layer's weights `W[l]` `(n_l, n_{l−1})` are drawn. Biases always start at zero.
///
/// Draws come from ``SeededGenerator``'s normal samples, layer by layer, each `W` filled
/// **row by row** (C order, as `np.random.randn(n_l, n_{l−1})` fills it), so a seed fixes the
/// weights on every platform.
public enum Initializer: Hashable, Sendable, CustomStringConvertible {
    /// He: `N(0, 1) · √(2 / n_{l−1})`, for ReLU layers.
    case he
    /// Xavier as the course writes it: `N(0, 1) · √(1 / n_{l−1})`, for tanh layers.
    case xavier
    /// Glorot: `N(0, 1) · √(2 / (n_{l−1} + n_l))`.
    case glorot
    /// A small scaled normal, `N(0, 1) · scale` (the course's `np.random.randn(…) * 0.01`).
    case scaledNormal(scale: Double)
    /// All zeros: every unit of a layer stays identical (the lesson in why symmetry must break).
    case zeros

    /// Parses `he`, `xavier`, `glorot`, `normal` (scale 0.01) or `normal:0.1`, `zeros`.
    public init?(name: String) {
        switch name.lowercased() {
        case "he": self = .he
        case "xavier": self = .xavier
        case "glorot": self = .glorot
        case "normal", "scaled", "small": self = .scaledNormal(scale: 0.01)
        case "zeros", "zero": self = .zeros
        default:
            let parts = name.lowercased().split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0] == "normal", let scale = Double(parts[1]),
                  scale.isFinite else { return nil }
            self = .scaledNormal(scale: scale)
        }
    }

    public var description: String {
        switch self {
        case .he: "he"
        case .xavier: "xavier"
        case .glorot: "glorot"
        case let .scaledNormal(scale): scale == 0.01 ? "normal" : "normal:\(scale)"
        case .zeros: "zeros"
        }
    }

    /// The standard deviation for a layer with `fanIn` inputs and `fanOut` units.
    public func standardDeviation(fanIn: Int, fanOut: Int) -> Double {
        switch self {
        case .he: (2 / Double(fanIn)).squareRoot()
        case .xavier: (1 / Double(fanIn)).squareRoot()
        case .glorot: (2 / Double(fanIn + fanOut)).squareRoot()
        case let .scaledNormal(scale): scale
        case .zeros: 0
        }
    }

    /// A freshly drawn `(fanOut, fanIn)` weight matrix.
    public func weights<T: BackpropScalar>(
        fanIn: Int, fanOut: Int, using generator: inout SeededGenerator
    ) -> Matrix<T> {
        var W = Matrix<T>(rows: fanOut, columns: fanIn)
        if self == .zeros { return W }
        let std = standardDeviation(fanIn: fanIn, fanOut: fanOut)
        for i in 0..<fanOut {
            for j in 0..<fanIn { W[i, j] = T(generator.nextNormal() * std) }
        }
        return W
    }
}
