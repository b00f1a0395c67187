import Foundation

/// Writes an ``Explanation`` as terminal text, GitHub markdown or LaTeX.
struct ExplanationRenderer {
    let explanation: Explanation
    let style: ExplanationStyle

    private var both: Bool { explanation.conventions.count == 2 }

    func render() -> String {
        var out: [String] = []
        switch style {
        case .text:
            out.append("backprop explain — " + explanation.title)
        case .markdown:
            out.append("## `backprop explain`: " + explanation.title)
        case .latex:
            out.append("% backprop explain: " + explanation.title)
            out.append("% \\usepackage{amsmath, amssymb}")
        }
        for section in explanation.sections {
            out.append("")
            out.append(contentsOf: render(section))
        }
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: Sections

    private func render(_ section: ExplanationSection) -> [String] {
        var out: [String] = []
        switch style {
        case _ where section.title.isEmpty: break
        case .text: out += [section.title, String(repeating: "─", count: section.title.count)]
        case .markdown: out += ["### " + section.title, ""]
        case .latex: out += ["\\paragraph{" + (section.latexTitle ?? Self.latexEscaped(section.title)) + "}"]
        }
        let widths = columnWidths(section)
        var previousWasProse = false
        var headerShown = false
        for (index, block) in section.blocks.enumerated() {
            let isProse: Bool
            if case .prose = block { isProse = true } else { isProse = false }
            if index > 0 && (style == .markdown || style == .text && (!isProse || !previousWasProse)) { out.append("") }
            switch block {
            case let .prose(prose): out += render(prose)
            case let .equations(title, rows):
                out += render(title: title, rows: rows, widths: widths, header: !headerShown)
                headerShown = true
            case let .formulas(formulas): out += render(formulas)
            }
            previousWasProse = isProse
        }
        if section.numpy, style != .latex {
            out += numpyListings(section)
        }
        return out
    }

    private func render(_ prose: ExplanationProse) -> [String] {
        switch style {
        case .text: return wrap(prose.text.replacingOccurrences(of: "`", with: ""), indent: "  ")
        case .markdown: return [prose.text]
        case .latex:
            if let latex = prose.latex { return [latex] }
            return wrap(prose.text.replacingOccurrences(of: "`", with: ""), indent: "% ")
        }
    }

    // MARK: Equations

    /// Column widths shared by every equation block of a section, so the layers line up.
    private func columnWidths(_ section: ExplanationSection) -> [Int] {
        var widths = [0, 0, 0, 0]
        for block in section.blocks {
            guard case let .equations(_, rows) = block else { continue }
            for row in rows {
                for (c, cell) in textCells(row).enumerated() { widths[c] = max(widths[c], cell.count) }
            }
        }
        return widths
    }

    /// Text cells: the equation(s), the shapes, then the ratio or note.
    private func textCells(_ row: ExplanationRow) -> [String] {
        let shapes = row.equations[0].shapes(.text)
        let note = row.note.map { $0.text.replacingOccurrences(of: "`", with: "") } ?? ""
        if both, row.equations.count == 2 {
            let ratio = row.ratio.map { $0.text } ?? ""
            return [row.equations[0].text, row.equations[1].text, shapes, note.isEmpty ? ratio : ratio + "   " + note]
        }
        return [row.equations[0].text, shapes, note]
    }

    private func render(title: String?, rows: [ExplanationRow], widths: [Int], header showHeader: Bool) -> [String] {
        let comparison = both && rows.contains { $0.equations.count == 2 }
        switch style {
        case .text:
            var out: [String] = []
            if let title { out.append("  " + title) }
            let indent = title == nil ? "  " : "    "
            if comparison {
                let header = [Explanation.conventionTitle(.deferred), Explanation.conventionTitle(.absorbed), "shapes", "deferred ÷ absorbed"]
                let w = zip(widths, header).map { max($0, $1.count) }
                if showHeader { out.append(indent + "  " + pad(header, w)) }
                for row in rows {
                    out.append(indent + (row.formulaDiffers ? "≠ " : "  ") + pad(textCells(row), w))
                }
            } else {
                for row in rows { out.append(indent + pad(textCells(row), widths)) }
            }
            return out
        case .markdown:
            var out: [String] = []
            if let title { out += ["**" + title + "**", ""] }
            let hasNotes = rows.contains { $0.note != nil }
            if comparison {
                out.append("| | " + Explanation.conventionTitle(.deferred) + " | " + Explanation.conventionTitle(.absorbed) + " | shapes | deferred ÷ absorbed |" + (hasNotes ? " note |" : ""))
                out.append("|---|---|---|---|---|" + (hasNotes ? "---|" : ""))
                for row in rows {
                    var cells = [row.formulaDiffers ? "≠" : "", code(row.equations[0].text), code(row.equations[1].text),
                                 code(row.equations[0].shapes(.text)), row.ratio.map { code($0.text) } ?? ""]
                    if hasNotes { cells.append(row.note.map { markdownCell($0.text) } ?? "") }
                    out.append("| " + cells.joined(separator: " | ") + " |")
                }
            } else {
                out.append("| equation | shapes |" + (hasNotes ? " note |" : ""))
                out.append("|---|---|" + (hasNotes ? "---|" : ""))
                for row in rows {
                    var cells = [code(row.equations[0].text), code(row.equations[0].shapes(.text))]
                    if hasNotes { cells.append(row.note.map { markdownCell($0.text) } ?? "") }
                    out.append("| " + cells.joined(separator: " | ") + " |")
                }
            }
            return out
        case .latex:
            var out: [String] = []
            if let title { out.append("% " + title) }
            out.append("\\begin{align*}")
            var lines: [String] = []
            if comparison {
                lines.append("& \\text{deferred (the course's code)} & & \\text{absorbed (PyTorch's mean)} && \\text{shapes} && \\tfrac{\\text{deferred}}{\\text{absorbed}}")
                for row in rows {
                    let ratio = row.ratio.map { $0.latex } ?? ""
                    lines.append((row.formulaDiffers ? "{\\neq}\\; " : "") + row.equations[0].latex + " & " + row.equations[1].latex
                                 + " && " + row.equations[0].shapes(.latex) + " && " + ratio)
                }
            } else {
                for row in rows {
                    var line = row.equations[0].latex + " && " + row.equations[0].shapes(.latex)
                    if let note = row.note { line += " && " + (note.latex ?? "\\text{" + Self.latexEscaped(note.text) + "}") }
                    lines.append(line)
                }
            }
            out.append(lines.joined(separator: " \\\\\n"))
            out.append("\\end{align*}")
            return out
        }
    }

    // MARK: Formulas

    private func render(_ formulas: [ExplanationFormula]) -> [String] {
        switch style {
        case .text, .markdown:
            let lhsWidth = formulas.map(\.lhs.count).max() ?? 0
            let lines = formulas.map { f in
                String(repeating: " ", count: lhsWidth - f.lhs.count) + f.lhs + " = " + f.rhs
            }
            let lineWidth = lines.map(\.count).max() ?? 0
            var out: [String] = []
            for (line, f) in zip(lines, formulas) {
                guard let note = f.note?.text.replacingOccurrences(of: "`", with: "") else {
                    out.append(line)
                    continue
                }
                if lineWidth + 4 + note.count <= 110 {
                    out.append(line + String(repeating: " ", count: lineWidth - line.count) + "    " + note)
                } else {
                    // Too wide beside the formula: underneath, from where the right side starts.
                    out += [line, String(repeating: " ", count: lhsWidth + 3) + "(" + note + ")"]
                }
            }
            let numpy = formulas.compactMap(\.numpy)
            if !numpy.isEmpty {
                out.append("")
                out.append(contentsOf: numpy.map { "NumPy: " + $0 })
            }
            if style == .markdown { return ["```text"] + out + ["```"] }
            return out.map { $0.isEmpty ? $0 : "    " + $0 }
        case .latex:
            var lines: [String] = []
            for f in formulas {
                var line = f.latex.lhs + " &= " + f.latex.rhs
                if let note = f.note { line += " && " + (note.latex ?? "\\text{" + Self.latexEscaped(note.text) + "}") }
                lines.append(line)
            }
            return ["\\begin{align*}", lines.joined(separator: " \\\\\n"), "\\end{align*}"]
        }
    }

    // MARK: NumPy

    private func numpyListings(_ section: ExplanationSection) -> [String] {
        let rows = section.blocks.flatMap { block -> [ExplanationRow] in
            if case let .equations(_, rows) = block { return rows }
            return []
        }
        let perConvention = rows.contains { $0.ratio != nil }
        var listings: [(String, [String])] = []
        if perConvention {
            for (index, convention) in explanation.conventions.enumerated() {
                let codes = rows.compactMap { row -> (String, Bool)? in
                    let equation = row.equations[min(index, row.equations.count - 1)]
                    return equation.numpy.map { ($0, both && row.formulaDiffers) }
                }
                let width = codes.map(\.0.count).max() ?? 0
                let lines = codes.map { code, differs in
                    differs ? code + String(repeating: " ", count: width - code.count) + "  # ≠" : code
                }
                listings.append(("NumPy, \(convention)" + (both ? " (# ≠ where the conventions differ)" : "") + ":", lines))
            }
        } else {
            listings.append(("NumPy:", rows.compactMap { $0.equations[0].numpy }))
        }
        var out: [String] = []
        for (title, lines) in listings {
            out.append("")
            switch style {
            case .text: out += ["  " + title] + lines.map { "    " + $0 }
            case .markdown: out += [title, "", "```python"] + lines + ["```"]
            case .latex: break
            }
        }
        return out
    }

    // MARK: Helpers

    private func pad(_ cells: [String], _ widths: [Int]) -> String {
        cells.enumerated().map { c, cell in
            c == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[c] - cell.count))
        }.joined(separator: "    ").trimmingTrailingWhitespace()
    }

    private func code(_ s: String) -> String { s.isEmpty ? "" : "`" + s.replacingOccurrences(of: "|", with: "\\|") + "`" }

    private func markdownCell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    /// `s` with LaTeX's special characters escaped, for `\\text{…}` and `\\paragraph{…}`.
    static func latexEscaped(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "_": out += "\\_"
            case "&": out += "\\&"
            case "%": out += "\\%"
            case "#": out += "\\#"
            case "$": out += "\\$"
            case "÷": out += "$\\div$"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Splits prose into lines of at most 96 characters.
    private func wrap(_ text: String, indent: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > 96 {
                lines.append(indent + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines
    }
}

private extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
