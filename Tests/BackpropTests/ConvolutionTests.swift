import Foundation
import Testing
@testable import Backprop

/// Convolution, pooling and flatten (GUIDE §11): gradient checks in Double over every padding
/// mode, strides 1 and 2, max and average pooling; the layouts; bad shapes refused in one line.
struct ConvolutionTests {
    /// conv → g → pool → flatten → dense softmax, on `input` images.
    static func network(
        input: ImageShape, filters: Int = 3, kernel: Int = 3, stride: Int = 1, padding: Padding = .valid,
        pool: Pooling.Mode? = .max, window: Int = 2, poolStride: Int? = nil, hidden: Activation = .tanh, classes: Int = 3,
        seed: UInt64 = 5
    ) throws -> Network<Double> {
        let conv = try Conv2d(input: input, outputChannels: filters, kernel: kernel, stride: stride, padding: padding, activation: hidden)
        var layers: [any Layer] = [conv]
        var image = conv.outputShape
        if let pool {
            let pooling = try Pooling(pool, input: image, window: window, stride: poolStride)
            layers.append(pooling)
            image = pooling.outputShape
        }
        layers.append(try Flatten(input: image))
        layers.append(Dense(inputSize: image.featureCount, outputSize: classes, activation: .softmax))
        var network = try Network<Double>(layers: layers, loss: .categoricalCrossEntropy, initializer: .xavier, seed: seed)
        // Biases away from zero, so the check sees db act.
        var generator = SeededGenerator(seed: seed + 7)
        for tensor in network.parameters.tensors where tensor.name.hasSuffix("bias") {
            let values = (0..<tensor.count).map { _ in 0.2 * generator.nextNormal() }
            try network.setParameter(tensor.name, to: Matrix(rows: tensor.count, columns: 1, columnMajor: values))
        }
        return network
    }

    static func data(_ network: Network<Double>, examples m: Int = 5, seed: UInt64 = 11) -> Dataset<Double> {
        Generators.random(inputs: network.inputSize, outputs: network.outputSize, examples: m, loss: .categoricalCrossEntropy, seed: seed)
    }

    static func check(_ network: Network<Double>, _ context: String, m: Int = 5) throws {
        let data = data(network, examples: m)
        for convention in [Convention.deferred, .absorbed] {
            let report = try GradientCheck.run(network: network, X: data.X, Y: data.Y, convention: convention)
            #expect(report.overall < 1e-7, "\(context) \(convention): \(report.overall)")
            #expect(report.tensors.count == network.parameters.tensors.count, "\(context)")
            for tensor in report.tensors { #expect(tensor.relativeDifference < 1e-7, "\(context) \(convention) \(tensor.name)") }
        }
    }

    @Test("Gradient check: valid, same and integer padding, strides 1 and 2, max and average pooling, two channels in")
    func gradientCheck() throws {
        let cases: [(ImageShape, Int, Int, Padding)] = [
            (ImageShape(channels: 2, height: 6, width: 6), 3, 1, .valid),
            (ImageShape(channels: 2, height: 7, width: 7), 3, 2, .valid),
            (ImageShape(channels: 2, height: 5, width: 6), 3, 1, .same),
            (ImageShape(channels: 2, height: 6, width: 5), 2, 1, .same),
            (ImageShape(channels: 2, height: 6, width: 6), 3, 1, .size(1)),
            (ImageShape(channels: 1, height: 6, width: 7), 3, 2, .size(2)),
        ]
        for (input, kernel, stride, padding) in cases {
            for pool in [Pooling.Mode.max, .average] {
                let network = try Self.network(input: input, kernel: kernel, stride: stride, padding: padding, pool: pool)
                try Self.check(network, "\(input) f=\(kernel) s=\(stride) \(padding) \(pool)")
            }
        }
    }

    @Test("Gradient check: overlapping pools (window 3, stride 2), ReLU, two conv layers, no pooling")
    func deeperChecks() throws {
        let input = ImageShape(channels: 1, height: 9, width: 9)
        for pool in [Pooling.Mode.max, .average] {
            try Self.check(try Self.network(input: input, pool: pool, window: 3, poolStride: 2), "overlap \(pool)")
        }
        try Self.check(try Self.network(input: input, pool: nil, hidden: .relu), "no pool, relu")
        let c1 = try Conv2d(input: input, outputChannels: 2, kernel: 3, padding: .same, activation: .tanh)
        let p1 = try Pooling(.max, input: c1.outputShape, window: 2)
        let c2 = try Conv2d(input: p1.outputShape, outputChannels: 3, kernel: 2, stride: 2, activation: .sigmoid)
        let flat = try Flatten(input: c2.outputShape)
        let network = try Network<Double>(
            layers: [c1, p1, c2, flat, Dense(inputSize: flat.outputSize, outputSize: 2, activation: .softmax)],
            loss: .categoricalCrossEntropy, initializer: .xavier, seed: 9)
        try Self.check(network, "two convs", m: 3)
    }

    @Test("Forward against a direct loop over the definition; max pool picks the first of tied maxima")
    func forwardMatchesDefinition() throws {
        let input = ImageShape(channels: 2, height: 5, width: 4)
        let conv = try Conv2d(input: input, outputChannels: 3, kernel: 3, stride: 2, padding: .size(1), activation: nil)
        let network = try Network<Double>(
            layers: [conv, try Flatten(input: conv.outputShape), Dense(inputSize: conv.outputSize, outputSize: 2, activation: .softmax)],
            loss: .categoricalCrossEntropy, initializer: .xavier, seed: 3)
        let data = Self.data(network, examples: 2)
        let Z = try network.forward(data.X).pass.layers[0].saved[0]
        let W = network.parameters.matrix(network.parameters.tensors[0])
        let b = network.parameters.matrix(network.parameters.tensors[1])
        let out = conv.outputShape
        for e in 0..<2 {
            for oc in 0..<3 {
                for h in 0..<out.height {
                    for w in 0..<out.width {
                        var z = b[oc, 0]
                        for c in 0..<2 {
                            for i in 0..<3 {
                                for j in 0..<3 {
                                    let (y, x) = (h * 2 + i - 1, w * 2 + j - 1)
                                    guard (0..<5).contains(y), (0..<4).contains(x) else { continue }
                                    z += W[oc, (c * 3 + i) * 3 + j] * data.X[c * 20 + y * 4 + x, e]
                                }
                            }
                        }
                        #expect(abs(Z[(oc * out.height + h) * out.width + w, e] - z) < 1e-12)
                    }
                }
            }
        }
        // Ties: the first maximum in row-major order wins, as in PyTorch.
        let pool = try Pooling(.max, input: ImageShape(channels: 1, height: 2, width: 2), window: 2)
        var saved = [Matrix<Double>(rows: 1, columns: 1)]
        var A = Matrix<Double>(rows: 1, columns: 1)
        Parameters<Double>(specs: [[]], moduleIndices: [0]).withViews { views in
            pool.forward(Matrix(rows: 4, columns: 1, columnMajor: [1, 3, 3, 0]), parameters: views, mode: .training, saved: &saved, output: &A)
        }
        #expect(A[0, 0] == 3)
        #expect(saved[0][0, 0] == 1)
    }

    @Test("Examples grouped for one GEMM (groups of 5, 5, 1 and 10, 1) give what each example alone gives")
    func groupsMatchSingleExamples() throws {
        let c1 = try Conv2d(input: ImageShape(channels: 2, height: 96, width: 96), outputChannels: 4, kernel: 3, padding: .same, activation: .tanh)
        let c2 = try Conv2d(input: c1.outputShape, outputChannels: 6, kernel: 3, stride: 2, padding: .size(1), activation: .relu)
        let pool = try Pooling(.max, input: c2.outputShape, window: 3, stride: 2)
        let flat = try Flatten(input: pool.outputShape)
        #expect(c1.groupSize(examples: 11) == 5 && c2.groupSize(examples: 11) == 10)
        let network = try Network<Double>(
            layers: [c1, c2, pool, flat, Dense(inputSize: flat.outputSize, outputSize: 3, activation: .softmax)],
            loss: .categoricalCrossEntropy, initializer: .xavier, seed: 4)
        let data = Self.data(network, examples: 11)
        let batch = try network.gradients(data.X, data.Y, convention: .deferred)
        var meanW: [[Double]] = [Array(repeating: 0, count: c1.parameterSpecs[0].shape.rows * c1.parameterSpecs[0].shape.columns),
                                 Array(repeating: 0, count: c2.parameterSpecs[0].shape.rows * c2.parameterSpecs[0].shape.columns)]
        for e in 0..<11 {
            let x = Matrix(rows: data.X.rows, columns: 1, columnMajor: (0..<data.X.rows).map { data.X[$0, e] })
            let y = Matrix(rows: data.Y.rows, columns: 1, columnMajor: (0..<data.Y.rows).map { data.Y[$0, e] })
            let single = try network.gradients(x, y, convention: .deferred)
            for l in [1, 2] {
                for name in ["Z", "dZ", "dA_prev"] {
                    let (whole, alone) = (batch[layer: l][name]!, single[layer: l][name]!)
                    let worst = (0..<whole.rows).map { abs(whole[$0, e] - alone[$0, 0]) }.max()!
                    #expect(worst < 1e-12, "layer \(l) \(name) example \(e): \(worst)")
                }
                let dW = single[layer: l]["dW"]!
                for k in 0..<dW.elements.count { meanW[l - 1][k] += dW.elements[k] / 11 }
            }
        }
        for l in [1, 2] {
            let dW = batch[layer: l]["dW"]!
            let worst = zip(dW.elements, meanW[l - 1]).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-12, "layer \(l) dW: \(worst)")
        }
    }

    @Test("PyTorch names and layouts: Conv2d.weight (out_c, in_c, kH, kW), module indices, safetensors round trip")
    func layout() throws {
        let network = try Self.network(input: ImageShape(channels: 2, height: 6, width: 6), hidden: .relu)
        #expect(network.pyTorchModules == "Conv2d(2, 3, kernel_size=3), ReLU(), MaxPool2d(2), Flatten(), Linear(12, 3), Softmax(dim=1)")
        #expect(network.parameters.tensors.map(\.name) == ["0.weight", "0.bias", "4.weight", "4.bias"])
        #expect(network.parameters.tensors[0].fileShape == [3, 2, 3, 3])
        #expect(network.parameters.tensors[1].fileShape == [3])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("conv-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try network.save(to: url)
        let loaded = try Network<Double>(contentsOf: url)
        #expect(loaded == network)
        let X = Self.data(network).X
        #expect(try loaded.predict(X) == network.predict(X))
    }

    @Test("Bad shapes: one line naming the layer and the shapes, thrown before anything is allocated")
    func badShapes() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            return "no error"
        }
        let image = ImageShape(channels: 1, height: 5, width: 5)
        let big = message { _ = try Conv2d(input: image, outputChannels: 2, kernel: 7) }
        #expect(big.contains("7×7 window is larger than the padded input 1×5×5"), "\(big)")
        #expect(message { _ = try Conv2d(input: image, outputChannels: 2, kernel: 7, padding: .size(1)) }.contains("padded input 1×7×7") == false)
        #expect(message { _ = try Conv2d(input: image, outputChannels: 2, kernel: 3, stride: 0) }.contains("stride 0 must be at least 1"))
        #expect(message { _ = try Pooling(.max, input: image, window: 2, stride: 0) }.contains("stride 0 must be at least 1"))
        #expect(message { _ = try Pooling(.average, input: image, window: 6) }.contains("6×6 window is larger than the padded input 1×5×5"))
        let fraction = message { _ = try Conv2d(input: ImageShape(channels: 1, height: 6, width: 6), outputChannels: 2, kernel: 3, stride: 2) }
        #expect(fraction.contains("under 'valid' padding, (6×6 − 3)/2 + 1 is not a whole number"), "\(fraction)")
        #expect(message { _ = try Conv2d(input: image, outputChannels: 2, kernel: 3, stride: 2, padding: .same) }.contains("'same' needs stride 1"))
        #expect(message { _ = try Conv2d(input: ImageShape(channels: 1, height: Int.max / 2, width: 4), outputChannels: 2, kernel: 3) }
            .contains("not a positive image shape"))
        // Images into a dense layer, vectors into a convolution.
        let conv = try Conv2d(input: image, outputChannels: 2, kernel: 3, activation: .relu)
        let dense = message {
            _ = try Network<Double>(layers: [conv, Dense(inputSize: conv.outputSize, outputSize: 2, activation: .softmax)], loss: .categoricalCrossEntropy)
        }
        #expect(dense == "layer 2 (dense 18→2 softmax) takes vectors, but layer 1 (conv 1×5×5→2×3×3 3×3 relu) gives images 2×3×3; put a flatten between them")
        let vectors = message {
            _ = try Network<Double>(layers: [Dense(inputSize: 4, outputSize: 25, activation: .relu), conv, try Flatten(input: conv.outputShape),
                                             Dense(inputSize: 18, outputSize: 2, activation: .softmax)], loss: .categoricalCrossEntropy)
        }
        #expect(vectors.hasPrefix("layer 2 (conv 1×5×5→2×3×3 3×3 relu) takes images 1×5×5, but layer 1"), "\(vectors)")
        // A saved configuration is checked the same way.
        let json = #"{"input":{"channels":1,"height":5,"width":5},"outputChannels":2,"kernel":3,"stride":0,"padding":{"valid":{}}}"#
        let decoded = message { _ = try JSONDecoder().decode(Conv2d.self, from: Data(json.utf8)) }
        #expect(decoded.contains("stride 0 must be at least 1"), "\(decoded)")
    }

    @Test("Flatten keeps PyTorch's nn.Flatten order on NCHW: (c, h, w)")
    func flattenOrder() throws {
        let image = ImageShape(channels: 2, height: 2, width: 3)
        let flatten = try Flatten(input: image)
        let X = Matrix<Double>(rows: 12, columns: 1, columnMajor: (0..<12).map(Double.init))
        let A = Parameters<Double>(specs: [[]], moduleIndices: [0]).withViews { flatten.infer(X, parameters: $0) }
        // NCHW element (c, h, w) sits at c·6 + h·3 + w, and flattens to that very index.
        #expect(A == X)
        // The course's (m, n_H, n_W, n_C) array converts to the same column.
        let course = NDArray<Double>(nchwColumns: X, image: image)
        #expect(course.shape == [1, 2, 3, 2])
        #expect(course[0, 1, 2, 1] == 11)
        #expect(course.nchwColumns() == X)
    }
}

/// `--arch` text to layers (``LayerGrammar``).
struct LayerGrammarTests {
    @Test("The issue's MNIST network: a flatten goes in before the first dense layer; the last dense takes the output activation")
    func mnist() throws {
        let layers = try LayerGrammar.layers(
            "conv:16:3,relu,maxpool:2,conv:32:3,relu,maxpool:2,dense:10", image: ImageShape(channels: 1, height: 28, width: 28),
            features: 784, output: .softmax)
        let network = try Network<Float>(layers: layers, loss: .categoricalCrossEntropy, initializer: nil)
        #expect(network.pyTorchModules == "Conv2d(1, 16, kernel_size=3), ReLU(), MaxPool2d(2), Conv2d(16, 32, kernel_size=3), ReLU(), MaxPool2d(2), Flatten(), Linear(800, 10), Softmax(dim=1)")
        #expect(network.sizes == [784, 10816, 2704, 3872, 800, 800, 10])
        #expect(network.parameterCount == 16 * 9 + 16 + 32 * 16 * 9 + 32 + 800 * 10 + 10)
        let same = try LayerGrammar.layers("conv:8:5:1:same,tanh,avgpool:2:2,flatten,dense:32,relu,dense:10",
                                           image: ImageShape(channels: 1, height: 28, width: 28), features: 784, output: .softmax)
        #expect(same.map(\.description) == [
            "conv 1×28×28→8×28×28 5×5 padding same tanh", "average pool 8×28×28→8×14×14 2×2", "flatten 8×14×14→1568",
            "dense 1568→32 relu", "dense 32→10 softmax",
        ])
    }

    @Test("Bad items: one line naming the item and the shapes")
    func badItems() {
        func message(_ text: String, image: ImageShape? = ImageShape(channels: 1, height: 8, width: 8)) -> String {
            do { _ = try LayerGrammar.layers(text, image: image, features: 64, output: .softmax) } catch { return "\(error)" }
            return "no error"
        }
        #expect(message("conv:4:3,dense:2", image: nil) == "--arch item 1 'conv:4:3': a convolution takes images, but the data are vectors of 64 features (no image shape; IDX image folders have one)")
        #expect(message("dense:5,maxpool:2") == "--arch item 2 'maxpool:2': pooling takes images, but item 1 gives vectors of 5 features")
        #expect(message("conv:2:9,dense:2").contains("the 9×9 window is larger than the padded input 1×8×8"))
        #expect(message("conv:2:3:2,dense:2").contains("under 'valid' padding, (8×8 − 3)/2 + 1 is not a whole number"))
        #expect(message("conv:2:3:0,dense:2") == "--arch item 1 'conv:2:3:0': the stride '0' must be a whole number from 1 to 2^24")
        #expect(message("conv:2:3:1:wide,dense:2") == "--arch item 1 'conv:2:3:1:wide': padding 'wide' is not valid, same or a whole number")
        #expect(message("maxpool:2,relu").hasPrefix("--arch item 2 'relu': an activation follows a convolution or dense layer"))
        #expect(message("conv:2") == "--arch item 1 'conv:2': write conv:filters:kernel[:stride[:padding]], e.g. conv:16:3")
        #expect(message("pool:2").hasPrefix("--arch item 1 'pool:2': not a layer"))
        #expect(message(" ") == "--arch is empty; give layers such as conv:16:3,relu,maxpool:2,dense:10")
    }
}

/// The ledger's image pages and `explain` for conv networks.
struct ConvolutionLedgerTests {
    @Test("Image pages in the course's layout; dW, db agree under both conventions, dA_prev differs by m")
    func pages() throws {
        let network = try ConvolutionTests.network(input: ImageShape(channels: 2, height: 6, width: 6), hidden: .relu)
        let data = ConvolutionTests.data(network, examples: 4)
        let deferred = try network.gradients(data.X, data.Y, convention: .deferred)
        let absorbed = try network.gradients(data.X, data.Y, convention: .absorbed)
        let conv = deferred[layer: 1]
        #expect(conv.courseArray("Z")?.shape == [4, 4, 4, 3])
        #expect(conv.courseArray("dA_prev")?.shape == [4, 6, 6, 2])
        #expect(conv.courseArray("dW")?.shape == [3, 3, 2, 3])
        #expect(conv.courseArray("db")?.shape == [1, 1, 1, 3])
        #expect(deferred[layer: 2].courseArray("A")?.shape == [4, 2, 2, 3])
        #expect(deferred[layer: 3].courseArray("A") == nil)
        #expect(deferred[layer: 4].courseArray("dW") == nil)
        let (d, a) = (conv.courseArray("dW")!, absorbed[layer: 1].courseArray("dW")!)
        #expect(zip(d.elements, a.elements).allSatisfy { abs($0 - $1) < 1e-15 })
        let (dd, da) = (conv.courseArray("dA_prev")!, absorbed[layer: 1].courseArray("dA_prev")!)
        #expect(zip(dd.elements, da.elements).allSatisfy { abs($0 - 4 * $1) < 1e-13 })
    }

    @Test("evaluate: the inference path in chunks sized from the widest layer gives the full forward pass's cost and counts")
    func evaluation() throws {
        let network = try ConvolutionTests.network(input: ImageShape(channels: 2, height: 9, width: 9), filters: 4, hidden: .relu)
        let data = ConvolutionTests.data(network, examples: 23)
        let cache = try network.forward(data.X)
        let cost = network.loss.summedLoss(Z: cache.Z(network.depth), A: cache.output, Y: data.Y) / 23
        let correct = zip(Metrics.predictedClasses(cache.output), Metrics.trueClasses(data.Y)).filter { $0 == $1 }.count
        for chunk in [23, 5, 1] {
            let result = try network.evaluate(data, chunkSize: chunk)
            #expect(abs(result.loss - cost) < 1e-14, "chunks of \(chunk)")
            #expect(result.accuracy == Double(correct) / 23, "chunks of \(chunk)")
        }
        // A chunk holds about 8 Mi numbers of the widest layer: an MNIST MLP keeps 4,096 examples,
        // a convolution with 32×26×26 outputs takes 387.
        let mlp = try Network<Float>(sizes: [784, 256, 10], hidden: .relu, output: .softmax, seed: 1)
        #expect(mlp.evaluationChunk(limit: 4096) == 4096)
        let layers = try LayerGrammar.layers("conv:32:3,relu,maxpool:2,dense:10", image: ImageShape(channels: 1, height: 28, width: 28),
                                             features: 784, output: .softmax)
        let cnn = try Network<Float>(layers: layers, loss: .categoricalCrossEntropy, initializer: .he, seed: 1)
        #expect(cnn.evaluationChunk(limit: 4096) == (8 << 20) / (32 * 26 * 26))
        #expect(cnn.evaluationChunk(limit: 100) == 100)
    }

    @Test("explain: 4-D shapes, the scatter, the sums, and the 1/m on the example sum only, both conventions")
    func explanation() throws {
        let layers = try LayerGrammar.layers("conv:16:3,relu,maxpool:2,avgpool:3:2,dense:10", image: ImageShape(channels: 1, height: 28, width: 28),
                                             features: 784, output: .softmax)
        let text = ConvolutionExplanation(layers: layers, loss: .categoricalCrossEntropy).text
        for line in [
            "A[0] (m, 28, 28, 1)   W[1] (3, 3, 1, 16)   b[1] (1, 1, 1, 16)   Z[1], A[1] (m, 26, 26, 16)",
            "n_H = ⌊(n_H_prev + 2·pad − f)/stride⌋ + 1 = ⌊(28 + 0 − 3)/1⌋ + 1 = 26",
            "— dA_prev: scatter W · dZ over each window",
            "— summed over examples and positions; only the example sum carries 1/m",
            "dW[1][:, :, :, c] = (1/m) Σ_i Σ_(h,w) a_slice · dZ[1][i, h, w, c]",
            "dW[1][:, :, :, c] = Σ_i Σ_(h,w) a_slice · dZ[1][i, h, w, c]",
            "— summed over everything but the channels",
            "never 1/(m · n_H · n_W)",
            "absorbed (PyTorch's reduction='mean'): dZ[L] = (A[L] − Y) / m",
            "mask = create_mask_from_window(a_prev_slice)",
            "distribute_value(dA[3][i, h, w, c], (f, f))   — dA/(f·f) = dA/9 to every entry",
            "windows overlap (stride < f): the shares add",
            "Layer 4: flatten (m, 6, 6, 16) → (576, m)",
        ] {
            #expect(text.contains(line), "missing: \(line)")
        }
    }

    @Test("explain --format markdown and latex: the same formulas, and both conventions' 1/m per parameter")
    func explanationStyles() throws {
        let layers = try LayerGrammar.layers("conv:4:3,relu,maxpool:2,dense:3", image: ImageShape(channels: 1, height: 8, width: 8),
                                             features: 64, output: .softmax)
        let explanation = ConvolutionExplanation(layers: layers, loss: .categoricalCrossEntropy)
        let markdown = explanation.rendered(.markdown)
        for line in [
            "## `backprop explain`: conv 1×8×8→4×6×6 3×3 relu → max pool 4×6×6→4×3×3 2×2 → flatten 4×3×3→36 → dense 36→3 softmax + ce",
            "### Layer 1: convolution, n_C = 4 filters of f × f = 3 × 3 over n_C_prev = 1, stride 1, padding valid (pad = 0)",
            "| `dW[1][:, :, :, c] = Σ_i Σ_(h,w) A_prev_pad[i, vs:vs+f, hs:hs+f, :] · dZ[1][i, h, w, c]` | `dW[:, :, :, c] += a_slice * dZ[i, h, w, c]` | summed over examples and positions; only the example sum carries 1/m |",
            "| `mask = create_mask_from_window(a_prev_slice)` | `mask = create_mask_from_window(a_prev_slice)` |",
            "| gradient | deferred (the course's code) | absorbed (PyTorch's reduction='mean') |",
            "| `dW[1][:, :, :, c]` | `(1/m) Σ_i Σ_(h,w) a_slice · dZ[1][i, h, w, c]` | `Σ_i Σ_(h,w) a_slice · dZ[1][i, h, w, c]` |",
        ] {
            #expect(markdown.contains(line), "missing: \(line)")
        }
        let latex = explanation.rendered(.latex)
        for line in [
            "\\paragraph{Layer 2: max pooling, f x f = 2 x 2, stride 2, no parameters}",
            "dW^{[1]}_{d_i,d_j,k,c} &= \\sum_i \\sum_{h,w} A_{\\text{pad}}^{[0]}{}_{i,\\, h + d_i,\\, w + d_j,\\, k} \\, dZ^{[1]}_{i,h,w,c}",
            "dW^{[1]}_{:,:,:,c} &= \\tfrac{1}{m} \\sum_i \\sum_{h,w} a_{\\text{slice}} \\, dZ^{[1]}_{i,h,w,c} && \\sum_i \\sum_{h,w} a_{\\text{slice}} \\, dZ^{[1]}_{i,h,w,c}",
        ] {
            #expect(latex.contains(line), "missing: \(line)")
        }
        // Every align* is closed, and no Unicode maths reaches a \text{…} (it compiles with amsmath alone).
        #expect(latex.components(separatedBy: "\\begin{align*}").count == latex.components(separatedBy: "\\end{align*}").count)
        let texts = latex.split(separator: "\n").filter { !$0.hasPrefix("%") }.flatMap { $0.components(separatedBy: "\\text{").dropFirst() }
        #expect(texts.allSatisfy { text in !text.contains { "·Σ−⊙′—×→".contains($0) } })
        // The deferred-only form shows one column.
        let deferred = ConvolutionExplanation(layers: layers, loss: .categoricalCrossEntropy, conventions: [.deferred]).rendered(.markdown)
        #expect(deferred.contains("| gradient | deferred (the course's code) |\n|---|---|"))
        #expect(!deferred.contains("absorbed (PyTorch's reduction='mean') |"))
    }

    @Test("A max-pool page: the mask is create_mask_from_window over every window, argmax the winner's di·f + dj; an average pool's spread is dA/(f·f)")
    func poolingPages() throws {
        let network = try ConvolutionTests.network(input: ImageShape(channels: 2, height: 6, width: 6))
        let data = ConvolutionTests.data(network, examples: 3)
        let page = try network.gradients(data.X, data.Y, convention: .deferred)[layer: 2]
        #expect(page.derivedNames == ["mask"])
        #expect(!page.parameterGradientNames.contains("mask"))
        let mask = try #require(page.courseArray("mask"))
        let A_prev = try #require(network.gradients(data.X, data.Y, convention: .deferred)[layer: 1].courseArray("A"))
        let offsets = try #require(page.courseArray("argmax"))
        #expect(mask.shape == [3, 4, 4, 3] && offsets.shape == [3, 2, 2, 3])
        #expect(mask.elements.reduce(0, +) == Double(3 * 2 * 2 * 3))
        for i in 0..<3 {
            for h in 0..<2 {
                for w in 0..<2 {
                    for c in 0..<3 {
                        var window = NDArray<Double>(shape: [2, 2])
                        for di in 0..<2 { for dj in 0..<2 { window[di, dj] = A_prev[i, 2 * h + di, 2 * w + dj, c] } }
                        let expected = create_mask_from_window(window)
                        for di in 0..<2 { for dj in 0..<2 { #expect(mask[i, 2 * h + di, 2 * w + dj, c] == expected[di, dj]) } }
                        #expect(expected.elements[Int(offsets[i, h, w, c])] == 1)
                    }
                }
            }
        }
        let averaging = try ConvolutionTests.network(input: ImageShape(channels: 2, height: 6, width: 6), pool: .average)
        let ledger = try averaging.gradients(data.X, data.Y, convention: .absorbed)
        let spread = try #require(ledger[layer: 2].courseArray("spread"))
        let dA = try #require(ledger[layer: 3].courseArray("dA_prev"))
        #expect(ledger[layer: 2].derivedNames == ["spread"])
        #expect(spread.shape == [3, 2, 2, 3])
        #expect(zip(spread.elements, dA.elements).allSatisfy { $0 == $1 / 4 })
    }
}
