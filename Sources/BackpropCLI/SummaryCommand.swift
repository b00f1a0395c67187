import ArgumentParser
import Backprop
import Foundation

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "The layers of a saved model, their shapes and parameter counts, and what the file says about it (Keras' model.summary()).",
        discussion: """
            Examples:
              backprop summary runs/iris/model.safetensors
              backprop summary runs/iris/checkpoint.safetensors
            """
    )

    @Argument(help: "A model or checkpoint file (.safetensors).")
    var model: String

    func run() throws {
        guard FileManager.default.fileExists(atPath: model) else { throw BackpropError.invalidArgument("\(model): no such file") }
        let file = try SafeTensors.read(contentsOf: URL(fileURLWithPath: model))
        let loaded = try Model<Double>(safeTensors: file, source: model)
        let network = loaded.network
        print("\(model): \(network.summary)")
        var table = TextTable(columns: ["layer", "kind", "output shape", "tensors", "parameters"])
        for (index, layer) in network.layers.enumerated() {
            let tensors = network.parameters.tensors(layer: index + 1)
            let shapes = tensors.map { "\($0.name) \($0.fileShape.map(String.init).joined(separator: "×"))" }.joined(separator: ", ")
            let count = tensors.filter(\.isTrainable).reduce(0) { $0 + $1.count }
            table.add([String(index + 1), "\(layer)", "(\(layer.outputSize), m)", shapes.isEmpty ? "-" : shapes, String(count)])
        }
        print(table.render())
        print("parameters: \(network.parameterCount) trainable (\(file.metadata["dtype"] ?? "float64"))")
        print("PyTorch: nn.Sequential(\(network.pyTorchModules))")
        print("task: \(loaded.task.rawValue), labels \(loaded.labelEncoding.rawValue)" + (loaded.classNames.map { ", classes \($0.joined(separator: ", "))" } ?? ""))
        print("inputs: " + (loaded.standardizer.map { "standardised (\($0.means.count) means and standard deviations in the file)" } ?? "used as given"))
        if let run = loaded.run {
            print("run: data \(run.data)" + (run.labelColumn.map { ", label \($0)" } ?? "")
                + ", validation split \(run.validationSplit), test split \(run.testSplit), seed \(run.seed)"
                + (run.limit.map { ", limit \($0)" } ?? "") + ", \(run.precision), \(run.threads) thread(s)")
        }
        if file.metadata["checkpoint"] == "1" {
            print("checkpoint: \(file.metadata["epochs_completed"] ?? "?") epochs, optimizer \(file.metadata["optimizer"] ?? "?") at step \(file.metadata["optimizer_step"] ?? "?")")
        }
    }
}
