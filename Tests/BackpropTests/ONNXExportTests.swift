import Foundation
import Testing
@testable import Backprop

/// ONNX export: the bytes parse back with the generated `Onnx_ModelProto`, the graph has the
/// documented nodes, initializers and versions, and a small interpreter of that graph (Gemm
/// and the activations, batch-first) gives `Network.predict`'s numbers.
struct ONNXExportTests {
    static func tanhSigmoid() throws -> Network<Double> {
        let layer1 = try DenseLayer(
            W: Matrix<Double>([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]),
            b: Matrix<Double>([[0.01], [-0.02], [0.03]]), activation: .tanh)
        let layer2 = try DenseLayer(
            W: Matrix<Double>([[0.7, -0.6, 0.5]]), b: Matrix<Double>([[-0.1]]), activation: .sigmoid)
        return try Network(layers: [layer1, layer2], loss: .binaryCrossEntropy)
    }

    static func parse(_ data: Data) throws -> Onnx_ModelProto {
        try Onnx_ModelProto(serializedBytes: data)
    }

    static func values(_ tensor: Onnx_TensorProto) -> [Double] {
        let bytes = [UInt8](tensor.rawData)
        if tensor.dataType == Int32(Onnx_TensorProto.DataType.double.rawValue) {
            return stride(from: 0, to: bytes.count, by: 8).map { start in
                Double(bitPattern: bytes[start..<start + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            }
        }
        return stride(from: 0, to: bytes.count, by: 4).map { start in
            Double(Float(bitPattern: bytes[start..<start + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
        }
    }

    static func dims(_ info: Onnx_ValueInfoProto) -> [String] {
        info.type.tensorType.shape.dim.map { dimension in
            switch dimension.value {
            case let .dimParam(name): name
            case let .dimValue(value): String(value)
            case nil: "?"
            }
        }
    }

    @Test func headerVersionsAndShapes() throws {
        let model = try Self.parse(try Self.tanhSigmoid().onnxModel())
        #expect(model.irVersion == 7)
        #expect(model.opsetImport.count == 1)
        #expect(model.opsetImport[0].domain == "")
        #expect(model.opsetImport[0].version == 13)
        #expect(model.producerName == "backprop")
        #expect(model.producerVersion == backpropVersion)
        #expect(model.graph.input.map(\.name) == ["X"])
        #expect(model.graph.output.map(\.name) == ["Y"])
        #expect(Self.dims(model.graph.input[0]) == ["batch", "2"])
        #expect(Self.dims(model.graph.output[0]) == ["batch", "1"])
        #expect(model.graph.input[0].type.tensorType.elemType == 11)
        let properties = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        #expect(properties["sizes"] == "2,3,1")
        #expect(properties["activations"] == "tanh,sigmoid")
    }

    @Test func gemmAndActivationNodesInOrder() throws {
        let model = try Self.parse(try Self.tanhSigmoid().onnxModel())
        let nodes = model.graph.node
        #expect(nodes.map(\.opType) == ["Gemm", "Tanh", "Gemm", "Sigmoid"])
        #expect(nodes[0].input == ["X", "W1", "b1"])
        #expect(nodes[0].output == ["Z1"])
        #expect(nodes[1].input == ["Z1"])
        #expect(nodes[1].output == ["A1"])
        #expect(nodes[2].input == ["A1", "W2", "b2"])
        #expect(nodes[3].output == ["Y"])
        for gemm in nodes where gemm.opType == "Gemm" {
            #expect(gemm.attribute.count == 1)
            #expect(gemm.attribute[0].name == "transB")
            #expect(gemm.attribute[0].type == .int)
            #expect(gemm.attribute[0].i == 1)
        }
    }

    @Test func initializersAreRowMajorWeightsAndOneDimensionalBiases() throws {
        let network = try Self.tanhSigmoid()
        let model = try Self.parse(try network.onnxModel())
        let byName = Dictionary(uniqueKeysWithValues: model.graph.initializer.map { ($0.name, $0) })
        #expect(model.graph.initializer.map(\.name) == ["W1", "b1", "W2", "b2"])
        #expect(byName["W1"]?.dims == [3, 2])
        #expect(byName["b1"]?.dims == [3])
        #expect(byName["W2"]?.dims == [1, 3])
        #expect(byName["b2"]?.dims == [1])
        #expect(byName["W1"]?.dataType == 11)
        #expect(byName["W1"]?.rawData.count == 6 * 8)
        #expect(Self.values(try #require(byName["W1"])) == [0.1, -0.2, 0.4, 0.3, -0.5, 0.2])
        #expect(Self.values(try #require(byName["b1"])) == [0.01, -0.02, 0.03])
        #expect(Self.values(try #require(byName["W2"])) == [0.7, -0.6, 0.5])
        #expect(Self.values(try #require(byName["b2"])) == [-0.1])
    }

    @Test func floatModelsWriteFloatTensorsAndLeakyRelu() throws {
        let network = try Network<Float>(sizes: [3, 5, 4, 3], hidden: .leakyReLU(slope: 0.2), output: .softmax, seed: 7)
        let model = try Self.parse(try network.onnxModel())
        #expect(model.graph.node.map(\.opType) == ["Gemm", "LeakyRelu", "Gemm", "LeakyRelu", "Gemm", "Softmax"])
        let leaky = model.graph.node[1]
        #expect(leaky.attribute.map(\.name) == ["alpha"])
        #expect(leaky.attribute[0].f == Float(0.2))
        let softmax = model.graph.node[5]
        #expect(softmax.attribute.map(\.name) == ["axis"])
        #expect(softmax.attribute[0].i == 1)
        #expect(model.graph.input[0].type.tensorType.elemType == 1)
        for tensor in model.graph.initializer {
            #expect(tensor.dataType == 1)
            #expect(tensor.rawData.count == tensor.dims.reduce(1, *) * 4)
        }
        let W2 = try #require(model.graph.initializer.first { $0.name == "W2" })
        #expect(W2.dims == [4, 5])
        let expected = (0..<4).flatMap { i in (0..<5).map { j in Double(network.layer(2).W[i, j]) } }
        #expect(Self.values(W2) == expected)
    }

    @Test func doubleLeakyReluKeepsTheDoubleSlopeAndIdentityHasNoNode() throws {
        let network = try Network<Double>(sizes: [2, 3, 1], hidden: .leakyReLU(slope: 0.01), output: .identity, seed: 3)
        let model = try Self.parse(try network.onnxModel())
        #expect(model.graph.node.map(\.opType) == ["Gemm", "Greater", "Mul", "Where", "Gemm"])
        #expect(model.graph.node.last?.output == ["Y"])
        let slope = try #require(model.graph.initializer.first { $0.name == "leaky_slope1" })
        #expect(slope.dims == [])
        #expect(Self.values(slope) == [0.01])
    }

    @Test func standardizerBecomesSubAndMul() throws {
        let network = try Self.tanhSigmoid()
        let standardizer = try Standardizer(means: [1.5, -2], standardDeviations: [4, 0.5])
        let model = try Self.parse(try network.onnxModel(standardizer: standardizer))
        #expect(model.graph.node.map(\.opType) == ["Sub", "Mul", "Gemm", "Tanh", "Gemm", "Sigmoid"])
        #expect(model.graph.node[0].input == ["X", "input_mean"])
        #expect(model.graph.node[2].input == ["A0", "W1", "b1"])
        let scale = try #require(model.graph.initializer.first { $0.name == "input_scale" })
        #expect(Self.values(scale) == [0.25, 2])

        let wrong = try Standardizer(means: [0, 0, 0], standardDeviations: [1, 1, 1])
        #expect(throws: BackpropError.self) { try network.onnxModel(standardizer: wrong) }
    }

    @Test func interpretedGraphEqualsPredict() throws {
        let networks: [Network<Double>] = [
            try Self.tanhSigmoid(),
            try Network(sizes: [4, 6, 5, 3], hidden: .relu, output: .softmax, seed: 11),
            try Network(sizes: [3, 4, 2], hidden: .leakyReLU(slope: 0.3), output: .identity, seed: 5),
            try Network(sizes: [3, 4, 1], hidden: .sigmoid, output: .sigmoid, seed: 2),
        ]
        var generator = SeededGenerator(seed: 99)
        for network in networks {
            let m = 5
            let X = Matrix<Double>(rows: network.inputSize, columns: m,
                columnMajor: (0..<network.inputSize * m).map { _ in Double.random(in: -2...2, using: &generator) })
            let expected = try network.predict(X)
            let model = try Self.parse(try network.onnxModel())
            let Y = try ONNXInterpreter.run(model.graph, input: X)
            #expect(Y.shape == expected.shape)
            for i in 0..<Y.rows { for j in 0..<Y.columns { #expect(abs(Y[i, j] - expected[i, j]) <= 1e-14) } }
        }
    }

    @Test func exportWritesTheSameBytesAtomically() throws {
        let network = try Self.tanhSigmoid()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.onnx")
        try Data("old".utf8).write(to: url)
        try network.exportONNX(to: url)
        #expect(try Data(contentsOf: url) == (try network.onnxModel()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.onnx"])
        #expect(throws: BackpropError.self) {
            try network.exportONNX(to: folder.appendingPathComponent("missing/model.onnx"))
        }
    }
}

/// Runs the few ONNX operators the exporter writes, batch-first, in Double.
enum ONNXInterpreter {
    struct Failure: Error { let message: String }

    /// `input` is the course's `(n_x, m)`; the result is `(n_y, m)`, like `Network.predict`.
    static func run(_ graph: Onnx_GraphProto, input: Matrix<Double>) throws -> Matrix<Double> {
        // Values as row-major (rows, columns) arrays; scalars and vectors are (1, n).
        var values: [String: (rows: Int, columns: Int, data: [Double])] = [:]
        values["X"] = (input.columns, input.rows, (0..<input.columns).flatMap { j in (0..<input.rows).map { input[$0, j] } })
        for tensor in graph.initializer {
            let data = ONNXExportTests.values(tensor)
            let dims = tensor.dims.map(Int.init)
            values[tensor.name] = dims.count == 2 ? (dims[0], dims[1], data) : (1, data.count, data)
        }
        func value(_ name: String) throws -> (rows: Int, columns: Int, data: [Double]) {
            guard let v = values[name] else { throw Failure(message: "no value \(name)") }
            return v
        }
        func broadcast(_ a: (rows: Int, columns: Int, data: [Double]), _ b: (rows: Int, columns: Int, data: [Double]),
                       _ f: (Double, Double) -> Double) -> (rows: Int, columns: Int, data: [Double]) {
            var out = a.data
            for i in 0..<a.rows {
                for j in 0..<a.columns {
                    let other = b.data.count == 1 ? b.data[0] : b.data[j]
                    out[i * a.columns + j] = f(a.data[i * a.columns + j], other)
                }
            }
            return (a.rows, a.columns, out)
        }
        for node in graph.node {
            let a = try value(node.input[0])
            var result = a
            switch node.opType {
            case "Gemm":
                let w = try value(node.input[1])
                let b = try value(node.input[2])
                var out = [Double](repeating: 0, count: a.rows * w.rows)
                for i in 0..<a.rows {
                    for k in 0..<w.rows {
                        var sum = b.data[k]
                        for j in 0..<a.columns { sum += a.data[i * a.columns + j] * w.data[k * w.columns + j] }
                        out[i * w.rows + k] = sum
                    }
                }
                result = (a.rows, w.rows, out)
            case "Sigmoid": result.data = a.data.map { Activation.sigmoid($0) }
            case "Tanh": result.data = a.data.map { Foundation.tanh($0) }
            case "Relu": result.data = a.data.map { max(0, $0) }
            case "LeakyRelu":
                let alpha = Double(node.attribute.first { $0.name == "alpha" }?.f ?? 0.01)
                result.data = a.data.map { $0 > 0 ? $0 : alpha * $0 }
            case "Softmax":
                for i in 0..<a.rows {
                    let row = a.data[i * a.columns..<(i + 1) * a.columns]
                    let largest = row.max()!
                    let e = row.map { Foundation.exp($0 - largest) }
                    let total = e.reduce(0, +)
                    for j in 0..<a.columns { result.data[i * a.columns + j] = e[j] / total }
                }
            case "Sub": result = broadcast(a, try value(node.input[1]), -)
            case "Mul": result = broadcast(a, try value(node.input[1]), *)
            case "Greater": result = broadcast(a, try value(node.input[1])) { $0 > $1 ? 1 : 0 }
            case "Where":
                let x = try value(node.input[1])
                let y = try value(node.input[2])
                result.data = a.data.indices.map { a.data[$0] != 0 ? x.data[$0] : y.data[$0] }
            default:
                throw Failure(message: "unexpected operator \(node.opType)")
            }
            values[node.output[0]] = result
        }
        let y = try value("Y")
        var Y = Matrix<Double>(rows: y.columns, columns: y.rows)
        for i in 0..<y.rows { for j in 0..<y.columns { Y[j, i] = y.data[i * y.columns + j] } }
        return Y
    }
}
