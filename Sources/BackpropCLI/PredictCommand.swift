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
              backprop predict --weights runs/flower/model.safetensors --input X.npy --out predictions.csv
              backprop predict --weights model.safetensors --input new.csv --out probabilities.npy
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @Option(help: "Inputs: .npy (n_x, m) or .csv (one example per row).")
    var input: String
    @Option(help: "Where to write: .csv (class and probabilities) or .npy (A[L], (n_y, m)); default: CSV on standard output.")
    var out: String?
    @Flag(help: "Write --out even when its extension does not say CSV (.csv, .txt) or NPY (.npy).")
    var force = false

    func run() throws {
        _ = try requireBackend()
        if let out {
            let npy = out.lowercased().hasSuffix(".npy")
            try OutputGuard.check(out, option: "--out", format: npy ? "NPY" : "CSV", extensions: npy ? ["npy"] : ["csv", "txt"],
                                  inputs: [("--weights", model.weights), ("--input", input)], force: force)
        }
        Interrupt.installForWriting()
        switch model.precision {
        case .float: try predict(Float.self)
        case .double: try predict(Double.self)
        }
    }

    private func predict<S: BackpropScalar>(_: S.Type) throws {
        let budget = try memory.budget()
        let network: Network<S> = try model.load(S.self, budget: budget)
        let metadata = model.weights.hasSuffix(".npz") ? [:] : try SafeTensors.read(contentsOf: URL(fileURLWithPath: model.weights)).metadata
        let saved = try StandardizerMetadata.decode(metadata, source: model.weights, features: network.inputSize)
        var X: Matrix<S>
        if input.lowercased().hasSuffix(".csv") {
            do {
                X = try CSVLoader.loadFeatures(contentsOf: URL(fileURLWithPath: input), as: S.self, budget: budget).X
            } catch let error as BackpropError {
                throw BackpropError.invalidArgument("--input \(error)")
            }
        } else {
            X = try readMatrix(input, as: S.self, option: "--input", budget: budget)
        }
        guard X.rows == network.inputSize else {
            throw BackpropError.shapeMismatch(operation: "--input \(input) against the model's W1 (rows of X must equal W1 columns)", left: X.shape, right: network.layer(1).W.shape)
        }
        guard X.isFinite else { throw BackpropError.nonFinite("--input \(input) holds NaN or infinity") }
        if let standardizer = saved.standardizer { X = try standardizer.transform(X) }
        try NetworkFootprint(network).requirePasses(of: S.self, examples: X.columns, within: budget)
        let A = try network.predict(X)
        let classes = Metrics.predictedClasses(A)
        let names = saved.classNames
        if let out, out.lowercased().hasSuffix(".npy") {
            try NPY.write(NPYArray(A), to: URL(fileURLWithPath: out))
            print("wrote \(out): A\(network.depth) \(A.shape)")
            return
        }
        var lines = ["class," + (0..<A.rows).map { "p\($0)" }.joined(separator: ",")]
        for j in 0..<A.columns {
            let label = names.flatMap { classes[j] < $0.count ? $0[classes[j]] : nil } ?? String(classes[j])
            lines.append(label + "," + (0..<A.rows).map { "\(A[$0, j])" }.joined(separator: ","))
        }
        let text = lines.joined(separator: "\n") + "\n"
        if let out {
            try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: out))
            print("wrote \(out): \(A.columns) predictions")
        } else {
            print(text, terminator: "")
        }
    }
}
