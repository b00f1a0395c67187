import Backprop
import Foundation

/// The SVG plots of a run: loss and accuracy curves (train and validation), per-layer gradient
/// norms on a log axis, and for 2-D data the decision boundary with the points.
enum Plots {
    /// The plots; with `bestEpoch` (early stopping) the loss plot marks the epoch whose weights were restored.
    static func all<S: BackpropScalar>(for trainer: Trainer<S>, data: DataOptions.Loaded<S>, bestEpoch: Int? = nil) -> [(String, String)] {
        let history = trainer.history
        let epochs = history.map { Double($0.epoch) }
        func series(_ name: String, _ values: [Double?], dashed: Bool = false) -> LineChart.Series? {
            let points = zip(epochs, values).compactMap { x, y in y.map { (x: x, y: $0) } }
            return points.isEmpty ? nil : LineChart.Series(name: name, points: points, dashed: dashed)
        }
        let losses = (history.map(\.trainLoss) + history.compactMap(\.validationLoss)).filter(\.isFinite)
        let best = bestEpoch.flatMap { epoch in
            losses.min().map { low in
                LineChart.Series(name: "best epoch \(epoch) (restored)", points: [(Double(epoch), Swift.max(low, 1e-300)), (Double(epoch), losses.max()!)], dashed: true)
            }
        }
        let loss = LineChart(
            title: "Loss", xLabel: "epoch", yLabel: "cost J",
            series: [series("train", history.map(\.trainLoss)),
                     series("validation", history.map(\.validationLoss), dashed: true), best].compactMap { $0 },
            logarithmicY: (history.map(\.trainLoss).max() ?? 1) / Swift.max(history.map(\.trainLoss).min() ?? 1, 1e-300) > 100)
        let accuracy = LineChart(
            title: "Accuracy", xLabel: "epoch", yLabel: "accuracy (%)",
            series: [series("train", history.map { 100 * $0.trainAccuracy }),
                     series("validation", history.map { $0.validationAccuracy.map { 100 * $0 } }, dashed: true)].compactMap { $0 })
        // The layers with weights only: pooling, flatten and batch norm have no ‖dW‖.
        let weighted = (1...trainer.network.depth).filter(trainer.network.parameters.hasWeights(layer:))
        let gradients = LineChart(
            title: "Gradient norms per layer (mean ‖dW[l]‖ per epoch)", xLabel: "epoch", yLabel: "‖dW‖ (Frobenius)",
            series: weighted.compactMap { l in series("‖dW\(l)‖", history.map { $0.gradientNorm(layer: l) }) },
            logarithmicY: true)
        var plots = [("loss.svg", loss.svg()), ("accuracy.svg", accuracy.svg()), ("gradients.svg", gradients.svg())]
        if let boundary = decisionBoundary(trainer.network, data: data.train, classNames: data.classNames) {
            plots.append(("boundary.svg", boundary))
        }
        if let filters = FilterGrid.svg(trainer.network) { plots.append(("filters.svg", filters)) }
        return plots
    }

    /// The decision regions of a network with two inputs over its training points.
    static func decisionBoundary<S: BackpropScalar>(_ network: Network<S>, data: Dataset<S>, classNames: [String]?) -> String? {
        guard network.inputSize == 2, data.count > 0 else { return nil }
        let xs = (0..<data.count).map { Double(data.X[0, $0]) }, ys = (0..<data.count).map { Double(data.X[1, $0]) }
        func padded(_ values: [Double]) -> ClosedRange<Double> {
            let (low, high) = (values.min()!, values.max()!)
            let pad = Swift.max((high - low) * 0.08, 1e-3)
            return (low - pad)...(high + pad)
        }
        let (xRange, yRange) = (padded(xs), padded(ys))
        let cells = 100
        let centers = DecisionBoundaryPlot.sampleGrid(xRange: xRange, yRange: yRange, columns: cells, rows: cells) { x, y in (x, y) }
        var grid = Matrix<S>(rows: 2, columns: cells * cells)
        for (r, row) in centers.enumerated() {
            for (c, point) in row.enumerated() {
                grid[0, r * cells + c] = S(point.0)
                grid[1, r * cells + c] = S(point.1)
            }
        }
        guard let A = try? network.predict(grid) else { return nil }
        let labels = Metrics.trueClasses(data.Y)
        let points = (0..<data.count).map { (x: xs[$0], y: ys[$0], label: labels[$0]) }
        let names = classNames ?? (0..<Swift.max(network.outputSize, 2)).map { "class \($0)" }
        let plot: DecisionBoundaryPlot
        if network.outputSize == 1 {
            let probabilities = (0..<cells).map { r in (0..<cells).map { c in Double(A[0, r * cells + c]) } }
            plot = DecisionBoundaryPlot(title: "Decision boundary (\(data.name))", xRange: xRange, yRange: yRange,
                                        grid: probabilities, points: points, classNames: names)
        } else {
            let predicted = Metrics.predictedClasses(A)
            let classGrid = (0..<cells).map { r in (0..<cells).map { c in predicted[r * cells + c] } }
            let confidence = (0..<cells).map { r in (0..<cells).map { c in Double(A[predicted[r * cells + c], r * cells + c]) } }
            plot = DecisionBoundaryPlot(title: "Decision regions (\(data.name))", xRange: xRange, yRange: yRange,
                                        grid: confidence, classGrid: classGrid, points: points, classNames: names)
        }
        return plot.svg()
    }
}
