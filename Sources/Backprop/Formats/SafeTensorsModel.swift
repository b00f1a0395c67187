import Foundation

/// Networks as safetensors files with PyTorch `state_dict` names and layouts.
///
/// The network is an `nn.Sequential` of its layers' modules in order (``Layer/pyTorchModules``):
/// for a dense network `Linear(n_0, n_1), g_1, Linear(n_1, n_2), g_2, …`, so dense layer `l` is
/// module `2(l − 1)` and its tensors are `"{2(l−1)}.weight"` `(out, in)` row-major and
/// `"{2(l−1)}.bias"` `(out,)`. Every tensor is written under its ``ParameterTensor/name``. The
/// architecture is in `__metadata__` (`layers`, and for dense networks `sizes`, `activations`),
/// so Backprop reloads a model from the file alone, and
/// `torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path))` loads the weights.
extension Network {
    /// The PyTorch modules this network corresponds to, e.g.
    /// `Linear(2, 4), Tanh(), Linear(4, 1), Sigmoid()`.
    public var pyTorchModules: String {
        layers.flatMap(\.pyTorchModules).joined(separator: ", ")
    }

    /// The metadata that describes the architecture: each layer's kind and JSON configuration
    /// under `layers`, and for dense networks the `sizes`/`activations` older readers take.
    public var architectureMetadata: [String: String] {
        var metadata = [
            "format": "backprop.sequential",
            "backprop_version": backpropVersion,
            "sizes": sizes.map(String.init).joined(separator: ","),
            "loss": loss.rawValue,
            "dtype": Scalar.dtypeName,
            "pytorch_modules": pyTorchModules,
            "layers": Self.layersJSON(layers),
        ]
        if isDense { metadata["activations"] = layers.map { $0.activation?.description ?? "identity" }.joined(separator: ",") }
        return metadata
    }

    private static func layersJSON(_ layers: [any Layer]) -> String {
        // Sorted keys: the same network always writes the same bytes.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let entries = layers.map { layer -> [String: String] in
            func encode<L: Layer>(_ layer: L) -> String {
                // A layer's configuration is plain values; encoding cannot fail.
                String(decoding: (try? encoder.encode(layer)) ?? Data("{}".utf8), as: UTF8.self)
            }
            return ["kind": type(of: layer).kind, "configuration": encode(layer)]
        }
        return String(decoding: (try? encoder.encode(entries)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// The parameters as named tensors in PyTorch's layout (row-major), slab order.
    public var stateDict: [(name: String, tensor: SafeTensors.Tensor)] {
        parameters.tensors.map { tensor in
            (tensor.name, SafeTensors.Tensor(
                shape: tensor.fileShape, dtype: tensor.isCount ? "I64" : Scalar.safeTensorsDType,
                values: parameters.matrix(tensor).rowMajorElements.map { Double($0) }))
        }
    }

    /// Saves the model (atomically) with its architecture and any extra metadata.
    public func save(to url: URL, metadata extra: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict, metadata: architectureMetadata.merging(extra) { $1 }, to: url)
    }

    /// Loads a model saved by ``save(to:metadata:)`` (or any safetensors file whose metadata
    /// has `layers`, or `sizes`, `activations` and `loss`).
    ///
    /// - Parameters:
    ///   - url: the safetensors file.
    ///   - kinds: the layer kinds the file may name (add an application's own kinds).
    public init(contentsOf url: URL, kinds: LayerKinds = .builtIn) throws {
        try self.init(safeTensors: SafeTensors.read(contentsOf: url), source: url.path, kinds: kinds)
    }

    /// Builds a model from a parsed safetensors file.
    public init(safeTensors file: SafeTensors.File, source: String, kinds: LayerKinds = .builtIn) throws {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        let meta = file.metadata
        guard let lossText = meta["loss"] else {
            throw fail("no Backprop architecture in __metadata__ (layers or sizes, activations, loss); pass --layers/--hidden/--output instead")
        }
        guard let loss = Loss(name: lossText) else { throw fail("metadata field 'loss' is '\(lossText)', not bce, ce or mse") }
        if let format = meta["format"], format != "backprop.sequential" {
            throw fail("metadata field 'format' is '\(format)', not backprop.sequential")
        }
        if let dtype = meta["dtype"], dtype != "float32", dtype != "float64" {
            throw fail("metadata field 'dtype' is '\(dtype)', not float32 or float64")
        }
        // `sizes` and `activations` are checked whenever present: a reader that takes them
        // (an older Backprop, a notebook) must not see other values than the layers say.
        let sizes: [Int]? = try meta["sizes"].map { text in
            let parsed = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard parsed.count >= 2, parsed.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw fail("metadata field 'sizes' is '\(text)', not two or more positive whole numbers")
            }
            return parsed.map { $0 ?? 0 }
        }
        let activations: [Activation]? = try meta["activations"].map { text in
            let parsed = text.split(separator: ",", omittingEmptySubsequences: false).map { Activation(name: String($0)) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw fail("metadata field 'activations' is '\(text)', not a list of activations (sigmoid, tanh, relu, leaky_relu, softmax, identity)")
            }
            return parsed.compactMap { $0 }
        }
        if let layersText = meta["layers"] {
            guard let entries = try? JSONDecoder().decode([[String: String]].self, from: Data(layersText.utf8)), !entries.isEmpty else {
                throw fail("the layers metadata is not a list of {kind, configuration}")
            }
            var layers: [any Layer] = []
            for (index, entry) in entries.enumerated() {
                guard let kind = entry["kind"], let configuration = entry["configuration"] else {
                    throw fail("layer \(index + 1) in the metadata has no kind or configuration")
                }
                do {
                    layers.append(try kinds.decode(kind: kind, configuration: Data(configuration.utf8)))
                } catch let error as BackpropError {
                    throw fail("layer \(index + 1): \(error)")
                } catch {
                    throw fail("layer \(index + 1) (\(kind)) has a malformed configuration")
                }
            }
            try self.init(parameters: file, layers: layers, loss: loss, source: source)
            if let sizes, sizes != self.sizes {
                throw fail("metadata field 'sizes' is \(meta["sizes"] ?? ""), but the layers are \(self.sizes.map(String.init).joined(separator: ","))")
            }
            if let activations, isDense, activations != self.layers.map({ $0.activation ?? .identity }) {
                throw fail("metadata field 'activations' is \(meta["activations"] ?? ""), but the layers say otherwise")
            }
            return
        }
        guard let sizes, let activations else {
            throw fail("no Backprop architecture in __metadata__ (sizes, activations, loss); pass --layers/--hidden/--output instead")
        }
        guard activations.count == sizes.count - 1 else {
            throw fail("architecture metadata is inconsistent (sizes \(meta["sizes"] ?? ""), activations \(meta["activations"] ?? ""), loss \(lossText))")
        }
        try self.init(parameters: file, sizes: sizes, activations: activations, loss: loss, source: source)
    }

    /// Builds a dense model from `"{2(l−1)}.weight"`/`.bias` tensors and a given architecture.
    public init(
        parameters file: SafeTensors.File, sizes: [Int], activations: [Activation], loss: Loss, source: String
    ) throws {
        guard sizes.count >= 2, activations.count == sizes.count - 1, sizes.allSatisfy({ $0 > 0 }) else {
            throw BackpropError.malformedFile(path: source, reason: "architecture is inconsistent (sizes \(sizes), \(activations.count) activations)")
        }
        let layers = (1..<sizes.count).map { Dense(inputSize: sizes[$0 - 1], outputSize: sizes[$0], activation: activations[$0 - 1]) }
        try self.init(parameters: file, layers: layers, loss: loss, source: source)
    }

    /// Builds a model of `layers` whose parameters are the file's tensors of the same names.
    public init(parameters file: SafeTensors.File, layers: [any Layer], loss: Loss, source: String) throws {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        do {
            try self.init(layers: layers, loss: loss)
        } catch let error as BackpropError {
            throw fail("architecture: \(error)")
        }
        for tensor in parameters.tensors {
            guard let stored = file[tensor.name] else { throw fail("missing tensor \(tensor.name)") }
            let matrixShape = [tensor.shape.rows, tensor.shape.columns]
            guard stored.shape == tensor.fileShape || stored.shape == matrixShape || (tensor.isCount && stored.shape == [1]) else {
                throw fail("\(tensor.name) has shape \(stored.shape), expected \(tensor.fileShape)")
            }
            let value = Matrix<Scalar>(rows: tensor.shape.rows, columns: tensor.shape.columns, rowMajor: stored.values.map { Scalar($0) })
            guard value.isFinite else { throw fail("\(tensor.name) holds NaN or infinity") }
            if tensor.isCount, value.elements.contains(where: { $0 < 0 || $0.rounded() != $0 }) {
                throw fail("\(tensor.name) must be a whole count ≥ 0")
            }
            try parameters.set(tensor, to: value)
        }
    }
}
