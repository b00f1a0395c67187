import Foundation

/// A minimal builder for standalone SVG documents.
///
/// Elements are appended in painting order (later elements are drawn on top).
/// All attribute values and text content are XML-escaped, and numbers are
/// written with a limited number of decimals to keep the output compact.
///
/// ```swift
/// var svg = SVGDocument(width: 200, height: 100)
/// svg.rect(x: 10, y: 10, width: 50, height: 30, fill: "#0072B2")
/// svg.text("a < b", x: 100, y: 50, anchor: .middle)
/// let markup = svg.render()
/// ```
struct SVGDocument {
    /// One `name="value"` pair; a `nil` value omits the attribute.
    typealias Attribute = (name: String, value: String?)

    /// Horizontal alignment of a text element relative to its anchor point.
    enum TextAnchor: String {
        case start, middle, end
    }

    /// The font stack used for all text unless an element overrides it.
    static let fontFamily = "Helvetica, Arial, 'DejaVu Sans', sans-serif"

    /// Canvas width in pixels.
    let width: Int
    /// Canvas height in pixels.
    let height: Int

    private var definitions: [String] = []
    private var body: [String] = []
    private var openGroups = 0

    /// Creates an empty document, optionally painting a solid background.
    ///
    /// - Parameters:
    ///   - width: Canvas width in pixels.
    ///   - height: Canvas height in pixels.
    ///   - background: Background fill colour, or `nil` for a transparent canvas.
    init(width: Int, height: Int, background: String? = "#ffffff") {
        self.width = max(1, width)
        self.height = max(1, height)
        if let background {
            rect(x: 0, y: 0, width: Double(self.width), height: Double(self.height), fill: background)
        }
    }

    // MARK: - Generic elements

    /// Appends an arbitrary element.
    ///
    /// - Parameters:
    ///   - name: The element name, e.g. `"ellipse"`.
    ///   - attributes: Attributes in output order; `nil` values are skipped.
    ///   - content: Optional text content (escaped). Without it the element is self-closing.
    mutating func element(_ name: String, _ attributes: [Attribute], content: String? = nil) {
        body.append(Self.markup(name, attributes, content: content))
    }

    /// Opens a `<g>` group; every element appended until ``endGroup()`` belongs to it.
    mutating func beginGroup(_ attributes: [Attribute] = []) {
        body.append("<g\(Self.attributeString(attributes))>")
        openGroups += 1
    }

    /// Closes the innermost group opened with ``beginGroup(_:)``.
    mutating func endGroup() {
        guard openGroups > 0 else { return }
        body.append("</g>")
        openGroups -= 1
    }

    /// Defines a rectangular clip path that elements can reference with
    /// `clip-path="url(#id)"` (see ``clipReference(_:)``).
    mutating func defineClipRectangle(id: String, x: Double, y: Double, width: Double, height: Double) {
        let shape = Self.markup("rect", [
            ("x", Self.format(x)), ("y", Self.format(y)),
            ("width", Self.format(width)), ("height", Self.format(height)),
        ])
        definitions.append("<clipPath id=\"\(Self.escaped(id))\">\(shape)</clipPath>")
    }

    /// The attribute value that applies the clip path with the given id.
    static func clipReference(_ id: String) -> String { "url(#\(id))" }

    // MARK: - Shapes

    /// Appends a rectangle.
    mutating func rect(
        x: Double, y: Double, width: Double, height: Double,
        fill: String? = nil, stroke: String? = nil, strokeWidth: Double? = nil,
        opacity: Double? = nil, cornerRadius: Double? = nil
    ) {
        element("rect", [
            ("x", Self.format(x)), ("y", Self.format(y)),
            ("width", Self.format(max(0, width))), ("height", Self.format(max(0, height))),
            ("rx", cornerRadius.map { Self.format($0) }),
            ("fill", fill ?? "none"), ("stroke", stroke),
            ("stroke-width", strokeWidth.map { Self.format($0) }),
            ("opacity", opacity.map { Self.format($0, decimals: 3) }),
        ])
    }

    /// Appends a straight line segment.
    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double,
        stroke: String, strokeWidth: Double = 1, dash: String? = nil
    ) {
        element("line", [
            ("x1", Self.format(x1)), ("y1", Self.format(y1)),
            ("x2", Self.format(x2)), ("y2", Self.format(y2)),
            ("stroke", stroke), ("stroke-width", Self.format(strokeWidth)),
            ("stroke-dasharray", dash),
        ])
    }

    /// Appends an open polyline through `points` (in pixel coordinates).
    mutating func polyline(
        _ points: [(x: Double, y: Double)],
        stroke: String, strokeWidth: Double = 1.5, dash: String? = nil
    ) {
        guard !points.isEmpty else { return }
        element("polyline", [
            ("points", Self.pointList(points)),
            ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.format(strokeWidth)),
            ("stroke-linejoin", "round"), ("stroke-linecap", "round"),
            ("stroke-dasharray", dash),
        ])
    }

    /// Appends a closed polygon through `points` (in pixel coordinates).
    mutating func polygon(
        _ points: [(x: Double, y: Double)],
        fill: String?, stroke: String? = nil, strokeWidth: Double? = nil
    ) {
        guard !points.isEmpty else { return }
        element("polygon", [
            ("points", Self.pointList(points)),
            ("fill", fill ?? "none"), ("stroke", stroke),
            ("stroke-width", strokeWidth.map { Self.format($0) }),
            ("stroke-linejoin", "round"),
        ])
    }

    /// Appends a circle.
    mutating func circle(
        cx: Double, cy: Double, r: Double,
        fill: String?, stroke: String? = nil, strokeWidth: Double? = nil
    ) {
        element("circle", [
            ("cx", Self.format(cx)), ("cy", Self.format(cy)), ("r", Self.format(r)),
            ("fill", fill ?? "none"), ("stroke", stroke),
            ("stroke-width", strokeWidth.map { Self.format($0) }),
        ])
    }

    /// Appends a path with the given path data (`d` attribute).
    mutating func path(
        _ data: String,
        fill: String? = nil, stroke: String? = nil, strokeWidth: Double? = nil, dash: String? = nil
    ) {
        guard !data.isEmpty else { return }
        element("path", [
            ("d", data),
            ("fill", fill ?? "none"), ("stroke", stroke),
            ("stroke-width", strokeWidth.map { Self.format($0) }),
            ("stroke-linecap", stroke == nil ? nil : "round"),
            ("stroke-linejoin", stroke == nil ? nil : "round"),
            ("stroke-dasharray", dash),
        ])
    }

    /// Appends a single line of text.
    ///
    /// - Parameters:
    ///   - string: The text (escaped automatically).
    ///   - x: Anchor x coordinate.
    ///   - y: Baseline y coordinate.
    ///   - size: Font size in pixels.
    ///   - anchor: Horizontal alignment relative to `x`.
    ///   - bold: Whether to use a bold weight.
    ///   - fill: Text colour.
    ///   - rotation: Optional rotation in degrees about the anchor point
    ///     (use `-90` for a vertical label reading bottom to top).
    mutating func text(
        _ string: String, x: Double, y: Double,
        size: Double = 12, anchor: TextAnchor = .start, bold: Bool = false,
        fill: String = "#222222", rotation: Double? = nil
    ) {
        let transform = rotation.map {
            "rotate(\(Self.format($0)) \(Self.format(x)) \(Self.format(y)))"
        }
        element("text", [
            ("x", Self.format(x)), ("y", Self.format(y)),
            ("font-size", Self.format(size)),
            ("text-anchor", anchor == .start ? nil : anchor.rawValue),
            ("font-weight", bold ? "bold" : nil),
            ("fill", fill), ("transform", transform),
        ], content: string)
    }

    // MARK: - Output

    /// The complete SVG document as a string (closing any groups left open).
    func render() -> String {
        var lines: [String] = []
        lines.reserveCapacity(body.count + definitions.count + 6)
        lines.append(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
                + "viewBox=\"0 0 \(width) \(height)\" font-family=\"\(Self.escaped(Self.fontFamily))\">"
        )
        if !definitions.isEmpty {
            lines.append("<defs>")
            lines.append(contentsOf: definitions)
            lines.append("</defs>")
        }
        lines.append(contentsOf: body)
        lines.append(contentsOf: repeatElement("</g>", count: openGroups))
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Helpers

    /// Escapes `&`, `<`, `>`, `"` and `'` for use in XML text and attribute values.
    static func escaped(_ string: String) -> String {
        guard string.contains(where: { "&<>\"'".contains($0) }) else { return string }
        var result = ""
        result.reserveCapacity(string.count + 8)
        for character in string {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Formats a number with at most `decimals` fractional digits, dropping
    /// trailing zeros (`1.50` → `"1.5"`, `2.0` → `"2"`, `-0.001` → `"0"`).
    /// Non-finite values are written as `"0"` so the document stays valid.
    static func format(_ value: Double, decimals: Int = 2) -> String {
        guard value.isFinite else { return "0" }
        let places = min(max(decimals, 0), 12)
        let scale = pow(10.0, Double(places))
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9.0e15 else { return String(format: "%.\(places)f", value) }
        let units = UInt64(scaled)
        guard units > 0 else { return "0" }
        let divisor = UInt64(scale)
        var result = value < 0 ? "-" : ""
        result += String(units / divisor)
        let remainder = units % divisor
        if remainder > 0 {
            var fraction = String(remainder)
            fraction = String(repeating: "0", count: places - fraction.count) + fraction
            while fraction.last == "0" { fraction.removeLast() }
            result += "." + fraction
        }
        return result
    }

    /// A rough estimate of the rendered width of `string` in a sans-serif font,
    /// used for layout (label spacing, margins, legend sizes).
    static func estimatedTextWidth(_ string: String, size: Double = 12) -> Double {
        var ems = 0.0
        for character in string {
            switch character {
            case "i", "l", "j", "I", ".", ",", ":", ";", "'", "|", "!", " ", "(", ")", "[", "]", "f", "t", "r":
                ems += 0.33
            case "m", "w", "M", "W", "‖":
                ems += 0.85
            case "⁰"..."⁹", "⁻", "¹", "²", "³":
                ems += 0.42
            default:
                ems += character.isUppercase ? 0.68 : 0.6
            }
        }
        return ems * size
    }

    private static func pointList(_ points: [(x: Double, y: Double)]) -> String {
        points.map { "\(format($0.x, decimals: 1)),\(format($0.y, decimals: 1))" }.joined(separator: " ")
    }

    private static func attributeString(_ attributes: [Attribute]) -> String {
        var result = ""
        for attribute in attributes {
            guard let value = attribute.value else { continue }
            result += " \(attribute.name)=\"\(escaped(value))\""
        }
        return result
    }

    private static func markup(_ name: String, _ attributes: [Attribute], content: String? = nil) -> String {
        let opening = "<\(name)\(attributeString(attributes))"
        guard let content else { return opening + "/>" }
        return opening + ">\(escaped(content))</\(name)>"
    }
}
