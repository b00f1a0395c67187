/// The outcome of a ``GradientCheck``: per tensor and overall relative differences, the worst
/// entries, a verdict, and, when the error has a recognisable form, what kind it is.
public struct GradientCheckReport: Sendable {
    /// The course's reading of a relative difference.
    public enum Verdict: String, Sendable, Equatable {
        /// Below `1e-7`: the gradient is right.
        case correct
        /// Between `1e-7` and `1e-3`: probably right, worth a look (kinks of ReLU, Float data).
        case suspicious
        /// Above `1e-3`: a bug.
        case wrong

        /// The verdict for a relative difference.
        public init(relativeDifference d: Double) {
            self = d < 1e-7 ? .correct : (d > 1e-3 || d.isNaN ? .wrong : .suspicious)
        }
    }

    /// One entry that disagrees, located by its 0-based `(row, column)` as NumPy would index it.
    public struct Entry: Sendable {
        /// 0-based row of the entry.
        public let row: Int
        /// 0-based column of the entry.
        public let column: Int
        /// The backward pass's value.
        public let analytic: Double
        /// The central difference.
        public let numeric: Double
        /// `|analytic − numeric|`.
        public var absoluteDifference: Double { abs(analytic - numeric) }
    }

    /// One parameter gradient, `dW[l]` or `db[l]`.
    public struct Tensor: Sendable {
        /// `dW1`, `db1`, …
        public let name: String
        /// The parameter's shape, `(n_l, n_{l−1})` or `(n_l, 1)`.
        public let shape: Shape
        /// `‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)`.
        public let relativeDifference: Double
        /// ‖g‖₂ of the analytic gradient.
        public let analyticNorm: Double
        /// ‖ĝ‖₂ of the central differences.
        public let numericNorm: Double
        /// The largest disagreements, largest first.
        public let worst: [Entry]
        /// The error's form when it has one: a constant factor (1/m missing or doubled), a sign,
        /// a transpose.
        public let diagnosis: String?
        public var verdict: Verdict { Verdict(relativeDifference: relativeDifference) }

        init(name: String, analytic g: Matrix<Double>, numeric: Matrix<Double>, worstCount: Int, examples m: Int) {
            self.name = name
            shape = g.shape
            analyticNorm = g.norm()
            numericNorm = numeric.norm()
            relativeDifference = GradientCheckReport.relativeDifference(
                difference: (g - numeric).norm(), analytic: analyticNorm, numeric: numericNorm)
            worst = (0..<g.count)
                .map { Entry(row: $0 % g.rows, column: $0 / g.rows, analytic: g.elements[$0], numeric: numeric.elements[$0]) }
                .sorted { $0.absoluteDifference > $1.absoluteDifference }
                .prefix(worstCount)
                .filter { $0.absoluteDifference > 0 }
            diagnosis = Verdict(relativeDifference: relativeDifference) == .correct
                ? nil : GradientCheckReport.diagnose(analytic: g, numeric: numeric, examples: m)
        }
    }

    /// `dW1, db1, dW2, …` in order.
    public let tensors: [Tensor]
    /// The relative difference over all parameters flattened into one vector.
    public let overall: Double
    /// The ε used.
    public let epsilon: Double

    public var verdict: Verdict { Verdict(relativeDifference: overall) }

    static func relativeDifference(difference: Double, analytic: Double, numeric: Double) -> Double {
        let denominator = analytic + numeric
        return denominator == 0 ? 0 : difference / denominator
    }

    /// Names the form of an error: analytic ≈ c · numeric for a telling c, or a transpose.
    static func diagnose(analytic g: Matrix<Double>, numeric n: Matrix<Double>, examples m: Int) -> String? {
        let nn = n.squaredNorm()
        guard nn > 0 else { return g.squaredNorm() > 0 ? "the true gradient is zero but the analytic one is not" : nil }
        if g.rows == g.columns && g.rows > 1 {
            let t = g.transposed()
            if (t - n).norm() / (t.norm() + n.norm()) < 1e-6 { return "transposed" }
        }
        // Least-squares factor c with g ≈ c · n, accepted when it explains g well.
        let c = zip(g.elements, n.elements).reduce(0.0) { $0 + $1.0 * $1.1 } / nn
        let residual = (g - c * n).norm() / (g.norm() + 1e-300)
        guard residual < 1e-5 else { return nil }
        func near(_ x: Double, _ target: Double) -> Bool { abs(x - target) <= 1e-4 * abs(target) }
        let mm = Double(m)
        if near(c, -1) { return "sign flipped" }
        if m > 1 && near(c, mm) { return "too large by a factor m = \(m): 1/m missing" }
        if m > 1 && near(c, 1 / mm) { return "too small by a factor 1/m = 1/\(m): 1/m applied twice" }
        if near(c, 0) { return "analytic gradient is zero" }
        return "analytic = \(c) × numeric (a constant factor)"
    }
}
