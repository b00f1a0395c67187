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

            Examples:
              backprop export --weights runs/flower/model.safetensors --onnx flower.onnx
              backprop export --weights params.npz --hidden relu --onnx model.onnx
              backprop export --weights model.safetensors --onnx m32.onnx --precision float
            Then, in Python, with X of shape (n_x, m) as backprop reads it:
              import onnxruntime
              session = onnxruntime.InferenceSession("flower.onnx")
              Y = session.run(None, {"X": X.T})[0]   # (m, n_y) = A.T
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @Option(help: "Where to write the ONNX model (.onnx).")
    var onnx: String
    @Flag(help: "Write --onnx even when its extension is not .onnx.")
    var force = false

    func validate() throws {
        if onnx.isEmpty { throw ValidationError("--onnx needs a file name, e.g. --onnx model.onnx") }
    }

    func run() throws {
        try OutputGuard.check(onnx, option: "--onnx", format: "ONNX", extensions: ["onnx"],
                              inputs: [("--weights", model.weights)], force: force)
        Interrupt.installForWriting()
        switch try exportPrecision() {
        case .float: try export(Float.self)
        case .double: try export(Double.self)
        }
    }

    /// `--precision` when given on the command line; otherwise the precision the model file stores.
    private func exportPrecision() throws -> ArchitectureOptions.Precision {
        let given = CommandLine.arguments.contains { $0 == "--precision" || $0.hasPrefix("--precision=") }
        if given { return model.precision }
        let url = URL(fileURLWithPath: model.weights)
        guard FileManager.default.fileExists(atPath: model.weights) else {
            throw BackpropError.invalidArgument("--weights \(model.weights): no such file")
        }
        if url.pathExtension.lowercased() == "npz" {
            return try NPZ.read(contentsOf: url, budget: try memory.budget())["W1"]?.dataType == .float32 ? .float : .double
        }
        let file = try SafeTensors.read(contentsOf: url)
        let dtype = file.metadata["dtype"] ?? file.tensors.first?.tensor.dtype ?? "float64"
        return ["float32", "F32"].contains(dtype) ? .float : .double
    }

    private func export<S: BackpropScalar>(_: S.Type) throws {
        let network: Network<S> = try model.load(S.self, budget: try memory.budget())
        let isNPZ = model.weights.lowercased().hasSuffix(".npz")
        let metadata = isNPZ ? [:] : try SafeTensors.read(contentsOf: URL(fileURLWithPath: model.weights)).metadata
        let saved = try StandardizerMetadata.decode(metadata, source: model.weights, features: network.inputSize)
        var extra = ["source": URL(fileURLWithPath: model.weights).lastPathComponent]
        if let names = saved.classNames, let data = try? JSONEncoder().encode(names) {
            extra["class_names"] = String(decoding: data, as: UTF8.self)
        }
        let url = URL(fileURLWithPath: onnx)
        let folder = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder) else {
            throw BackpropError.invalidArgument("--onnx \(onnx): the folder \(folder) does not exist")
        }
        try network.exportONNX(to: url, standardizer: saved.standardizer, metadata: extra)
        let size = (try? FileManager.default.attributesOfItem(atPath: onnx)[.size] as? Int) ?? 0
        let standardized = saved.standardizer == nil ? "" : ", inputs standardised in the graph"
        print("wrote \(onnx): \(network.sizes.map(String.init).joined(separator: "-")) \(S.dtypeName), opset \(ONNXFormat.opsetVersion), IR \(ONNXFormat.irVersion), \(size) bytes\(standardized)")
        print("input X (batch, \(network.inputSize)) -> output Y (batch, \(network.outputSize)); nodes: \(network.pyTorchModules)")
    }
}
