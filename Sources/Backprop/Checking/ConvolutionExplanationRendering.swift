/// Writes a ``ConvolutionExplanation`` as terminal text, GitHub markdown or LaTeX, from the one
/// set of formulas it holds: text lists each formula with its NumPy beneath, markdown puts
/// formula, NumPy and note side by side in a table per pass, LaTeX writes `align*`
/// environments (prose as `%` comments and notes in plain characters, so it compiles with amsmath
/// alone).
struct ConvolutionExplanationRenderer {
    let explanation: ConvolutionExplanation
    let style: ExplanationStyle

    private var conventions: [Convention] { explanation.conventions }

    func render() -> String {
        var out: [String] = []
        switch style {
        case .text:
            out += ["Network: " + explanation.title] + explanation.preamble + [""]
            for part in explanation.parts { out += text(part) + [""] }
        case .markdown:
            out += ["## `backprop explain`: " + explanation.title, ""] + explanation.preamble.map { $0 + "  " } + [""]
            for part in explanation.parts { out += markdown(part) }
        case .latex:
            out += ["% backprop explain: " + explanation.title, "% \\usepackage{amsmath, amssymb}"]
                + explanation.preamble.map { "% " + $0 } + [""]
            for part in explanation.parts { out += latex(part) + [""] }
        }
        out += scaling(explanation.oneOverM)
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: Layers

    private func text(_ part: ConvolutionExplanationPart) -> [String] {
        var out = [part.title] + part.facts.map { "  " + $0.text }
        for (name, steps) in [("forward", part.forward), ("backward", part.backward)] where !steps.isEmpty {
            out.append("  \(name):")
            for step in steps {
                out.append("    " + step.maths + (step.note.map { "   — " + $0 } ?? ""))
                if let numpy = step.numpy, numpy != step.maths { out.append("        " + numpy) }
            }
        }
        return out + part.closing.map { "  " + $0 }
    }

    private func markdown(_ part: ConvolutionExplanationPart) -> [String] {
        var out = ["### " + part.title, ""]
        if !part.facts.isEmpty { out += part.facts.map { "- " + code($0.text) } + [""] }
        for (name, steps) in [("forward", part.forward), ("backward", part.backward)] where !steps.isEmpty {
            out += ["**\(name)**", "", "| formula | NumPy (the course's) | note |", "|---|---|---|"]
            for step in steps {
                out.append("| " + [code(step.maths), step.numpy.map(code) ?? "", cell(step.note ?? "")].joined(separator: " | ") + " |")
            }
            out.append("")
        }
        return out + part.closing.map { $0 + "  " } + (part.closing.isEmpty ? [] : [""])
    }

    private func latex(_ part: ConvolutionExplanationPart) -> [String] {
        var out = ["\\paragraph{" + ExplanationRenderer.latexEscaped(Self.ascii(part.title)) + "}"]
        for fact in part.facts {
            out.append(fact.latex.map { "\\[ " + $0 + " \\]" } ?? "% " + fact.text)
        }
        for (name, steps) in [("forward", part.forward), ("backward", part.backward)] where !steps.isEmpty {
            out += ["\\textit{\(name):}", "\\begin{align*}"]
            out.append(steps.map { step in
                step.latex + (step.note.map { " && \\text{" + ExplanationRenderer.latexEscaped(Self.ascii($0)) + "}" } ?? "")
            }.joined(separator: " \\\\\n"))
            out.append("\\end{align*}")
        }
        return out + part.closing.map { "% " + $0 }
    }

    // MARK: Where the 1/m enters

    private func scaling(_ s: ConvolutionExplanationScaling) -> [String] {
        switch style {
        case .text:
            var out = ["Where the 1/m enters (m examples in the batch):"]
            for convention in conventions {
                out.append("  " + s.headlines[convention]!)
                let width = s.rows.map(\.symbol.count).max() ?? 0
                out += s.rows.map { "    " + $0.symbol.padding(toLength: width, withPad: " ", startingAt: 0) + " = " + $0.form(convention).text }
            }
            return out + ["  " + s.closing]
        case .markdown:
            var out = ["### Where the 1/m enters (m examples in the batch)", ""]
            out += conventions.map { "- " + s.headlines[$0]! } + [""]
            out.append("| gradient | " + conventions.map(Explanation.conventionTitle).joined(separator: " | ") + " |")
            out.append("|---|" + conventions.map { _ in "---|" }.joined())
            for row in s.rows {
                out.append("| " + ([code(row.symbol)] + conventions.map { code(row.form($0).text) }).joined(separator: " | ") + " |")
            }
            return out + ["", s.closing]
        case .latex:
            var out = ["\\paragraph{Where the $1/m$ enters ($m$ examples in the batch)}"]
            out += conventions.map { "% " + s.headlines[$0]! }
            out.append("\\begin{align*}")
            var rows = ["& " + conventions.map { "\\text{" + ExplanationRenderer.latexEscaped(Explanation.conventionTitle($0)) + "}" }.joined(separator: " && ")]
            rows += s.rows.map { row in row.latexSymbol + " &= " + conventions.map { row.form($0).latex }.joined(separator: " && ") }
            out += [rows.joined(separator: " \\\\\n"), "\\end{align*}", "% " + s.closing]
            return out
        }
    }

    // MARK: Helpers

    private func code(_ s: String) -> String { s.isEmpty ? "" : "`" + s.replacingOccurrences(of: "|", with: "\\|") + "`" }
    private func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    /// A note's Unicode maths in plain characters, so `\text{…}` compiles without a Unicode font.
    static func ascii(_ s: String) -> String {
        let table: [Character: String] = ["·": "*", "Σ": "sum ", "−": "-", "⊙": "*", "′": "'", "—": "--", "×": "x", "ᵀ": "^T", "→": "->"]
        return String(s.flatMap { table[$0].map(Array.init) ?? [$0] })
    }
}
