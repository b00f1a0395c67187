import Foundation

/// A line chart of one or more (x, y) series rendered as a standalone SVG,
/// e.g. training and validation loss per epoch, accuracy per epoch, or
/// per-layer gradient norms on a logarithmic y-axis.
///
/// The chart draws axes with "nice" ticks, light grid lines, axis labels,
/// a title and a legend. Series use the Okabe–Ito palette and, when they have
/// at most ``markerLimit`` points, a distinct marker shape per series.
/// Non-finite points (and non-positive y values on a logarithmic axis) are
/// skipped and break the line. A chart without any drawable point renders
/// the frame with the text "no data".
///
/// ```swift
/// let chart = LineChart(
///     title: "Loss", xLabel: "epoch", yLabel: "loss",
///     series: [
///         .init(name: "train loss", values: trainLoss),
///         .init(name: "validation loss", values: validationLoss, dashed: true),
///     ]
/// )
/// try chart.svg().write(toFile: "loss.svg", atomically: true, encoding: .utf8)
/// ```
struct LineChart {
    /// One named line of the chart.
    struct Series {
        /// The name shown in the legend; series with an empty name get no legend entry.
        var name: String
        /// The data points in drawing order.
        var points: [(x: Double, y: Double)]
        /// Whether the line is drawn dashed.
        var dashed: Bool

        /// Creates a series from explicit points.
        init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }

        /// Creates a series from equally spaced values, with `values[i]` at
        /// `x = firstX + i` (by default x counts epochs from 1).
        init(name: String, values: [Double], firstX: Double = 1, dashed: Bool = false) {
            self.init(
                name: name,
                points: values.enumerated().map { (x: firstX + Double($0.offset), y: $0.element) },
                dashed: dashed
            )
        }
    }

    /// The chart title, drawn above the plot area (omitted when empty).
    var title: String
    /// The x-axis label (omitted when empty).
    var xLabel: String
    /// The y-axis label, drawn rotated (omitted when empty).
    var yLabel: String
    /// The series, drawn in order with palette colours 0, 1, 2, ….
    var series: [Series]
    /// Whether the y-axis is base-10 logarithmic.
    var logarithmicY: Bool

    /// Series with more drawable points than this are drawn without markers.
    static let markerLimit = 60

    /// Creates a chart.
    init(
        title: String = "", xLabel: String = "", yLabel: String = "",
        series: [Series] = [], logarithmicY: Bool = false
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logarithmicY = logarithmicY
    }

    /// Renders the chart as a complete SVG document.
    ///
    /// - Parameters:
    ///   - width: Canvas width in pixels (at least 240).
    ///   - height: Canvas height in pixels (at least 160).
    func svg(width: Int = 720, height: Int = 440) -> String {
        let canvas = (width: Double(max(width, 240)), height: Double(max(height, 160)))
        var svg = SVGDocument(width: Int(canvas.width), height: Int(canvas.height))
        let runs = series.map(drawableRuns)
        let allPoints = runs.flatMap { $0.flatMap { $0 } }
        let showsMarkers = runs.map { $0.reduce(0) { $0 + $1.count } <= Self.markerLimit }
        let legend = LegendLayout(series: series)

        guard !allPoints.isEmpty else {
            let left = yLabel.isEmpty ? 24.0 : 40.0
            let frame = PlotFrame(canvas: canvas, top: topMargin, bottom: bottomMargin, left: left, right: 24)
            drawTitles(into: &svg, frame: frame, yLabelX: 20)
            svg.rect(
                x: frame.x, y: frame.y, width: frame.width, height: frame.height,
                fill: "#fafafa", stroke: "#cccccc", strokeWidth: 1
            )
            svg.text(
                "no data", x: frame.x + frame.width / 2, y: frame.y + frame.height / 2 + 5,
                size: 14, anchor: .middle, fill: "#888888"
            )
            return svg.render()
        }

        var layout = makeLayout(canvas: canvas, points: allPoints, legendWidth: nil)
        var legendOrigin: (x: Double, y: Double)?
        if let legend {
            let samples = pixelSamples(runs: runs, layout: layout)
            if let inside = legend.bestInsidePosition(frame: layout.frame, samples: samples, allowOverlap: false) {
                legendOrigin = inside
            } else if layout.frame.width - legend.width > 360 {
                layout = makeLayout(canvas: canvas, points: allPoints, legendWidth: legend.width)
                legendOrigin = (layout.frame.x + layout.frame.width + 14, layout.frame.y)
            } else {
                legendOrigin = legend.bestInsidePosition(frame: layout.frame, samples: samples, allowOverlap: true)
            }
        }

        drawAxes(into: &svg, layout: layout)
        drawSeries(into: &svg, runs: runs, showsMarkers: showsMarkers, layout: layout)
        if let legend, let legendOrigin {
            legend.draw(into: &svg, at: legendOrigin, series: series, showsMarkers: showsMarkers)
        }
        drawTitles(into: &svg, frame: layout.frame, yLabelX: layout.yLabelX)
        return svg.render()
    }

    // MARK: - Layout

    private var topMargin: Double { title.isEmpty ? 16 : 42 }
    private var bottomMargin: Double { xLabel.isEmpty ? 32 : 54 }

    /// The pixel rectangle of the plot area.
    private struct PlotFrame {
        var x: Double, y: Double, width: Double, height: Double

        init(x: Double, y: Double, width: Double, height: Double) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }

        /// The area left inside `canvas` by the given margins (at least 40 × 40 px).
        init(canvas: (width: Double, height: Double), top: Double, bottom: Double, left: Double, right: Double) {
            x = left
            y = top
            width = max(40, canvas.width - left - right)
            height = max(40, canvas.height - top - bottom)
        }

        func contains(_ point: (x: Double, y: Double), inflatedBy margin: Double) -> Bool {
            point.x >= x - margin && point.x <= x + width + margin
                && point.y >= y - margin && point.y <= y + height + margin
        }
    }

    /// Everything needed to map data to pixels.
    private struct Layout {
        var frame: PlotFrame
        var xAxis: Axis
        var yAxis: Axis
        /// Baseline x coordinate of the rotated y label.
        var yLabelX: Double

        func pixel(_ point: (x: Double, y: Double)) -> (x: Double, y: Double)? {
            guard let fx = xAxis.fraction(of: point.x), let fy = yAxis.fraction(of: point.y) else { return nil }
            return (frame.x + fx * frame.width, frame.y + (1 - fy) * frame.height)
        }
    }

    private static let tickLength = 5.0
    private static let fontSize = 12.0

    private func makeLayout(
        canvas: (width: Double, height: Double), points: [(x: Double, y: Double)], legendWidth: Double?
    ) -> Layout {
        let plotHeight = canvas.height - topMargin - bottomMargin
        let ys = points.map(\.y)
        let yAxis = makeYAxis(minimum: ys.min() ?? 0, maximum: ys.max() ?? 1, pixels: plotHeight)
        let widestYLabel = yAxis.labelledTicks.map { SVGDocument.estimatedTextWidth($0.label ?? "") }.max() ?? 0
        let yLabelX = 20.0
        let left = (yLabel.isEmpty ? 8 : yLabelX + 8) + widestYLabel + 6 + Self.tickLength

        let xs = points.map(\.x)
        let integral = xs.allSatisfy { $0 == $0.rounded() }
        let right = legendWidth.map { $0 + 28 } ?? 24
        var frame = PlotFrame(canvas: canvas, top: topMargin, bottom: bottomMargin, left: left, right: right)
        var xAxis = makeXAxis(minimum: xs.min() ?? 0, maximum: xs.max() ?? 1, pixels: frame.width, integral: integral)
        // Keep the last x tick label inside the canvas.
        if legendWidth == nil, let last = xAxis.labelledTicks.last?.label {
            let overhang = SVGDocument.estimatedTextWidth(last) / 2 + 6
            if overhang > right {
                frame = PlotFrame(canvas: canvas, top: topMargin, bottom: bottomMargin, left: left, right: overhang)
                xAxis = makeXAxis(minimum: xs.min() ?? 0, maximum: xs.max() ?? 1, pixels: frame.width, integral: integral)
            }
        }
        return Layout(frame: frame, xAxis: xAxis, yAxis: yAxis, yLabelX: yLabelX)
    }

    /// A y-axis whose labels are at least 16 px apart.
    private func makeYAxis(minimum: Double, maximum: Double, pixels: Double) -> Axis {
        guard logarithmicY else {
            return Axis.fitted(minimum: minimum, maximum: maximum, length: pixels, horizontal: false)
        }
        return Axis.logarithmic(minimum: minimum, maximum: maximum)
            .thinned(length: pixels, minimumDistance: Axis.verticalLabelDistance)
    }

    /// An x-axis whose labels do not overlap horizontally.
    private func makeXAxis(minimum: Double, maximum: Double, pixels: Double, integral: Bool) -> Axis {
        Axis.fitted(minimum: minimum, maximum: maximum, length: pixels, horizontal: true, integerSteps: integral)
    }

    // MARK: - Data

    private func isDrawable(_ point: (x: Double, y: Double)) -> Bool {
        point.x.isFinite && point.y.isFinite && (!logarithmicY || point.y > 0)
    }

    /// Splits a series into maximal runs of drawable points.
    private func drawableRuns(_ series: Series) -> [[(x: Double, y: Double)]] {
        var runs: [[(x: Double, y: Double)]] = []
        var current: [(x: Double, y: Double)] = []
        for point in series.points {
            if isDrawable(point) {
                current.append(point)
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// Pixel positions along all lines (every few pixels), used to find a
    /// legend position that covers no data.
    private func pixelSamples(runs: [[[(x: Double, y: Double)]]], layout: Layout) -> [(x: Double, y: Double)] {
        var samples: [(x: Double, y: Double)] = []
        for run in runs.joined() {
            let pixels = run.compactMap(layout.pixel)
            samples.append(contentsOf: pixels)
            for (a, b) in zip(pixels, pixels.dropFirst()) {
                let length = hypot(b.x - a.x, b.y - a.y)
                let steps = min(200, Int(length / 3))
                guard steps > 1 else { continue }
                for step in 1..<steps {
                    let t = Double(step) / Double(steps)
                    samples.append((a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t))
                }
            }
        }
        return samples
    }

    // MARK: - Drawing

    private func drawAxes(into svg: inout SVGDocument, layout: Layout) {
        let frame = layout.frame
        let bottom = frame.y + frame.height
        svg.beginGroup([("shape-rendering", "crispEdges")])
        for tick in layout.yAxis.ticks {
            guard let f = layout.yAxis.fraction(of: tick.value) else { continue }
            let y = frame.y + (1 - f) * frame.height
            svg.line(
                x1: frame.x, y1: y, x2: frame.x + frame.width, y2: y,
                stroke: tick.isMajor ? "#e3e3e3" : "#f2f2f2", strokeWidth: 1
            )
            let length = tick.isMajor || tick.label != nil ? Self.tickLength : 3
            svg.line(x1: frame.x - length, y1: y, x2: frame.x, y2: y, stroke: "#555555", strokeWidth: 1)
        }
        for tick in layout.xAxis.ticks {
            guard let f = layout.xAxis.fraction(of: tick.value) else { continue }
            let x = frame.x + f * frame.width
            svg.line(x1: x, y1: frame.y, x2: x, y2: bottom, stroke: "#ececec", strokeWidth: 1)
            svg.line(x1: x, y1: bottom, x2: x, y2: bottom + Self.tickLength, stroke: "#555555", strokeWidth: 1)
        }
        svg.line(x1: frame.x, y1: frame.y, x2: frame.x, y2: bottom, stroke: "#555555", strokeWidth: 1)
        svg.line(x1: frame.x, y1: bottom, x2: frame.x + frame.width, y2: bottom, stroke: "#555555", strokeWidth: 1)
        svg.endGroup()

        for tick in layout.yAxis.ticks {
            guard let label = tick.label, let f = layout.yAxis.fraction(of: tick.value) else { continue }
            let y = frame.y + (1 - f) * frame.height
            svg.text(
                label, x: frame.x - Self.tickLength - 4, y: y + 4,
                size: Self.fontSize, anchor: .end, fill: "#333333"
            )
        }
        for tick in layout.xAxis.ticks {
            guard let label = tick.label, let f = layout.xAxis.fraction(of: tick.value) else { continue }
            svg.text(
                label, x: frame.x + f * frame.width, y: bottom + Self.tickLength + 14,
                size: Self.fontSize, anchor: .middle, fill: "#333333"
            )
        }
    }

    private func drawSeries(
        into svg: inout SVGDocument, runs: [[[(x: Double, y: Double)]]], showsMarkers: [Bool], layout: Layout
    ) {
        let frame = layout.frame
        let clipID = "plot-clip-\(Self.identifier(for: self, frame: frame))"
        svg.defineClipRectangle(
            id: clipID, x: frame.x - 4, y: frame.y - 4, width: frame.width + 8, height: frame.height + 8
        )
        svg.beginGroup([("clip-path", SVGDocument.clipReference(clipID))])
        for (index, seriesRuns) in runs.enumerated() {
            let color = PlotColor.categorical(index).hex
            let dash = series[index].dashed ? "7 4" : nil
            let showMarkers = showsMarkers[index]
            for run in seriesRuns {
                let pixels = run.compactMap(layout.pixel)
                if pixels.count > 1 {
                    svg.polyline(pixels, stroke: color, strokeWidth: showMarkers ? 1.8 : 2, dash: dash)
                } else if let only = pixels.first, !showMarkers {
                    svg.circle(cx: only.x, cy: only.y, r: 2, fill: color)
                }
                guard showMarkers else { continue }
                let marker = PlotMarker.categorical(index)
                for pixel in pixels {
                    marker.draw(
                        into: &svg, x: pixel.x, y: pixel.y, size: 3.2,
                        fill: color, stroke: "#ffffff", strokeWidth: 0.8
                    )
                }
            }
        }
        svg.endGroup()
    }

    private func drawTitles(into svg: inout SVGDocument, frame: PlotFrame, yLabelX: Double) {
        let centerX = frame.x + frame.width / 2
        if !title.isEmpty {
            svg.text(title, x: centerX, y: 26, size: 15, anchor: .middle, bold: true, fill: "#111111")
        }
        if !xLabel.isEmpty {
            svg.text(
                xLabel, x: centerX, y: frame.y + frame.height + Self.tickLength + 38,
                size: 13, anchor: .middle, fill: "#222222"
            )
        }
        if !yLabel.isEmpty {
            svg.text(
                yLabel, x: yLabelX, y: frame.y + frame.height / 2,
                size: 13, anchor: .middle, fill: "#222222", rotation: -90
            )
        }
    }

    /// A short deterministic identifier so that clip-path ids of different
    /// charts embedded in one HTML page do not collide.
    private static func identifier(for chart: LineChart, frame: PlotFrame) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let key = "\(chart.title)|\(chart.series.count)|\(frame.x)|\(frame.y)|\(frame.width)|\(frame.height)"
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash & 0xFF_FFFF, radix: 16)
    }

    // MARK: - Legend

    /// Size and drawing of the legend box.
    private struct LegendLayout {
        static let rowHeight = 18.0
        static let swatchWidth = 26.0
        static let padding = 8.0

        let entries: [Int]
        let width: Double
        let height: Double

        /// Returns `nil` when no series has a name.
        init?(series: [Series]) {
            entries = series.indices.filter { !series[$0].name.isEmpty }
            guard !entries.isEmpty else { return nil }
            let widest = entries.map { SVGDocument.estimatedTextWidth(series[$0].name) }.max() ?? 0
            width = Self.padding * 2 + Self.swatchWidth + 6 + widest
            height = Self.padding + Double(entries.count) * Self.rowHeight
        }

        /// The inside corner (top-right first) whose box covers the fewest
        /// data samples; `nil` when every corner covers some data and
        /// `allowOverlap` is false.
        func bestInsidePosition(
            frame: PlotFrame, samples: [(x: Double, y: Double)], allowOverlap: Bool
        ) -> (x: Double, y: Double)? {
            let inset = 8.0
            let right = frame.x + frame.width - width - inset
            let bottom = frame.y + frame.height - height - inset
            let corners = [
                (right, frame.y + inset), (frame.x + inset, frame.y + inset),
                (right, bottom), (frame.x + inset, bottom),
            ]
            var best: (position: (x: Double, y: Double), covered: Int)?
            for corner in corners {
                let box = PlotFrame(x: corner.0, y: corner.1, width: width, height: height)
                let covered = samples.reduce(0) { $0 + (box.contains($1, inflatedBy: 4) ? 1 : 0) }
                if best == nil || covered < best!.covered { best = ((corner.0, corner.1), covered) }
            }
            guard let best, allowOverlap || best.covered == 0 else { return nil }
            return best.position
        }

        func draw(
            into svg: inout SVGDocument, at origin: (x: Double, y: Double), series: [Series], showsMarkers: [Bool]
        ) {
            svg.rect(
                x: origin.x, y: origin.y, width: width, height: height,
                fill: "#ffffff", stroke: "#cfcfcf", strokeWidth: 1, opacity: 0.92, cornerRadius: 3
            )
            for (row, index) in entries.enumerated() {
                let y = origin.y + Self.padding / 2 + (Double(row) + 0.5) * Self.rowHeight
                let x = origin.x + Self.padding
                let color = PlotColor.categorical(index).hex
                svg.line(
                    x1: x, y1: y, x2: x + Self.swatchWidth, y2: y, stroke: color, strokeWidth: 2.2,
                    dash: series[index].dashed ? "7 4" : nil
                )
                if showsMarkers[index] {
                    PlotMarker.categorical(index).draw(
                        into: &svg, x: x + Self.swatchWidth / 2, y: y, size: 3.2,
                        fill: color, stroke: "#ffffff", strokeWidth: 0.8
                    )
                }
                svg.text(
                    series[index].name, x: x + Self.swatchWidth + 6, y: y + 4,
                    size: LineChart.fontSize, fill: "#222222"
                )
            }
        }
    }
}
