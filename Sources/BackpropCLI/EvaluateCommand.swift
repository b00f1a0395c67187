import ArgumentParser
import Backprop
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Loss, accuracy and confusion matrix of a saved model on a dataset.",
        discussion: """
            The data is prepared as in training (the model file keeps the standardisation). For an \
            IDX folder the test split is used; for other data, all of it unless --split says otherwise.

            Examples:
              backprop evaluate --weights runs/mnist/model.safetensors --data ../shared/data/mnist
              backprop evaluate --weights runs/cancer/model.safetensors --data ../shared/data/tabular/breast_cancer.csv
              backprop evaluate --weights params.npz --hidden tanh --data flower
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions

    func run() throws {
        _ = try requireBackend()
        switch model.precision {
        case .float: try evaluate(Float.self)
        case .double: try evaluate(Double.self)
        }
    }

    private func evaluate<S: BackpropScalar>(_: S.Type) throws {
        let budget = try memory.budget()
        let network: Network<S> = try model.load(S.self, budget: budget)
        let metadata = model.weights.hasSuffix(".npz") ? [:] : try SafeTensors.read(contentsOf: URL(fileURLWithPath: model.weights)).metadata
        let saved = try StandardizerMetadata.decode(metadata, source: model.weights, features: network.inputSize)
        let loaded = try data.load(
            S.self, seed: 1, outputHint: network.outputActivation,
            model: DataOptions.ModelInputs(standardizer: saved.standardizer, classNames: saved.classNames), budget: budget)
        let set = loaded.test ?? loaded.train
        guard set.X.rows == network.inputSize else {
            throw BackpropError.shapeMismatch(operation: "data \(data.data) X against the model's W1 (X rows must equal W1 columns)", left: set.X.shape, right: network.layer(1).W.shape)
        }
        guard set.Y.rows == network.outputSize else {
            throw BackpropError.shapeMismatch(operation: "data \(data.data) Y against the model's output layer (Y rows must equal n_L = \(network.outputSize))", left: set.Y.shape, right: Shape(network.outputSize, set.count))
        }
        try NetworkFootprint(network).requirePasses(of: S.self, examples: Swift.min(set.count, 4096), within: budget)
        let result = try network.evaluate(set)
        print("\(network.summary) on \(set.name): \(set.count) examples")
        print(String(format: "loss %.6f  accuracy %.2f%%", result.loss, 100 * result.accuracy))
        let names = saved.classNames ?? loaded.classNames ?? (0..<result.confusion.count).map(String.init)
        var table = TextTable(columns: ["true \\ predicted"] + names)
        for (i, row) in result.confusion.enumerated() { table.add([i < names.count ? names[i] : String(i)] + row.map(String.init)) }
        print(table.render())
    }
}
