/// Point marker shapes. Series and classes cycle through them alongside the
/// colour palette, so they stay distinguishable in greyscale.
enum PlotMarker: CaseIterable {
    case circle, square, triangle, diamond, triangleDown

    /// The marker for the `index`-th series or class (cycling).
    static func categorical(_ index: Int) -> PlotMarker {
        let all = allCases
        return all[((index % all.count) + all.count) % all.count]
    }

    /// Draws the marker centred on `(x, y)`; `size` is roughly the radius in pixels.
    func draw(
        into svg: inout SVGDocument, x: Double, y: Double, size: Double,
        fill: String, stroke: String? = nil, strokeWidth: Double? = nil
    ) {
        switch self {
        case .circle:
            svg.circle(cx: x, cy: y, r: size, fill: fill, stroke: stroke, strokeWidth: strokeWidth)
        case .square:
            let half = size * 0.88
            svg.rect(
                x: x - half, y: y - half, width: 2 * half, height: 2 * half,
                fill: fill, stroke: stroke, strokeWidth: strokeWidth
            )
        case .triangle, .triangleDown:
            let r = size * 1.25
            let direction = self == .triangle ? 1.0 : -1.0
            svg.polygon([
                (x, y - direction * r),
                (x + r * 0.866, y + direction * r * 0.5),
                (x - r * 0.866, y + direction * r * 0.5),
            ], fill: fill, stroke: stroke, strokeWidth: strokeWidth)
        case .diamond:
            let r = size * 1.2
            svg.polygon(
                [(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
                fill: fill, stroke: stroke, strokeWidth: strokeWidth
            )
        }
    }
}
