import Foundation

/// Networks as safetensors files with PyTorch `state_dict` names and layouts.
///
/// The network is the `nn.Sequential` of `Linear` and activation modules
/// `Linear(n_0, n_1), g_1, Linear(n_1, n_2), g_2, …` — every `Linear` followed by its activation
/// module (`nn.Identity()` for identity) — so layer `l` (1-based) is module `2(l − 1)` and its
/// tensors are `"{2(l−1)}.weight"` `(out, in)` row-major and `"{2(l−1)}.bias"` `(out,)`. The
/// architecture is in `__metadata__`, so Backprop reloads a model from the file alone, and
/// `torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path))` loads the weights.
extension Network {
    /// The `state_dict` key of layer `l`'s weight (1-based `l`).
    public static func weightKey(layer l: Int) -> String { "\(2 * (l - 1)).weight" }
    /// The `state_dict` key of layer `l`'s bias (1-based `l`).
    public static func biasKey(layer l: Int) -> String { "\(2 * (l - 1)).bias" }

    /// The PyTorch modules this network corresponds to, e.g.
    /// `Linear(2, 4), Tanh(), Linear(4, 1), Sigmoid()`.
    public var pyTorchModules: String {
        layers.map { layer in
            let g: String
            switch layer.activation {
            case .sigmoid: g = "Sigmoid()"
            case .tanh: g = "Tanh()"
            case .relu: g = "ReLU()"
            case let .leakyReLU(slope): g = "LeakyReLU(\(slope))"
            case .softmax: g = "Softmax(dim=1)"
            case .identity: g = "Identity()"
            }
            return "Linear(\(layer.inputSize), \(layer.outputSize)), \(g)"
        }.joined(separator: ", ")
    }

    /// The metadata that describes the architecture.
    public var architectureMetadata: [String: String] {
        [
            "format": "backprop.sequential",
            "backprop_version": backpropVersion,
            "sizes": sizes.map(String.init).joined(separator: ","),
            "activations": layers.map(\.activation.description).joined(separator: ","),
            "loss": loss.rawValue,
            "dtype": Scalar.dtypeName,
            "pytorch_modules": pyTorchModules,
        ]
    }

    /// The parameters as named tensors, layer 1 first.
    public var stateDict: [(name: String, tensor: SafeTensors.Tensor)] {
        layers.enumerated().flatMap { index, layer in
            [(Self.weightKey(layer: index + 1), SafeTensors.Tensor(matrix: layer.W)),
             (Self.biasKey(layer: index + 1), SafeTensors.Tensor(vector: layer.b))]
        }
    }

    /// Saves the model (atomically) with its architecture and any extra metadata.
    public func save(to url: URL, metadata extra: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict, metadata: architectureMetadata.merging(extra) { $1 }, to: url)
    }

    /// Loads a model saved by ``save(to:metadata:)`` (or any safetensors file whose metadata
    /// has `sizes`, `activations` and `loss`).
    public init(contentsOf url: URL) throws {
        try self.init(safeTensors: SafeTensors.read(contentsOf: url), source: url.path)
    }

    /// Builds a model from a parsed safetensors file.
    public init(safeTensors file: SafeTensors.File, source: String) throws {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        let meta = file.metadata
        guard let sizesText = meta["sizes"], let activationsText = meta["activations"], let lossText = meta["loss"] else {
            throw fail("no Backprop architecture in __metadata__ (sizes, activations, loss); pass --layers/--hidden/--output instead")
        }
        let sizes = sizesText.split(separator: ",").compactMap { Int($0) }
        let activations = activationsText.split(separator: ",").compactMap { Activation(name: String($0)) }
        guard sizes.count >= 2, activations.count == sizes.count - 1, let loss = Loss(name: lossText) else {
            throw fail("architecture metadata is inconsistent (sizes \(sizesText), activations \(activationsText), loss \(lossText))")
        }
        try self.init(parameters: file, sizes: sizes, activations: activations, loss: loss, source: source)
    }

    /// Builds a model from `"{2(l−1)}.weight"`/`.bias` tensors and a given architecture.
    public init(
        parameters file: SafeTensors.File, sizes: [Int], activations: [Activation], loss: Loss, source: String
    ) throws {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        var layers: [DenseLayer<Scalar>] = []
        for l in 1..<sizes.count {
            let (wKey, bKey) = (Self.weightKey(layer: l), Self.biasKey(layer: l))
            guard let w = file[wKey], let b = file[bKey] else { throw fail("missing tensor \(wKey) or \(bKey)") }
            guard w.shape == [sizes[l], sizes[l - 1]] else {
                throw fail("\(wKey) has shape \(w.shape), expected [\(sizes[l]), \(sizes[l - 1])]")
            }
            guard b.shape == [sizes[l]] || b.shape == [sizes[l], 1] else {
                throw fail("\(bKey) has shape \(b.shape), expected [\(sizes[l])]")
            }
            let W: Matrix<Scalar> = w.matrix()!
            let bias = Matrix<Scalar>(rows: sizes[l], columns: 1, columnMajor: b.values.map { Scalar($0) })
            guard W.isFinite, bias.isFinite else { throw fail("\(wKey) or \(bKey) holds NaN or infinity") }
            layers.append(try DenseLayer(W: W, b: bias, activation: activations[l - 1]))
        }
        try self.init(layers: layers, loss: loss)
    }
}
