import ArgumentParser
import Backprop
import Foundation

/// Reads a model for `evaluate`, `predict` and `grads`: a Backprop safetensors file (the
/// architecture is in its metadata), or the course's parameters dictionary saved by NumPy
/// (`np.savez(path, W1=…, b1=…, W2=…, …)`, b as `(n, 1)`), whose sizes come from the `W`
/// shapes and whose activations come from `--hidden` and `--output`.
struct ModelOptions: ParsableArguments {
    @Option(name: [.customLong("weights"), .customLong("model")], help: "Model file: .safetensors from backprop train, or a course .npz with W1, b1, W2, b2, …")
    var weights: String

    @Option(name: .customLong("hidden"), help: "For an .npz model only: the hidden activation (sigmoid, tanh, relu, leaky_relu, identity; default tanh).")
    var hiddenOption: String?
    @Option(help: "For an .npz model only: the output activation (sigmoid, softmax, identity; default sigmoid for one output, softmax for several).")
    var output: String?
    @Option(help: "For an .npz model only: layer sizes to check the arrays against, e.g. 2,4,1.")
    var layers: String?
    @Option(name: .customLong("precision"), help: "Precision to compute in: float or double (default: the model file's).")
    var precisionOption: ArchitectureOptions.Precision?

    /// `--precision`, or double.
    var precision: ArchitectureOptions.Precision { precisionOption ?? .double }
    /// `--hidden`, or tanh.
    var hidden: String { hiddenOption ?? "tanh" }
    /// Whether `--weights` names a course `.npz` parameters file.
    var isNPZ: Bool { weights.lowercased().hasSuffix(".npz") }

    /// `--precision`, or the precision the model file stores.
    func resolvedPrecision(budget: MemoryBudget) throws -> ArchitectureOptions.Precision {
        if let precisionOption { return precisionOption }
        try requireFile()
        let url = URL(fileURLWithPath: weights)
        if isNPZ { return try NPZ.read(contentsOf: url, budget: budget)["W1"]?.dataType == .float32 ? .float : .double }
        let file = try SafeTensors.read(contentsOf: url)
        return ArchitectureOptions.Precision(dtypeName: file.metadata["dtype"] ?? file.tensors.first?.tensor.dtype ?? "float64")
    }

    private func requireFile() throws {
        guard FileManager.default.fileExists(atPath: weights) else {
            throw BackpropError.invalidArgument("--weights \(weights): no such file")
        }
        let url = URL(fileURLWithPath: weights)
        if url.pathExtension.lowercased() == "npy" {
            // A notebook habit: np.save('p.npy', params) pickles the dictionary (named by NPY.read).
            _ = try NPY.read(contentsOf: url)
            throw BackpropError.malformedFile(path: weights, reason: "is a single array, not a model: save the parameters dictionary with np.savez('p.npz', **params)")
        }
    }

    /// The model with what its file says about inputs, classes and the run; a course `.npz`
    /// (bare parameters) is read within `budget`. The `.npz`-only options are refused for a
    /// safetensors model, whose file fixes them.
    func loadModel<S: BackpropScalar>(_: S.Type, budget: MemoryBudget) throws -> Model<S> {
        try requireFile()
        if isNPZ { return Model(network: try load(S.self, budget: budget)) }
        let given = [("--hidden", hiddenOption), ("--output", output), ("--layers", layers)].filter { $0.1 != nil }
        let model = try Model<S>(contentsOf: URL(fileURLWithPath: weights))
        if let (flag, value) = given.first {
            let hint = flag == "--output" ? "; to write predictions to a file use --out" : ""
            throw BackpropError.invalidArgument("\(flag) \(value!) applies only to a course .npz model; the safetensors model \(weights) fixes its network (\(model.network.summary))\(hint)")
        }
        return model
    }

    /// The network; a course `.npz` is read within `budget`.
    func load<S: BackpropScalar>(_: S.Type, budget: MemoryBudget) throws -> Network<S> {
        let url = URL(fileURLWithPath: weights)
        try requireFile()
        if !isNPZ { return try loadModel(S.self, budget: budget).network }
        let archive = try NPZ.read(contentsOf: url, budget: budget)
        var layersFound: [(W: Matrix<S>, b: Matrix<S>)] = []
        var l = 1
        while let w = archive["W\(l)"] {
            guard let b = archive["b\(l)"] else {
                throw BackpropError.malformedFile(path: weights, reason: "has W\(l) but no b\(l)")
            }
            try budget.require(elements: try CheckedSize.add(w.count, b.count, weights), of: S.self, for: "\(weights): W\(l) and b\(l)")
            layersFound.append((try w.matrix(S.self), try b.matrix(S.self)))
            l += 1
        }
        guard !layersFound.isEmpty else {
            throw BackpropError.malformedFile(path: weights, reason: "no W1/b1 arrays (found \(archive.names.joined(separator: ", ")))")
        }
        let sizes = [layersFound[0].W.columns] + layersFound.map(\.W.rows)
        if let layers, layers.split(separator: ",", omittingEmptySubsequences: false).map({ Int($0.trimmingCharacters(in: .whitespaces)) }) != sizes {
            throw BackpropError.invalidArgument("--layers \(BackpropError.excerpt(layers)) does not match the arrays in \(weights), whose sizes are \(sizes.map(String.init).joined(separator: ","))")
        }
        guard let h = Activation(name: hidden), h.isElementwise else {
            throw BackpropError.invalidArgument("--hidden '\(BackpropError.excerpt(hidden))' is not a hidden activation")
        }
        let outputName = output ?? (sizes.last! > 1 ? "softmax" : "sigmoid")
        guard let o = Activation(name: outputName) else { throw BackpropError.invalidArgument("--output '\(BackpropError.excerpt(outputName))' is not an activation") }
        var dense: [DenseLayer<S>] = []
        for (index, pair) in layersFound.enumerated() {
            do {
                dense.append(try DenseLayer(W: pair.W, b: pair.b, activation: index == layersFound.count - 1 ? o : h))
            } catch let error as BackpropError {
                throw BackpropError.malformedFile(path: weights, reason: "layer \(index + 1): \(error)")
            }
        }
        let network: Network<S>
        do {
            network = try Network(layers: dense, loss: Loss.natural(for: o))
        } catch let error as BackpropError {
            throw BackpropError.malformedFile(path: weights, reason: "\(error)")
        }
        // As for safetensors models: weights that are not finite would give NaN predictions.
        if let tensor = network.parameters.firstNonFinite() {
            throw BackpropError.malformedFile(path: weights, reason: "\(tensor.symbol) holds NaN or infinity")
        }
        return network
    }
}

/// Reads a matrix from `.npy` (course layout `(rows, m)`) or a CSV of numbers without header
/// (one example per row, transposed into a column).
func readMatrix<S: BackpropScalar>(_ path: String, as _: S.Type, option: String, budget: MemoryBudget) throws -> Matrix<S> {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: path) else { throw BackpropError.invalidArgument("\(option) \(path): no such file") }
    switch url.pathExtension.lowercased() {
    case "npy":
        do {
            let array = try NPY.read(contentsOf: url)
            try budget.require(elements: array.count, of: S.self, for: "\(option) \(path) as \(S.dtypeName)")
            return try array.matrix(S.self)
        } catch let error as BackpropError {
            if case .malformedFile = error { throw error }
            throw BackpropError.invalidArgument("\(option) \(path): \(error)")
        }
    default: throw BackpropError.invalidArgument("\(option) \(path): expected a .npy file")
    }
}
