/// The pieces `Explanation` writes its equations with: a small expression tree over the
/// course's matrices, which knows each quantity's shape and renders itself as Unicode maths
/// (`dW[2] = (1/m) dZ[2] A[1]ᵀ`), LaTeX (`dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]\top}`) and
/// NumPy (`dW2 = 1 / m * np.dot(dZ2, A1.T)`).

/// A dimension of a shape: a layer width, or the number of examples m.
enum ExplanationDimension: Hashable, Sendable, CustomStringConvertible {
    case size(Int)
    case examples

    var description: String {
        switch self {
        case let .size(n): "\(n)"
        case .examples: "m"
        }
    }
}

/// A shape as the course writes it, with m left symbolic: `(4, m)`, `(1, 4)`.
struct ExplanationShape: Hashable, Sendable, CustomStringConvertible {
    var rows: ExplanationDimension
    var columns: ExplanationDimension

    init(_ rows: ExplanationDimension, _ columns: ExplanationDimension) {
        self.rows = rows
        self.columns = columns
    }

    /// `(n, m)`: one column per example.
    static func batch(_ n: Int) -> ExplanationShape { ExplanationShape(.size(n), .examples) }
    /// `(rows, columns)` with both sizes known.
    static func fixed(_ rows: Int, _ columns: Int) -> ExplanationShape { ExplanationShape(.size(rows), .size(columns)) }

    var transposed: ExplanationShape { ExplanationShape(columns, rows) }
    var description: String { "(\(rows), \(columns))" }
}

/// A named matrix of the network: `X`, `Y`, `W[l]`, `b[l]`, `Z[l]`, `A[l]`, `D[l]` (dropout
/// mask) and the gradients `dZ[l]`, `dA[l]`, `dW[l]`, `db[l]`.
struct ExplanationSymbol: Hashable, Sendable {
    /// The stem: `W`, `b`, `Z`, `A`, `D`, `dZ`, `dA`, `dW`, `db`, or `X`, `Y` (no layer).
    let stem: String
    /// The layer in square brackets, or `nil` for `X` and `Y`.
    let layer: Int?
    let shape: ExplanationShape
    /// The stem in LaTeX and NumPy where it is not the Unicode one (`\\hat{Z}`, `Z_norm` for `Ẑ`).
    var latexStem: String? = nil
    var numpyStem: String? = nil

    /// A symbol whose LaTeX and NumPy stems differ from its Unicode one (batch norm's `Ẑ`, `γ`).
    init(_ stem: String, _ layer: Int?, shape: ExplanationShape, latex: String, numpy: String) {
        self.init(stem, layer, shape: shape)
        latexStem = latex
        numpyStem = numpy
    }

    init(_ stem: String, _ layer: Int?, shape: ExplanationShape) {
        // A[0] is X, written as the course writes it.
        if stem == "A" && layer == 0 {
            self.stem = "X"
            self.layer = nil
        } else {
            self.stem = stem
            self.layer = layer
        }
        self.shape = shape
    }

    /// `W[1]`, `X`.
    var text: String { layer.map { "\(stem)[\($0)]" } ?? stem }
    /// `W1`, `X`.
    var numpy: String { layer.map { "\(numpyStem ?? stem)\($0)" } ?? (numpyStem ?? stem) }
    /// `W^{[1]}`, `X`, with `\top` folded into the superscript when transposed.
    func latex(transposed: Bool) -> String {
        let stem = latexStem.map { "{\($0)}" } ?? self.stem
        return switch (layer, transposed) {
        case let (l?, true): "\(stem)^{[\(l)]\\top}"
        case let (l?, false): "\(stem)^{[\(l)]}"
        case (nil, true): "\(stem)^\\top"
        case (nil, false): stem
        }
    }
}

/// A scalar coefficient in front of (or under) a matrix: `1/m`, `λ/m`, `p`.
enum ExplanationScalar: Hashable, Sendable {
    /// `1/m`.
    case inverseM
    /// `λ/m`.
    case lambdaOverM
    /// `λ/(2m)`.
    case lambdaOverTwoM
    /// `m`.
    case m
    /// `p`, the keep probability of inverted dropout.
    case keepProbability
    /// A number such as `1`, `0`, `0.01`, `½`.
    case number(Double)
    /// `ε`, batch norm's variance floor.
    case epsilon

    var text: String {
        switch self {
        case .epsilon: "ε"
        case .inverseM: "(1/m)"
        case .lambdaOverM: "(λ/m)"
        case .lambdaOverTwoM: "(λ/(2m))"
        case .m: "m"
        case .keepProbability: "p"
        case let .number(x): ExplanationScalar.spell(x)
        }
    }

    var latex: String {
        switch self {
        case .epsilon: "\\epsilon"
        case .inverseM: "\\frac{1}{m}"
        case .lambdaOverM: "\\frac{\\lambda}{m}"
        case .lambdaOverTwoM: "\\frac{\\lambda}{2m}"
        case .m: "m"
        case .keepProbability: "p"
        case let .number(x): x == 0.5 ? "\\frac{1}{2}" : ExplanationScalar.spell(x)
        }
    }

    /// NumPy spelling; `lambd` and `keep_prob` are the course's variable names.
    var numpy: String {
        switch self {
        case .epsilon: "eps"
        case .inverseM: "1 / m"
        case .lambdaOverM: "lambd / m"
        case .lambdaOverTwoM: "lambd / (2 * m)"
        case .m: "m"
        case .keepProbability: "keep_prob"
        case let .number(x): ExplanationScalar.spell(x)
        }
    }

    /// Whether the NumPy spelling needs parentheses as an operand of `*` on its right.
    var numpyIsCompound: Bool { self == .inverseM || self == .lambdaOverM || self == .lambdaOverTwoM }

    static func spell(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}

/// An elementwise function applied to a matrix.
enum ExplanationFunction: Hashable, Sendable {
    case activation(Activation)
    case log
    case squareRoot

    var text: String {
        switch self {
        case let .activation(g): g.block.symbol
        case .log: "log"
        case .squareRoot: "√"
        }
    }

    var latex: String {
        switch self {
        case let .activation(g): g.block.latex
        case .log: "\\log"
        case .squareRoot: "\\sqrt"
        }
    }

    /// NumPy call prefix: `np.tanh(`, or the helper the course defines (`sigmoid(`, `softmax(`).
    func numpy(_ argument: String) -> String {
        switch self {
        case let .activation(g): g.block.numpy(argument)
        case .log: "np.log(\(argument))"
        case .squareRoot: "np.sqrt(\(argument))"
        }
    }
}

/// A matrix expression, with its shape and its three spellings.
indirect enum ExplanationTerm: Hashable, Sendable {
    case symbol(ExplanationSymbol)
    /// A scalar standing alone (`1` in `1 − A`); it broadcasts.
    case scalar(ExplanationScalar)
    /// The matrix product `a b` (`np.dot(a, b)`).
    case product(ExplanationTerm, ExplanationTerm)
    /// The elementwise product `a ⊙ b` (`a * b`).
    case hadamard(ExplanationTerm, ExplanationTerm)
    case sum(ExplanationTerm, ExplanationTerm)
    case difference(ExplanationTerm, ExplanationTerm)
    /// `c · a` for a scalar coefficient in front.
    case scaled(ExplanationScalar, ExplanationTerm)
    /// `a / c`.
    case divided(ExplanationTerm, ExplanationScalar)
    /// `a / b` elementwise, a column `(n, 1)` broadcast across the m columns.
    case quotient(ExplanationTerm, ExplanationTerm)
    /// `aᵀ` (only of a symbol).
    case transpose(ExplanationSymbol)
    /// `a²`, elementwise.
    case square(ExplanationTerm)
    case apply(ExplanationFunction, ExplanationTerm)
    /// `(a > 0)` as a 0/1 matrix.
    case positive(ExplanationTerm)
    /// `where(a > 0, 1, slope)`, leaky ReLU's derivative.
    case positiveOr(ExplanationTerm, slope: Double)
    /// `Σ_columns a`: `np.sum(a, axis=1, keepdims=True)`, shape `(n, 1)`.
    case sumColumns(ExplanationTerm)
    /// `Σ a`: the sum of every entry, a scalar.
    case sumAll(ExplanationTerm)
    /// `‖a‖²_F`, the squared Frobenius norm, a scalar.
    case squaredNorm(ExplanationTerm)
    /// `(rand(n, m) < p)`: a fresh 0/1 dropout mask of this shape.
    case randomMask(ExplanationShape)

    // MARK: Shapes

    /// The shape of the value, `nil` for a scalar; `nil` too (and `isConsistent` false) when the
    /// operands do not fit.
    var shape: ExplanationShape? {
        switch self {
        case let .symbol(s): return s.shape
        case let .randomMask(shape): return shape
        case .scalar, .sumAll, .squaredNorm: return nil
        case let .product(a, b):
            guard let x = a.shape, let y = b.shape, x.columns == y.rows else { return nil }
            return ExplanationShape(x.rows, y.columns)
        case let .hadamard(a, b), let .sum(a, b), let .difference(a, b), let .quotient(a, b):
            switch (a.shape, b.shape) {
            case let (x?, y?):
                if x == y { return x }
                // b[l] (n, 1) broadcast across the m columns.
                if x.rows == y.rows && y.columns == .size(1) { return x }
                if x.rows == y.rows && x.columns == .size(1) { return y }
                return nil
            case let (x?, nil): return x
            case let (nil, y?): return y
            case (nil, nil): return nil
            }
        case let .scaled(_, a), let .divided(a, _), let .square(a), let .apply(_, a),
             let .positive(a), let .positiveOr(a, _):
            return a.shape
        case let .transpose(s): return s.shape.transposed
        case let .sumColumns(a): return a.shape.map { ExplanationShape($0.rows, .size(1)) }
        }
    }

    /// Whether every operation's operands have fitting shapes.
    var isConsistent: Bool {
        switch self {
        case .symbol, .scalar, .transpose, .randomMask: return true
        case let .product(a, b), let .hadamard(a, b), let .sum(a, b), let .difference(a, b), let .quotient(a, b):
            return a.isConsistent && b.isConsistent && (shape != nil || (a.shape == nil && b.shape == nil))
        case let .scaled(_, a), let .divided(a, _), let .square(a), let .apply(_, a), let .positive(a),
             let .positiveOr(a, _), let .sumColumns(a), let .sumAll(a), let .squaredNorm(a):
            return a.isConsistent
        }
    }

    /// How the shapes combine, mirroring the expression: `(4, 2)(2, m) + (4, 1)`. Elementwise
    /// functions and parenthesised groups collapse to their result's shape.
    func shapeAnnotation(_ style: ExplanationStyle) -> String {
        let odot = style == .latex ? " \\odot " : " ⊙ "
        switch self {
        case let .symbol(s): return s.shape.description
        case let .randomMask(shape): return shape.description
        case .scalar: return ""
        case let .transpose(s): return s.shape.transposed.description
        case let .product(a, b): return a.groupedAnnotation(style) + b.groupedAnnotation(style)
        case let .hadamard(a, b): return Self.join(a, b, odot, style)
        case let .sum(a, b): return Self.join(a, b, " + ", style)
        case let .difference(a, b): return Self.join(a, b, style == .latex ? " - " : " − ", style)
        case let .quotient(a, b): return Self.join(a, b, " / ", style)
        case let .scaled(_, a), let .divided(a, _): return a.shapeAnnotation(style)
        case .square, .apply, .positive, .positiveOr: return shape?.description ?? ""
        case let .sumColumns(a):
            return (style == .latex ? "\\Sigma_{\\text{columns}}" : "Σ_columns ") + a.groupedAnnotation(style)
        case .sumAll, .squaredNorm: return ""
        }
    }

    private func groupedAnnotation(_ style: ExplanationStyle) -> String {
        switch self {
        case .symbol, .transpose, .product: return shapeAnnotation(style)
        default: return shape?.description ?? shapeAnnotation(style)
        }
    }

    private static func join(_ a: ExplanationTerm, _ b: ExplanationTerm, _ op: String, _ style: ExplanationStyle) -> String {
        let (x, y) = (a.shapeAnnotation(style), b.shapeAnnotation(style))
        if x.isEmpty { return y }
        if y.isEmpty { return x }
        return x + op + y
    }

    // MARK: Spelling

    /// Binding strength, for parentheses: sums 1, products 2, postfix and atoms 3.
    private var precedence: Int {
        switch self {
        case .sum, .difference: 1
        case .product, .hadamard, .scaled, .divided, .quotient, .sumColumns, .sumAll: 2
        case .symbol, .scalar, .transpose, .square, .apply, .positive, .positiveOr, .squaredNorm, .randomMask: 3
        }
    }

    /// Unicode maths: `(1/m) dZ[2] A[1]ᵀ`, `dA[1] ⊙ (1 − A[1]²)`.
    var text: String {
        switch self {
        case let .symbol(s): return s.text
        case let .scalar(c): return c.text
        case let .transpose(s): return s.text + "ᵀ"
        case let .product(a, b): return a.text(above: 2) + " " + b.text(above: 2)
        case let .hadamard(a, b): return a.text(above: 2) + " ⊙ " + b.text(above: 2)
        case let .sum(a, b): return a.text + " + " + b.text(above: 1)
        case let .difference(a, b): return a.text + " − " + b.text(above: 2)
        case let .scaled(.number(-1), a): return "−" + a.text(above: 2)
        case let .scaled(.number(-0.5), a): return "−½ " + a.text(above: 2)
        case let .scaled(c, a): return c.text + " " + a.text(above: 2)
        case let .divided(a, c): return a.text(above: 2) + " / " + c.text
        case let .quotient(a, b): return a.text(above: 2) + " / " + b.text(above: 3)
        case let .square(a): return a.text(above: 3) + "²"
        case let .apply(f, a): return f.text + "(" + a.text + ")"
        case let .positive(a): return "(" + a.text + " > 0)"
        case let .positiveOr(a, slope): return "where(" + a.text + " > 0, 1, " + ExplanationScalar.spell(slope) + ")"
        case let .sumColumns(a): return "Σ_columns " + a.text(above: 2)
        case let .sumAll(a): return "Σ " + a.text(above: 2)
        case let .squaredNorm(a): return "‖" + a.text + "‖²_F"
        case let .randomMask(shape): return "(rand" + shape.description + " < p)"
        }
    }

    private func text(above level: Int) -> String { precedence < level ? "(" + text + ")" : text }

    /// LaTeX: `\frac{1}{m} dZ^{[2]} A^{[1]\top}`.
    var latex: String {
        switch self {
        case let .symbol(s): return s.latex(transposed: false)
        case let .scalar(c): return c.latex
        case let .transpose(s): return s.latex(transposed: true)
        case let .product(a, b): return a.latex(above: 2) + " " + b.latex(above: 2)
        case let .hadamard(a, b): return a.latex(above: 2) + " \\odot " + b.latex(above: 2)
        case let .sum(a, b): return a.latex + " + " + b.latex(above: 1)
        case let .difference(a, b): return a.latex + " - " + b.latex(above: 2)
        case let .scaled(.number(-1), a): return "-" + a.latex(above: 2)
        case let .scaled(.number(-0.5), a): return "-\\frac{1}{2} " + a.latex(above: 2)
        case let .scaled(c, a): return c.latex + " " + a.latex(above: 2)
        case let .divided(a, c): return "\\frac{" + a.latex + "}{" + c.latex + "}"
        case let .quotient(a, b): return "\\frac{" + a.latex + "}{" + b.latex + "}"
        case let .square(a):
            if case let .symbol(s) = a { return "\\left(" + s.latex(transposed: false) + "\\right)^{2}" }
            return "\\left(" + a.latex + "\\right)^{2}"
        case let .apply(.squareRoot, a): return "\\sqrt{" + a.latex + "}"
        case let .apply(f, a): return f.latex + "\\left(" + a.latex + "\\right)"
        case let .positive(a): return "\\mathbb{1}\\left[" + a.latex + " > 0\\right]"
        case let .positiveOr(a, slope):
            return "\\operatorname{where}\\left(" + a.latex + " > 0, 1, " + ExplanationScalar.spell(slope) + "\\right)"
        case let .sumColumns(a): return "\\sum_{\\text{columns}} " + a.latex(above: 2)
        case let .sumAll(a): return "\\sum " + a.latex(above: 2)
        case let .squaredNorm(a): return "\\left\\lVert " + a.latex + " \\right\\rVert_F^2"
        case let .randomMask(shape): return "\\left(\\operatorname{rand}" + shape.description + " < p\\right)"
        }
    }

    private func latex(above level: Int) -> String {
        precedence < level ? "\\left(" + latex + "\\right)" : latex
    }

    /// NumPy, as people write it in notebooks: `1 / m * np.dot(dZ2, A1.T)`.
    var numpy: String {
        switch self {
        case let .symbol(s): return s.numpy
        case let .scalar(c): return c.numpy
        case let .transpose(s): return s.numpy + ".T"
        case let .product(a, b): return "np.dot(" + a.numpy + ", " + b.numpy + ")"
        case let .hadamard(a, b): return a.numpy(above: 2) + " * " + b.numpy(above: 2)
        case let .sum(a, b): return a.numpy + " + " + b.numpy(above: 1)
        case let .difference(a, b): return a.numpy + " - " + b.numpy(above: 2)
        case let .scaled(.number(-1), a): return "-" + a.numpy(above: 2)
        case let .scaled(c, a): return c.numpy + " * " + a.numpy(above: 2)
        case let .divided(a, c): return a.numpy(above: 2) + " / " + (c.numpyIsCompound ? "(" + c.numpy + ")" : c.numpy)
        case let .quotient(a, b): return a.numpy(above: 2) + " / " + b.numpy(above: 3)
        case let .square(a): return "np.power(" + a.numpy + ", 2)"
        case let .apply(f, a): return f.numpy(a.numpy)
        case let .positive(a): return "(" + a.numpy + " > 0)"
        case let .positiveOr(a, slope): return "np.where(" + a.numpy + " > 0, 1, " + ExplanationScalar.spell(slope) + ")"
        case let .sumColumns(a): return "np.sum(" + a.numpy + ", axis=1, keepdims=True)"
        case let .sumAll(a): return "np.sum(" + a.numpy + ")"
        case let .squaredNorm(a): return "np.sum(np.square(" + a.numpy + "))"
        case let .randomMask(shape): return "(np.random.rand" + shape.description + " < keep_prob)"
        }
    }

    private func numpy(above level: Int) -> String {
        // Function calls (np.dot, np.sum) bind like atoms in NumPy.
        switch self {
        case .product, .sumColumns, .sumAll: return numpy
        default: return precedence < level ? "(" + numpy + ")" : numpy
        }
    }
}

/// The output formats of an `Explanation`.
public enum ExplanationStyle: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Unicode for terminals: `ᵀ`, `⊙`, `Σ`.
    case text
    /// GitHub-flavoured markdown: headings, tables and code blocks.
    case markdown
    /// LaTeX `align*` environments.
    case latex

    public var description: String { rawValue }
}
