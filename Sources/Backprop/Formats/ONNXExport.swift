import Foundation
import SwiftProtobuf

/// The ONNX versions Backprop writes.
///
/// Every operator Backprop exports (Gemm, Sigmoid, Tanh, Relu, LeakyRelu, Softmax, Sub, Mul,
/// Greater, Where, BatchNormalization, Reshape, Conv, MaxPool, AveragePool, Flatten) exists in the default domain `ai.onnx` at opset 13, where Softmax acts on
/// one axis (`axis = 1`: each example's row). IR version 7 is the one ONNX 1.8 introduced
/// together with opset 13, so any runtime that reads opset 13 reads the file.
public enum ONNXFormat {
    /// The default-domain (`ai.onnx`) operator set the graph uses: 13.
    public static let opsetVersion = 13
    /// The ONNX IR version written in `ModelProto.ir_version`: 7 (ONNX 1.8, which introduced opset 13).
    public static let irVersion = 7
    /// `ModelProto.producer_name`.
    public static let producerName = "backprop"
    /// The name of the graph input, `(batch, n_x)`.
    public static let inputName = "X"
    /// The name of the graph output, `(batch, n_y)`.
    public static let outputName = "Y"
    /// The symbolic batch dimension of input and output.
    public static let batchDimension = "batch"
}

/// ONNX export: the network as a graph of `Gemm` and activation nodes.
///
/// ONNX is batch-first like PyTorch: the input `X` is `(batch, n_x)`, one example per **row**
/// (the transpose of the course's `(n_x, m)`), and the output `Y` is `(batch, n_y)`. Layer `l`
/// is `Z_l = Gemm(A_{l−1}, W_l, b_l; transB = 1) = A_{l−1} W_lᵀ + b_l`, with `W_l` stored
/// `(n_l, n_{l−1})` exactly as `nn.Linear.weight` and `b_l` as a 1-D `(n_l,)` tensor, followed
/// by its activation node: `Sigmoid`, `Tanh`, `Relu`, `LeakyRelu(alpha)`, `Softmax(axis = 1)`,
/// or nothing for identity. A sigmoid or softmax output layer gives probabilities, as
/// `backprop predict` does.
///
/// Initializers have the network's precision (`float` for `Network<Float>`, `double` for
/// `Network<Double>`), as little-endian `raw_data`. In a `Network<Double>`, leaky ReLU is
/// written as `Where(Greater(Z, 0), Z, Mul(Z, slope))` with a `double` slope: `LeakyRelu`'s
/// `alpha` is a float32 attribute (it would round the slope) and ONNX Runtime has no `double`
/// kernel for it.
///
/// A network of image layers starts with `Reshape(X, [-1, C, H, W])` (each row of `X` is one
/// image in C·H·W order, ``ImageShape``); ``Conv2d`` is `Conv(A, W, b)` with `W` as PyTorch's
/// `(out_c, in_c, kH, kW)`, `kernel_shape`, `strides` and `pads = [top, left, bottom, right]`;
/// ``Pooling`` is `MaxPool` or `AveragePool` (`kernel_shape`, `strides`); ``Flatten`` is
/// `Flatten(axis = 1)`, the same (c, h, w) order. ONNX Runtime runs `Conv` and `AveragePool`
/// in `float` only, so export a `Network<Float>` to run it there.
///
/// With a ``Standardizer`` (the one a model was trained with), the graph starts with
/// `Sub(X, input_mean)` and `Mul(·, input_scale)` (`scale = 1/σ`), the same arithmetic as
/// ``Standardizer/transform(_:)``, so the ONNX model takes raw features like `backprop predict`.
extension Network {
    /// The network as a serialized ONNX `ModelProto` (see ``ONNXFormat`` for the versions).
    ///
    /// - Parameters:
    ///   - standardizer: input standardisation to build into the graph, if the model was
    ///     trained on standardised features; its feature count must be `n_x`.
    ///   - metadata: extra `metadata_props` entries (the architecture is always written).
    /// - Throws: ``BackpropError/shapeMismatch(operation:left:right:)`` when the
    ///   standardizer's feature count is not `n_x`.
    public func onnxModel(standardizer: Standardizer? = nil, metadata: [String: String] = [:]) throws -> Data {
        let model = try onnxModelProto(standardizer: standardizer, metadata: metadata)
        // onnx.proto has no `required` fields, so serializing cannot fail.
        return try! model.serializedBytes()
    }

    /// Writes ``onnxModel(standardizer:metadata:)`` to `url` atomically: a temporary file in
    /// the same folder, then a rename, so a crash never leaves half a file where the old one was.
    public func exportONNX(to url: URL, standardizer: Standardizer? = nil, metadata: [String: String] = [:]) throws {
        try AtomicFile.write(try onnxModel(standardizer: standardizer, metadata: metadata), to: url)
    }

    /// A tensor's name in the graph: its course symbol (`W2`) when that is a C identifier, as
    /// ONNX asks, else its `state_dict` name made one (`γ2`, `1.weight` → `p1_weight`).
    static func onnxName(_ tensor: ParameterTensor) -> String {
        let identifier = tensor.symbol.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_") }
        return identifier ? tensor.symbol : "p" + tensor.name.replacingOccurrences(of: ".", with: "_")
    }

    /// The `ModelProto` behind ``onnxModel(standardizer:metadata:)``.
    func onnxModelProto(standardizer: Standardizer? = nil, metadata: [String: String] = [:]) throws -> Onnx_ModelProto {
        var builder = ONNXGraphBuilder<Scalar>()
        var current = ONNXFormat.inputName

        if let standardizer {
            guard standardizer.featureCount == inputSize else {
                throw BackpropError.shapeMismatch(
                    operation: "ONNX export: standardizer (fitted on \(standardizer.featureCount) features) before W1",
                    left: Shape(standardizer.featureCount, 1), right: Shape(layers[0].outputSize, inputSize))
            }
            // The same numbers Standardizer.transform uses: T(μ) and T(1/σ).
            builder.addInitializer("input_mean", shape: [inputSize], values: standardizer.means.map { Scalar($0) })
            builder.addInitializer("input_scale", shape: [inputSize], values: standardizer.standardDeviations.map { Scalar(1 / $0) })
            builder.addNode("Sub", inputs: [current, "input_mean"], output: "X_centered", name: "standardize_sub")
            builder.addNode("Mul", inputs: ["X_centered", "input_scale"], output: "A0", name: "standardize_mul")
            current = "A0"
        }

        if let image = layers.first as? any ImageLayer {
            // (batch, C·H·W) rows are NCHW images, one per row: Reshape to (batch, C, H, W).
            let shape = image.inputImage
            builder.addInt64Initializer("image_shape", values: [-1, shape.channels, shape.height, shape.width])
            builder.addNode("Reshape", inputs: [current, "image_shape"], output: "X_image", name: "reshape_images")
            current = "X_image"
        }
        for (index, kind) in layers.enumerated() {
            let l = index + 1
            guard let exportable = kind as? any ONNXExportable else {
                throw BackpropError.invalidArgument("ONNX export: layer \(l) (\(kind)) has no ONNX form")
            }
            // Every parameter as an initializer under its course name, in PyTorch's row-major
            // layout (counts, which inference never reads, are left out).
            let tensors = parameters.tensors(layer: l).filter { !$0.isCount }
            for tensor in tensors {
                builder.addInitializer(Self.onnxName(tensor), shape: tensor.fileShape, values: parameters.matrix(tensor).rowMajorElements)
            }
            let output = l == depth ? ONNXFormat.outputName : "A\(l)"
            exportable.addONNXNodes(to: &builder, input: current, output: output, layer: l, parameters: tensors.map(Self.onnxName))
            current = output
        }

        var graph = Onnx_GraphProto()
        graph.name = "backprop_network"
        graph.docString = "Backprop network \(sizes.map(String.init).joined(separator: "-")) (\(pyTorchModules)); "
            + "X is (batch, n_x), one example per row; Y is the output activation A\(depth), (batch, n_y)."
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [Self.onnxTensorInfo(ONNXFormat.inputName, columns: inputSize)]
        graph.output = [Self.onnxTensorInfo(ONNXFormat.outputName, columns: outputSize)]

        var model = Onnx_ModelProto()
        model.irVersion = Int64(ONNXFormat.irVersion)
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Int64(ONNXFormat.opsetVersion)
        model.opsetImport = [opset]
        model.producerName = ONNXFormat.producerName
        model.producerVersion = backpropVersion
        model.modelVersion = 1
        model.docString = "Exported by backprop \(backpropVersion)."
        model.graph = graph
        var properties = architectureMetadata
        if standardizer != nil { properties["input_standardized"] = "true" }
        properties.merge(metadata) { $1 }
        model.metadataProps = properties.sorted { $0.key < $1.key }.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// The ONNX element type of `Scalar`: `FLOAT` (1) or `DOUBLE` (11).
    static var onnxElementType: Onnx_TensorProto.DataType { Scalar.self == Double.self ? .double : .float }

    /// A `(batch, columns)` tensor of `Scalar` as a graph input or output.
    static func onnxTensorInfo(_ name: String, columns: Int) -> Onnx_ValueInfoProto {
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = ONNXFormat.batchDimension
        var width = Onnx_TensorShapeProto.Dimension()
        width.dimValue = Int64(columns)
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(onnxElementType.rawValue)
        tensorType.shape.dim = [batch, width]
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }
}

/// Collects nodes and initializers while a graph is built.
struct ONNXGraphBuilder<Scalar: BackpropScalar> {
    enum Attribute {
        case int(String, Int)
        case float(String, Float)
        case ints(String, [Int])
    }

    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []

    func hasInitializer(_ name: String) -> Bool { initializers.contains { $0.name == name } }

    mutating func addInitializer(_ name: String, shape: [Int], values: [Scalar]) {
        precondition(values.count == shape.reduce(1, *), "initializer \(name): \(values.count) values for shape \(shape)")
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = shape.map { Int64($0) }
        tensor.dataType = Int32(Network<Scalar>.onnxElementType.rawValue)
        tensor.rawData = Self.littleEndianBytes(values)
        initializers.append(tensor)
    }

    /// An `int64` initializer (a `Reshape`'s target shape).
    mutating func addInt64Initializer(_ name: String, values: [Int]) {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = [Int64(values.count)]
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        var data = Data()
        for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { data.append(contentsOf: $0) } }
        tensor.rawData = data
        initializers.append(tensor)
    }

    mutating func addNode(_ opType: String, inputs: [String], output: String, name: String, attributes: [Attribute] = []) {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = name
        node.input = inputs
        node.output = [output]
        node.attribute = attributes.map { attribute in
            var proto = Onnx_AttributeProto()
            switch attribute {
            case let .int(name, value):
                proto.name = name
                proto.type = .int
                proto.i = Int64(value)
            case let .float(name, value):
                proto.name = name
                proto.type = .float
                proto.f = value
            case let .ints(name, values):
                proto.name = name
                proto.type = .ints
                proto.ints = values.map { Int64($0) }
            }
            return proto
        }
        nodes.append(node)
    }

    /// The values as ONNX `raw_data`: IEEE 754, little-endian, in order.
    static func littleEndianBytes(_ values: [Scalar]) -> Data {
        var data = Data()
        data.reserveCapacity(values.count * MemoryLayout<Scalar>.size)
        if Scalar.self == Double.self {
            for value in values { withUnsafeBytes(of: Double(value).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        } else {
            for value in values { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        return data
    }
}
