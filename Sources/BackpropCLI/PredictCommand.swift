import ArgumentParser
import Backprop
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict classes and probabilities for new inputs.",
        discussion: """
            Input: a .npy of shape (n_x, m) (one example per column, as in the course), or a CSV \
            with one example per row (an optional header row is skipped). Output: a .npy of the \
            output activations A[L] (n_y, m), or a CSV with one row per example: the class and \
            the probability of each output unit.

            Examples:
              backprop predict --weights runs/flower/model.safetensors --input X.npy \\
                --out predictions.csv
              backprop predict --weights model.safetensors --input new.csv \\
                --out probabilities.npy
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @OptionGroup var threading: ThreadOptions
    @Option(help: "Inputs: .npy (n_x, m) or .csv (one example per row).")
    var input: String
    @Option(help: "Where to write: .csv (class and probabilities) or .npy (A[L], (n_y, m)); default: CSV on standard output.")
    var out: String?
    @Flag(help: "Write --out even when its extension does not say CSV (.csv, .txt) or NPY (.npy).")
    var force = false

    func run() throws {
        _ = try requireBackend()
        threading.apply()
        if let out {
            let npy = out.lowercased().hasSuffix(".npy")
            try OutputGuard.check(out, option: "--out", format: npy ? "NPY" : "CSV", extensions: npy ? ["npy"] : ["csv", "txt"],
                                  inputs: [("--weights", model.weights), ("--input", input)], force: force)
        }
        Interrupt.installForWriting()
        switch try model.resolvedPrecision(budget: try memory.budget()) {
        case .float: try predict(Float.self)
        case .double: try predict(Double.self)
        }
    }

    private func predict<S: BackpropScalar>(_: S.Type) throws {
        let budget = try memory.budget()
        let model: Model<S> = try self.model.loadModel(S.self, budget: budget)
        let network = model.network
        var X: Matrix<S>
        if input.lowercased().hasSuffix(".csv") {
            X = try readFeatures(model, budget: budget)
        } else {
            X = try readMatrix(input, as: S.self, option: "--input", budget: budget)
        }
        guard X.rows == network.inputSize else {
            guard network.layers[0] is Dense else { throw network.inputMismatch(X.shape, source: "--input \(input)") }
            throw BackpropError.shapeMismatch(operation: "--input \(input) against the model's W1 (rows of X must equal W1 columns)", left: X.shape, right: network.layer(1).W.shape)
        }
        guard X.isFinite else { throw BackpropError.nonFinite("--input \(input) holds NaN or infinity") }
        X = try model.prepare(X)
        try NetworkFootprint(network).requirePasses(of: S.self, examples: X.columns, within: budget)
        let A = try network.predict(X)
        if let out, out.lowercased().hasSuffix(".npy") {
            try NPY.write(NPYArray(A), to: URL(fileURLWithPath: out))
            print("wrote \(out): A\(network.depth) \(A.shape)")
            return
        }
        let classes = Metrics.predictedClasses(A)
        let names = model.classNames
        let columns = (0..<A.rows).map(model.outputName)
        var lines = [(model.task == .regression ? [] : ["class"]) + columns].map { $0.joined(separator: ",") }
        for j in 0..<A.columns {
            let values = (0..<A.rows).map { "\(A[$0, j])" }
            if model.task == .regression {
                lines.append(values.joined(separator: ","))
            } else {
                let label = names.flatMap { classes[j] < $0.count ? $0[classes[j]] : nil } ?? String(classes[j])
                lines.append(([label] + values).joined(separator: ","))
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        if let out {
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: out))
            print("wrote \(out): \(A.columns) predictions")
        } else {
            print(text, terminator: "")
        }
    }

    /// The features of a CSV `--input`; one that still has the training label column (one
    /// column more than the model takes) is refused saying so.
    private func readFeatures<S: BackpropScalar>(_ model: Model<S>, budget: MemoryBudget) throws -> Matrix<S> {
        let url = URL(fileURLWithPath: input)
        let n = model.network.inputSize
        func labelColumnError(_ name: String?) -> BackpropError {
            .invalidArgument("--input \(input) has \(n + 1) columns, but the model takes \(n) features: it still has its label column\(name.map { " '\($0)'" } ?? ""); predict takes features only, so drop that column")
        }
        let features: (X: Matrix<S>, featureNames: [String]?)
        do {
            features = try CSVLoader.loadFeatures(contentsOf: url, as: S.self, budget: budget)
        } catch let error as BackpropError {
            // Text in a column: is it the labels?
            let column: CSVLoader.LabelColumn = model.run?.labelColumn.map { Int($0).map(CSVLoader.LabelColumn.index) ?? .name($0) } ?? .last
            if let table: LabeledDataset<S> = try? CSVLoader.load(contentsOf: url, labelColumn: column, budget: budget), table.X.rows == n {
                throw labelColumnError(model.run?.labelColumn ?? nil)
            }
            throw BackpropError.invalidArgument("--input \(error)")
        }
        if features.X.rows == n + 1 {
            let names = features.featureNames ?? []
            var label = names.last
            if let column = model.run?.labelColumn ?? nil {
                if let index = Int(column) { label = index < names.count ? names[index] : nil } else { label = column }
            }
            throw labelColumnError(label)
        }
        return features.X
    }
}
