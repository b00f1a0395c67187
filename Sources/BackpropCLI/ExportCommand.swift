import ArgumentParser
import Backprop
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained network to ONNX (opset \(ONNXFormat.opsetVersion), IR version \(ONNXFormat.irVersion)).",
        discussion: """
            The ONNX graph is batch-first like PyTorch: input "X" is (batch, n_x), one example \
            per row (the transpose of backprop's (n_x, m)), and output "Y" is (batch, n_y), the \
            output activations (probabilities for a sigmoid or softmax output), which equal \
            `backprop predict --out A.npy` transposed. Each layer is a Gemm node (W as \
            nn.Linear.weight with transB=1, b as a 1-D bias) followed by its activation node \
            (Sigmoid, Tanh, Relu, LeakyRelu, Softmax with axis=1; none for identity). When the \
            model was trained on standardised inputs, the graph starts with the same \
            standardisation (Sub, Mul), so it takes raw features as predict does.

            The tensors keep the model file's precision (float32 or float64); --precision float \
            or double overrides it. The file is written atomically (a temporary file, then a rename).

            --pytorch FILE writes a safetensors file for PyTorch: the same state_dict names and \
            layouts, with the standardisation folded into the first layer's W and b (W' = W/σ, \
            b' = b − W'μ), so nn.Sequential(...).load_state_dict() on it takes raw features and \
            gives predict's output. Its metadata's pytorch_modules names the modules.

            Examples:
              backprop export --weights runs/iris/model.safetensors \\
                --pytorch iris-pytorch.safetensors
              backprop export --weights runs/flower/model.safetensors --onnx flower.onnx
              backprop export --weights params.npz --hidden relu --onnx model.onnx
              backprop export --weights model.safetensors --onnx m32.onnx \\
                --precision float
            Then, in Python, with X of shape (n_x, m) as backprop reads it:
              import onnxruntime
              session = onnxruntime.InferenceSession("flower.onnx")
              Y = session.run(None, {"X": X.T})[0]   # (m, n_y) = A.T
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @Option(help: "Where to write the ONNX model (.onnx).")
    var onnx: String?
    @Option(help: "Where to write the model for PyTorch (.safetensors): the standardisation folded into the first layer, so it takes raw features.")
    var pytorch: String?
    @Flag(help: "Write --onnx or --pytorch even when its extension does not say so.")
    var force = false

    func validate() throws {
        if onnx == nil && pytorch == nil { throw ValidationError("give --onnx FILE or --pytorch FILE (or both)") }
        if onnx?.isEmpty == true { throw ValidationError("--onnx needs a file name, e.g. --onnx model.onnx") }
        if pytorch?.isEmpty == true { throw ValidationError("--pytorch needs a file name, e.g. --pytorch model-pytorch.safetensors") }
    }

    func run() throws {
        if let onnx {
            try OutputGuard.check(onnx, option: "--onnx", format: "ONNX", extensions: ["onnx"], inputs: [("--weights", model.weights)], force: force)
        }
        if let pytorch {
            try OutputGuard.check(pytorch, option: "--pytorch", format: "safetensors", extensions: ["safetensors"], inputs: [("--weights", model.weights)], force: force)
        }
        Interrupt.installForWriting()
        switch try model.resolvedPrecision(budget: try memory.budget()) {
        case .float: try export(Float.self)
        case .double: try export(Double.self)
        }
    }

    private func requireFolder(of path: String, option: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder) else {
            throw BackpropError.invalidArgument("\(option) \(path): the folder \(folder) does not exist")
        }
    }

    private func export<S: BackpropScalar>(_: S.Type) throws {
        let loaded: Model<S> = try model.loadModel(S.self, budget: try memory.budget())
        let network = loaded.network
        if let pytorch {
            try requireFolder(of: pytorch, option: "--pytorch")
            let folded = try loaded.folded()
            try folded.save(to: URL(fileURLWithPath: pytorch), metadata: ["source": URL(fileURLWithPath: model.weights).lastPathComponent])
            let note = loaded.standardizer == nil ? "no standardisation to fold" : "standardisation folded into layer 1 (takes raw features)"
            print("wrote \(pytorch): \(network.summary), \(S.dtypeName), \(note)")
            print("torch: nn.Sequential(\(network.pyTorchModules)).load_state_dict(load_file(\"\(pytorch)\"))")
        }
        guard let onnx else { return }
        var extra = ["source": URL(fileURLWithPath: model.weights).lastPathComponent]
        if let names = loaded.classNames, let data = try? JSONEncoder().encode(names) {
            extra["class_names"] = String(decoding: data, as: UTF8.self)
        }
        let url = URL(fileURLWithPath: onnx)
        try requireFolder(of: onnx, option: "--onnx")
        let saved = loaded
        try network.exportONNX(to: url, standardizer: saved.standardizer, metadata: extra)
        let size = (try? FileManager.default.attributesOfItem(atPath: onnx)[.size] as? Int) ?? 0
        let standardized = saved.standardizer == nil ? "" : ", inputs standardised in the graph"
        print("wrote \(onnx): \(network.sizes.map(String.init).joined(separator: "-")) \(S.dtypeName), opset \(ONNXFormat.opsetVersion), IR \(ONNXFormat.irVersion), \(size) bytes\(standardized)")
        print("input X (batch, \(network.inputSize)) -> output Y (batch, \(network.outputSize)); nodes: \(network.pyTorchModules)")
    }
}
