import Foundation
import ArgumentParser
import Backprop

/// The options that describe a network, shared by every command that builds one.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Layer sizes n_x,n_1,...,n_L, e.g. 2,4,1 (default 2,4,1, or from the data with --units).")
    var layers: String?

    @Option(help: "Hidden layer sizes only, e.g. 256,128: n_x and n_L come from the data (train).")
    var units: String?

    @Option(help: ArgumentHelp(
        "Layers in order, e.g. conv:16:3,relu,maxpool:2,conv:32:3,relu,maxpool:2,dense:10 (conv:filters:kernel[:stride[:valid|same|pad]], maxpool|avgpool:window[:stride], flatten, dense:units, activations after a layer). n_x and images come from the data.",
        valueName: "layers"))
    var arch: String?

    @Option(help: ArgumentHelp("The image C×H×W (e.g. 1x28x28) an --arch network takes when there are no image data (ledger, explain).", valueName: "CxHxW"))
    var image: String?

    @Option(name: .customLong("hidden"), help: "Hidden activation: sigmoid, tanh, relu, leaky_relu[:slope], identity (default tanh).")
    var hiddenOption: String?

    @Option(help: "Output activation: sigmoid (BCE), softmax (CE) or identity (MSE) (default: sigmoid for one output, softmax for several).")
    var output: String?

    @Option(help: "Loss: bce, ce or mse (default: the one the output activation implies).")
    var loss: String?

    @Option(help: "Weight initialiser: he, xavier, glorot, normal[:scale], zeros (default: he for ReLU, else xavier).")
    var initializer: String?

    @Option(name: .customLong("seed"), help: "Seed for weights, built-in data, splits and shuffles (default 1).")
    var seedOption: UInt64?

    @Option(name: .customLong("precision"), help: "Precision of the model: float or double (default double).")
    var precisionOption: Precision?

    /// `--hidden`, or tanh.
    var hidden: String { hiddenOption ?? "tanh" }
    /// `--seed`, or 1.
    var seed: UInt64 { seedOption ?? 1 }
    /// `--precision`, or double.
    var precision: Precision { precisionOption ?? .double }

    @Flag(help: "Batch normalization after each hidden layer's Z, before its activation (PyTorch's Linear, BatchNorm1d, g). The dense layers before it lose their bias (β takes its place).")
    var batchNorm = false

    @Flag(help: "With --batch-norm, keep the (redundant) bias of the dense layers before batch norm.")
    var biasBeforeBatchNorm = false

    enum Precision: String, ExpressibleByArgument, CaseIterable {
        case float, double

        /// The file's name for it, `float32` or `float64`.
        var dtypeName: String { self == .float ? "float32" : "float64" }

        /// The precision of a dtype name (`float32`, `F32`, `float64`, …).
        init(dtypeName: String) { self = ["float32", "F32"].contains(dtypeName) ? .float : .double }
    }

    func validate() throws {
        if layers != nil && units != nil { throw ValidationError("give either --layers or --units, not both") }
        if let image, ImageShape(text: image) == nil {
            throw ValidationError("--image '\(BackpropError.excerpt(image))' is not C×H×W with positive whole numbers, e.g. 1x28x28")
        }
        if image != nil && arch == nil { throw ValidationError("--image goes with --arch") }
        if arch != nil && (layers != nil || units != nil || batchNorm) {
            throw ValidationError("--arch gives every layer; leave out --layers, --units and --batch-norm")
        }
        if layers != nil { _ = try sizes() }
        _ = try hiddenUnits()
        _ = try activations()
        _ = try resolvedLoss()
        _ = try resolvedInitializer()
        if biasBeforeBatchNorm && !batchNorm { throw ValidationError("--bias-before-batch-norm needs --batch-norm") }
        if batchNorm, let sizes = try? sizes(), layers != nil, sizes.count < 3 {
            throw ValidationError("--batch-norm normalizes hidden layers, and --layers \(layers!) has none")
        }
    }

    /// The layer sizes: `--layers`, or `n_x, --units…, n_y` when the data's shape is known,
    /// or the default 2,4,1.
    func sizes(inputs: Int? = nil, outputs: Int? = nil) throws -> [Int] {
        if let layers {
            let parts = layers.split(separator: ",", omittingEmptySubsequences: false)
            let sizes = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--layers '\(BackpropError.excerpt(layers))' must be two or more positive integers separated by commas, e.g. 2,4,1")
            }
            return sizes.map { $0! }
        }
        return [inputs ?? 2] + (try hiddenUnits() ?? [4]) + [outputs ?? 1]
    }

    func hiddenUnits() throws -> [Int]? {
        guard let units else { return nil }
        if units.isEmpty || units == "none" { return [] }
        let sizes = units.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--units '\(BackpropError.excerpt(units))' must be positive integers separated by commas, e.g. 256,128")
        }
        return sizes.map { $0! }
    }

    func activations(outputs: Int? = nil) throws -> (hidden: Activation, output: Activation) {
        guard let h = Activation(name: hidden), h.isElementwise else {
            throw ValidationError("--hidden '\(BackpropError.excerpt(hidden))' is not a hidden activation (sigmoid, tanh, relu, leaky_relu, identity)")
        }
        let outputName = output ?? ((outputs ?? (try? sizes().last) ?? 1) > 1 ? "softmax" : "sigmoid")
        guard let o = Activation(name: outputName) else {
            throw ValidationError("--output '\(BackpropError.excerpt(outputName))' is not an activation (sigmoid, softmax, identity, tanh, relu)")
        }
        return (h, o)
    }

    func resolvedLoss(outputs: Int? = nil) throws -> Loss {
        let output = try activations(outputs: outputs).output
        let chosen: Loss
        if let loss {
            guard let parsed = Loss(name: loss) else {
                throw ValidationError("--loss '\(BackpropError.excerpt(loss))' is not a loss (bce, ce, mse)")
            }
            chosen = parsed
        } else {
            chosen = Loss.natural(for: output)
        }
        do { try chosen.validate(output: output) } catch { throw ValidationError("--loss: \(error)") }
        return chosen
    }

    func resolvedInitializer() throws -> Initializer? {
        guard let initializer else { return nil }
        guard let parsed = Initializer(name: initializer) else {
            throw ValidationError("--initializer '\(BackpropError.excerpt(initializer))' is not one of he, xavier, glorot, normal[:scale], zeros")
        }
        return parsed
    }

    /// The network these options describe; `inputs`/`outputs` come from the data when known.
    /// Its weights are checked against `budget` before they are allocated.
    func makeNetwork<S: BackpropScalar>(
        _: S.Type, inputs: Int? = nil, outputs: Int? = nil, image: ImageShape? = nil, budget: MemoryBudget
    ) throws -> Network<S> {
        if let arch {
            let image = image ?? self.image.flatMap(ImageShape.init(text:))
            let features = inputs ?? image?.featureCount ?? 2
            // The output size is the last dense layer's when the data do not say.
            let outputs = try outputs ?? LayerGrammar.layers(arch, image: image, features: features, output: .identity).last?.outputSize
            let o = try activations(outputs: outputs).output
            let layers = try LayerGrammar.layers(arch, image: image, features: features, output: o)
            return try Network(layers: layers, loss: resolvedLoss(outputs: outputs), initializer: resolvedInitializer(), seed: seed, budget: budget)
        }
        let sizes = try sizes(inputs: inputs, outputs: outputs)
        let (h, o) = try activations(outputs: sizes.last)
        if batchNorm && sizes.count < 3 {
            throw ValidationError("--batch-norm normalizes hidden layers, and the network \(sizes.map(String.init).joined(separator: "-")) has none")
        }
        return try Network(
            sizes: sizes, hidden: h, output: o, loss: resolvedLoss(outputs: sizes.last),
            initializer: resolvedInitializer(), seed: seed,
            batchNorm: batchNorm, biasBeforeBatchNorm: biasBeforeBatchNorm, budget: budget)
    }
}

extension Network {
    /// A short description such as `2-4-1 tanh → sigmoid + bce`, with `, batch norm` when
    /// hidden layers are normalized (the sizes are then the dense layers').
    var summary: String {
        if layers.contains(where: { $0 is any ImageLayer }) {
            return layers.map(\.description).joined(separator: " → ") + " + \(loss)"
        }
        let dense = layers.filter { $0 is Dense }
        let sizes = dense.count == depth ? self.sizes : [inputSize] + dense.map(\.outputSize)
        let hidden = layers.dropLast().compactMap(\.activation).first.map { "\($0) → " } ?? ""
        let batchNorm = layers.contains { $0 is BatchNorm } ? ", batch norm" : ""
        return sizes.map(String.init).joined(separator: "-") + " " + hidden + "\(outputActivation) + \(loss)" + batchNorm
    }

    /// What the CLI says about a network with batch norm (where it sits, and the dropped bias).
    var batchNormNote: String? {
        guard let index = layers.firstIndex(where: { $0 is BatchNorm }) else { return nil }
        let biased = layers.compactMap { $0 as? Dense }.dropLast().contains(where: \.hasBias)
        return "batch norm after each hidden layer's Z (ε = 1e-5, momentum 0.1; layer \(index + 1) is the first); "
            + (biased ? "the dense layers before it keep their bias (redundant: β takes its place)"
                      : "the dense layers before it have no bias, since β takes its place (--bias-before-batch-norm keeps it)")
    }
}

extension Convention: ExpressibleByArgument {}
