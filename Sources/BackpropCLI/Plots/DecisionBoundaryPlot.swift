import Foundation

/// The decision regions of a classifier on 2-D inputs, with the data points
/// on top, rendered as a standalone SVG.
///
/// The plane `xRange × yRange` is divided into a regular grid of cells.
/// Row `i` of ``grid`` (and ``classGrid``) is the `i`-th row **from the
/// bottom** (row 0 at `yRange.lowerBound`), column `j` the `j`-th cell from
/// the left; each value describes the model at the cell's centre. With `rows`
/// rows the centre of row `i` is
/// `yRange.lowerBound + (i + 0.5) * (yRange.upperBound - yRange.lowerBound) / rows`
/// (columns likewise); ``sampleGrid(xRange:yRange:columns:rows:_:)`` builds
/// grids in exactly this layout.
///
/// - **Binary** (`classGrid == nil`): `grid` holds the model's probability of
///   class 1 in `[0, 1]`. Cells use a diverging scale from class 0's colour
///   through white (p = 0.5) to class 1's colour, and the p = 0.5 contour is
///   traced with marching squares.
/// - **Multi-class** (`classGrid != nil`): `classGrid` holds the predicted
///   class per cell, coloured with that class's palette colour. `grid` may hold
///   the probability of the predicted class (the confidence) per cell to shade
///   the colour, or be empty for a uniform shade.
///
/// Points are drawn as markers coloured (and shaped) by their true label with
/// a dark outline. Grids larger than ``maximumCells`` per side are subsampled,
/// and runs of equally coloured cells are merged into one rectangle, which
/// keeps the file small.
struct DecisionBoundaryPlot {
    /// The chart title (omitted when empty).
    var title: String
    /// The horizontal extent of the plane.
    var xRange: ClosedRange<Double>
    /// The vertical extent of the plane.
    var yRange: ClosedRange<Double>
    /// Per-cell values, `grid[row][column]` with row 0 at the bottom: P(class 1)
    /// for binary plots, the confidence of the predicted class (or empty) for
    /// multi-class plots.
    var grid: [[Double]]
    /// Per-cell predicted class for multi-class plots, in the same layout as
    /// `grid`; `nil` for binary plots.
    var classGrid: [[Int]]?
    /// The data points with their true class labels (0-based).
    var points: [(x: Double, y: Double, label: Int)]
    /// Legend names by class index; missing names are shown as "class k".
    var classNames: [String]
    /// The x-axis label.
    var xLabel: String
    /// The y-axis label (drawn rotated).
    var yLabel: String
    /// Whether binary plots trace the p = 0.5 decision boundary.
    var showsBoundary: Bool

    /// Grids are subsampled to at most this many cells per side.
    static let maximumCells = 100

    /// Creates a plot; see the type documentation for the grid layout.
    init(
        title: String = "",
        xRange: ClosedRange<Double>,
        yRange: ClosedRange<Double>,
        grid: [[Double]],
        classGrid: [[Int]]? = nil,
        points: [(x: Double, y: Double, label: Int)] = [],
        classNames: [String] = [],
        xLabel: String = "x₁",
        yLabel: String = "x₂",
        showsBoundary: Bool = true
    ) {
        self.title = title
        self.xRange = xRange
        self.yRange = yRange
        self.grid = grid
        self.classGrid = classGrid
        self.points = points
        self.classNames = classNames
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.showsBoundary = showsBoundary
    }

    /// The centres of `count` equal cells dividing `range`, in increasing order.
    static func cellCenters(of range: ClosedRange<Double>, count: Int) -> [Double] {
        let step = (range.upperBound - range.lowerBound) / Double(max(count, 1))
        return (0..<max(count, 0)).map { range.lowerBound + (Double($0) + 0.5) * step }
    }

    /// Evaluates `value(x, y)` at every cell centre, producing a grid in the
    /// layout this plot expects (`result[row][column]`, row 0 at the bottom).
    static func sampleGrid<Value>(
        xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, columns: Int, rows: Int,
        _ value: (_ x: Double, _ y: Double) throws -> Value
    ) rethrows -> [[Value]] {
        let xs = cellCenters(of: xRange, count: columns)
        return try cellCenters(of: yRange, count: rows).map { y in try xs.map { x in try value(x, y) } }
    }

    /// Renders the plot as a complete SVG document.
    ///
    /// - Parameters:
    ///   - width: Canvas width in pixels (at least 260).
    ///   - height: Canvas height in pixels (at least 200).
    func svg(width: Int = 640, height: Int = 520) -> String {
        let canvas = (width: Double(max(width, 260)), height: Double(max(height, 200)))
        var svg = SVGDocument(width: Int(canvas.width), height: Int(canvas.height))
        let xSpan = Self.repaired(xRange), ySpan = Self.repaired(yRange)
        let legend = Legend(plot: self)

        // Margins: title on top, x ticks and label below, y ticks and label left, legend right.
        let top = title.isEmpty ? 16.0 : 42.0
        let bottom = xLabel.isEmpty ? 32.0 : 54.0
        let availableHeight = canvas.height - top - bottom
        let yAxis = Axis.fitted(
            minimum: ySpan.lowerBound, maximum: ySpan.upperBound, length: availableHeight,
            horizontal: false, extendToNiceBounds: false
        )
        let widestYLabel = yAxis.labelledTicks.map { SVGDocument.estimatedTextWidth($0.label ?? "") }.max() ?? 0
        let left = (yLabel.isEmpty ? 8 : 28) + widestYLabel + 10
        let right = legend.width + 36
        let availableWidth = canvas.width - left - right

        // Prefer equal units on both axes so shapes are not distorted, unless
        // that wastes more than half of the available space in one direction.
        var plotWidth = max(40, availableWidth), plotHeight = max(40, availableHeight)
        let scale = min(plotWidth / (xSpan.upperBound - xSpan.lowerBound), plotHeight / (ySpan.upperBound - ySpan.lowerBound))
        let equalWidth = scale * (xSpan.upperBound - xSpan.lowerBound)
        let equalHeight = scale * (ySpan.upperBound - ySpan.lowerBound)
        if equalWidth >= plotWidth * 0.5 && equalHeight >= plotHeight * 0.5 {
            plotWidth = equalWidth
            plotHeight = equalHeight
        }
        let slack = max(0, availableWidth - plotWidth)
        let frame = Frame(x: left + slack / 2, y: top, width: plotWidth, height: plotHeight)
        let xAxis = Axis.fitted(
            minimum: xSpan.lowerBound, maximum: xSpan.upperBound, length: plotWidth,
            horizontal: true, extendToNiceBounds: false
        )
        let finalYAxis = plotHeight == availableHeight ? yAxis : Axis.fitted(
            minimum: ySpan.lowerBound, maximum: ySpan.upperBound, length: plotHeight,
            horizontal: false, extendToNiceBounds: false
        )

        let clipID = "boundary-clip-\(Int(frame.x))-\(Int(frame.y))-\(Int(frame.width))-\(Int(frame.height))"
        svg.defineClipRectangle(id: clipID, x: frame.x, y: frame.y, width: frame.width, height: frame.height)
        svg.beginGroup([("clip-path", SVGDocument.clipReference(clipID))])
        drawCells(into: &svg, frame: frame)
        if classGrid == nil && showsBoundary {
            drawBoundary(into: &svg, frame: frame)
        }
        svg.endGroup()

        drawAxes(into: &svg, frame: frame, xAxis: xAxis, yAxis: finalYAxis, xSpan: xSpan, ySpan: ySpan)
        drawPoints(into: &svg, frame: frame, xSpan: xSpan, ySpan: ySpan)
        legend.draw(into: &svg, at: (frame.x + frame.width + 22, frame.y + 2))

        let centerX = frame.x + frame.width / 2
        if !title.isEmpty {
            svg.text(title, x: centerX, y: 26, size: 15, anchor: .middle, bold: true, fill: "#111111")
        }
        if !xLabel.isEmpty {
            svg.text(xLabel, x: centerX, y: frame.y + frame.height + 43, size: 13, anchor: .middle)
        }
        if !yLabel.isEmpty {
            svg.text(
                yLabel, x: frame.x - widestYLabel - 20, y: frame.y + frame.height / 2,
                size: 13, anchor: .middle, rotation: -90
            )
        }
        return svg.render()
    }

    // MARK: - Geometry

    private struct Frame {
        var x: Double, y: Double, width: Double, height: Double
    }

    /// A usable (finite, non-empty) version of `range`.
    private static func repaired(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        let low = range.lowerBound.isFinite ? range.lowerBound : 0
        var high = range.upperBound.isFinite ? range.upperBound : low + 1
        if high <= low { high = low + 1 }
        return low...high
    }

    /// Picks at most `limit` evenly spread indices out of `count`.
    private static func subsampledIndices(count: Int, limit: Int) -> [Int] {
        guard count > limit else { return Array(0..<count) }
        return (0..<limit).map { Int((Double($0) + 0.5) * Double(count) / Double(limit)) }
    }

    /// The grid that decides cell colours, subsampled to ``maximumCells``:
    /// rows of `(class, shade)` per cell, where class is `nil` for empty cells.
    private func cellValues() -> [[(value: Double, predicted: Int?)]] {
        let rowCount = classGrid?.count ?? grid.count
        let columnCount = (classGrid?.map(\.count) ?? grid.map(\.count)).min() ?? 0
        guard rowCount > 0, columnCount > 0 else { return [] }
        let rows = Self.subsampledIndices(count: rowCount, limit: Self.maximumCells)
        let columns = Self.subsampledIndices(count: columnCount, limit: Self.maximumCells)
        return rows.map { row in
            columns.map { column in
                if let classGrid {
                    let confidence = grid.indices.contains(row) && grid[row].indices.contains(column)
                        ? grid[row][column] : .nan
                    return (confidence, classGrid[row][column])
                }
                return (grid[row][column], nil)
            }
        }
    }

    private var classCount: Int {
        let labelMax = points.map(\.label).max() ?? 0
        let gridMax = classGrid?.compactMap { $0.max() }.max() ?? 0
        return max(2, classNames.count, labelMax + 1, gridMax + 1)
    }

    /// Number of shades on each side of p = 0.5 in the binary colour scale.
    private static let binaryLevels = 6
    /// The strongest tint of a class colour used for regions (points use the full colour).
    private static let maximumTint = 0.45

    /// Colour of a binary cell with P(class 1) = `p`, quantised to `binaryLevels` per side.
    private static func binaryColor(_ p: Double) -> PlotColor? {
        guard p.isFinite else { return nil }
        let level = Int(((min(max(p, 0), 1) - 0.5) * 2 * Double(binaryLevels)).rounded())
        let strength = Double(abs(level)) / Double(binaryLevels) * maximumTint
        return PlotColor.white.mixed(with: PlotColor.categorical(level < 0 ? 0 : 1), amount: strength)
    }

    /// Colour of a multi-class cell, shaded by confidence (quantised to 5 steps).
    private func multiClassColor(_ predicted: Int, confidence: Double) -> PlotColor {
        var strength = 0.35
        if confidence.isFinite {
            let chance = 1 / Double(classCount)
            let t = min(max((confidence - chance) / (1 - chance), 0), 1)
            strength = 0.12 + (t * 4).rounded() / 4 * (Self.maximumTint - 0.12)
        }
        return PlotColor.white.mixed(with: PlotColor.categorical(predicted), amount: strength)
    }

    // MARK: - Drawing

    private func drawCells(into svg: inout SVGDocument, frame: Frame) {
        let cells = cellValues()
        guard let columnCount = cells.first?.count, columnCount > 0 else {
            svg.rect(x: frame.x, y: frame.y, width: frame.width, height: frame.height, fill: "#f4f4f4")
            return
        }
        let cellWidth = frame.width / Double(columnCount)
        let cellHeight = frame.height / Double(cells.count)
        // One path per colour; each run of equal cells in a row is one rectangle
        // sub-path. A slight overlap hides hairline seams between neighbours.
        var colorOrder: [String] = []
        var pathData: [String: String] = [:]
        func number(_ value: Double) -> String { SVGDocument.format(value, decimals: 1) }
        for (row, values) in cells.enumerated() {
            let colors: [String?] = values.map { cell in
                let color = cell.predicted.map { multiClassColor($0, confidence: cell.value) }
                    ?? Self.binaryColor(cell.value)
                return color == PlotColor.white ? nil : color?.hex
            }
            let y = frame.y + frame.height - Double(row + 1) * cellHeight
            var start = 0
            while start < columnCount {
                var end = start + 1
                while end < columnCount && colors[end] == colors[start] { end += 1 }
                if let color = colors[start] {
                    let x = frame.x + Double(start) * cellWidth
                    let width = number(Double(end - start) * cellWidth + 0.4)
                    if pathData[color] == nil { colorOrder.append(color) }
                    pathData[color, default: ""] += "M\(number(x)) \(number(y))h\(width)v\(number(cellHeight + 0.4))h-\(width)z"
                }
                start = end
            }
        }
        svg.beginGroup([("shape-rendering", "crispEdges")])
        for color in colorOrder {
            svg.path(pathData[color] ?? "", fill: color)
        }
        svg.endGroup()
    }

    /// Traces the p = 0.5 level set through the cell centres with marching squares.
    private func drawBoundary(into svg: inout SVGDocument, frame: Frame) {
        let values = cellValues().map { $0.map(\.value) }
        guard values.count > 1, let columnCount = values.first?.count, columnCount > 1 else { return }
        let cellWidth = frame.width / Double(columnCount)
        let cellHeight = frame.height / Double(values.count)
        func pixel(row: Double, column: Double) -> (x: Double, y: Double) {
            (frame.x + (column + 0.5) * cellWidth, frame.y + frame.height - (row + 0.5) * cellHeight)
        }
        let level = 0.5
        var data = ""
        for row in 0..<(values.count - 1) {
            for column in 0..<(columnCount - 1) {
                // Corners counter-clockwise from bottom-left, as (row, column, value).
                let corners = [
                    (Double(row), Double(column), values[row][column]),
                    (Double(row), Double(column + 1), values[row][column + 1]),
                    (Double(row + 1), Double(column + 1), values[row + 1][column + 1]),
                    (Double(row + 1), Double(column), values[row + 1][column]),
                ]
                guard corners.allSatisfy({ $0.2.isFinite }) else { continue }
                // Crossing point on each edge (bottom, right, top, left), if any.
                var crossings: [(x: Double, y: Double)?] = []
                for edge in 0..<4 {
                    let a = corners[edge], b = corners[(edge + 1) % 4]
                    guard (a.2 >= level) != (b.2 >= level) else {
                        crossings.append(nil)
                        continue
                    }
                    let t = (level - a.2) / (b.2 - a.2)
                    crossings.append(pixel(row: a.0 + (b.0 - a.0) * t, column: a.1 + (b.1 - a.1) * t))
                }
                let found = crossings.compactMap { $0 }
                var segments: [((x: Double, y: Double), (x: Double, y: Double))] = []
                if found.count == 2 {
                    segments.append((found[0], found[1]))
                } else if found.count == 4, let b = crossings[0], let r = crossings[1],
                          let t = crossings[2], let l = crossings[3] {
                    // Saddle: the average of the corners decides which diagonal is connected.
                    let centerInside = corners.map(\.2).reduce(0, +) / 4 >= level
                    if centerInside == (corners[0].2 >= level) {
                        segments += [(b, r), (t, l)]
                    } else {
                        segments += [(b, l), (r, t)]
                    }
                }
                for (p, q) in segments {
                    data += "M\(SVGDocument.format(p.x, decimals: 1)) \(SVGDocument.format(p.y, decimals: 1))"
                    data += "L\(SVGDocument.format(q.x, decimals: 1)) \(SVGDocument.format(q.y, decimals: 1))"
                }
            }
        }
        svg.path(data, stroke: "#333333", strokeWidth: 1.5)
    }

    private func drawAxes(
        into svg: inout SVGDocument, frame: Frame, xAxis: Axis, yAxis: Axis,
        xSpan: ClosedRange<Double>, ySpan: ClosedRange<Double>
    ) {
        let bottom = frame.y + frame.height
        svg.beginGroup([("shape-rendering", "crispEdges")])
        svg.rect(x: frame.x, y: frame.y, width: frame.width, height: frame.height, stroke: "#555555", strokeWidth: 1)
        for tick in xAxis.ticks {
            let x = frame.x + (tick.value - xSpan.lowerBound) / (xSpan.upperBound - xSpan.lowerBound) * frame.width
            svg.line(x1: x, y1: bottom, x2: x, y2: bottom + 5, stroke: "#555555")
        }
        for tick in yAxis.ticks {
            let y = bottom - (tick.value - ySpan.lowerBound) / (ySpan.upperBound - ySpan.lowerBound) * frame.height
            svg.line(x1: frame.x - 5, y1: y, x2: frame.x, y2: y, stroke: "#555555")
        }
        svg.endGroup()
        for tick in xAxis.ticks {
            guard let label = tick.label else { continue }
            let x = frame.x + (tick.value - xSpan.lowerBound) / (xSpan.upperBound - xSpan.lowerBound) * frame.width
            svg.text(label, x: x, y: bottom + 19, anchor: .middle, fill: "#333333")
        }
        for tick in yAxis.ticks {
            guard let label = tick.label else { continue }
            let y = bottom - (tick.value - ySpan.lowerBound) / (ySpan.upperBound - ySpan.lowerBound) * frame.height
            svg.text(label, x: frame.x - 9, y: y + 4, anchor: .end, fill: "#333333")
        }
    }

    private func drawPoints(
        into svg: inout SVGDocument, frame: Frame, xSpan: ClosedRange<Double>, ySpan: ClosedRange<Double>
    ) {
        for point in points where point.x.isFinite && point.y.isFinite {
            guard xSpan.contains(point.x), ySpan.contains(point.y) else { continue }
            let x = frame.x + (point.x - xSpan.lowerBound) / (xSpan.upperBound - xSpan.lowerBound) * frame.width
            let y = frame.y + frame.height
                - (point.y - ySpan.lowerBound) / (ySpan.upperBound - ySpan.lowerBound) * frame.height
            PlotMarker.categorical(point.label).draw(
                into: &svg, x: x, y: y, size: 3.6,
                fill: PlotColor.categorical(point.label).hex, stroke: "#1a1a1a", strokeWidth: 0.8
            )
        }
    }

    // MARK: - Legend

    /// Class entries, plus a probability colour bar for binary plots.
    private struct Legend {
        static let rowHeight = 20.0
        static let barHeight = 120.0
        static let barWidth = 14.0

        let names: [String]
        let binary: Bool
        let barTitle: String
        let width: Double

        init(plot: DecisionBoundaryPlot) {
            let count = plot.classCount
            names = (0..<count).map { $0 < plot.classNames.count ? plot.classNames[$0] : "class \($0)" }
            binary = plot.classGrid == nil
            barTitle = "P(\(names.count > 1 ? names[1] : "class 1"))"
            let widestName = names.map { SVGDocument.estimatedTextWidth($0) }.max() ?? 0
            let barWidth = binary
                ? max(SVGDocument.estimatedTextWidth(barTitle), Self.barWidth + 8 + SVGDocument.estimatedTextWidth("0.5"))
                : 0
            width = max(18 + widestName, barWidth)
        }

        func draw(into svg: inout SVGDocument, at origin: (x: Double, y: Double)) {
            var y = origin.y
            for (index, name) in names.enumerated() {
                let center = y + Self.rowHeight / 2
                PlotMarker.categorical(index).draw(
                    into: &svg, x: origin.x + 5, y: center, size: 4,
                    fill: PlotColor.categorical(index).hex, stroke: "#1a1a1a", strokeWidth: 0.8
                )
                svg.text(name, x: origin.x + 18, y: center + 4)
                y += Self.rowHeight
            }
            guard binary else { return }
            y += 18
            svg.text(barTitle, x: origin.x, y: y)
            y += 8
            // One band per shade, class 1 (p = 1) on top.
            let levels = DecisionBoundaryPlot.binaryLevels
            let bands = 2 * levels + 1
            let bandHeight = Self.barHeight / Double(bands)
            svg.beginGroup([("shape-rendering", "crispEdges")])
            for band in 0..<bands {
                let p = 1 - Double(band) / Double(bands - 1)
                let color = DecisionBoundaryPlot.binaryColor(p) ?? PlotColor.white
                svg.rect(
                    x: origin.x, y: y + Double(band) * bandHeight, width: Self.barWidth,
                    height: bandHeight + 0.5, fill: color.hex
                )
            }
            svg.rect(x: origin.x, y: y, width: Self.barWidth, height: Self.barHeight, stroke: "#888888", strokeWidth: 1)
            svg.endGroup()
            for (p, label) in [(1.0, "1"), (0.5, "0.5"), (0.0, "0")] {
                let tickY = y + (1 - p) * (Self.barHeight - bandHeight) + bandHeight / 2
                svg.line(x1: origin.x + Self.barWidth, y1: tickY, x2: origin.x + Self.barWidth + 4, y2: tickY, stroke: "#555555")
                svg.text(label, x: origin.x + Self.barWidth + 7, y: tickY + 4, fill: "#333333")
            }
        }
    }
}
