import Testing
@testable import Backprop

/// `Network.predict(_:reusing:)`: the bits of `predict(_:)`, the layer outputs written into the
/// same storage from call to call, a result the caller still holds left alone, and any change
/// of batch size or network handled.
struct InferenceBuffersTests {
    static func inputs<T: BackpropScalar>(_: T.Type, rows: Int, columns: Int, seed: UInt64) -> Matrix<T> {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, columns: columns, columnMajor: (0..<(rows * columns)).map { _ in T(generator.nextNormal()) })
    }

    /// The address of layer `index`'s output storage in `buffers`.
    static func address<T>(_ buffers: InferenceBuffers<T>, _ index: Int) -> UnsafeRawPointer? {
        buffers.outputs[index].elements.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test("An MLP in Float: the same bits as predict, the same storage on the next call, a held result unchanged")
    func denseFloat() throws {
        let network = try Network<Float>(sizes: [20, 16, 8, 3], hidden: .relu, output: .softmax, seed: 3)
        var buffers = InferenceBuffers<Float>()
        let X1 = Self.inputs(Float.self, rows: 20, columns: 37, seed: 1)
        let X2 = Self.inputs(Float.self, rows: 20, columns: 37, seed: 2)
        let first = try network.predict(X1, reusing: &buffers)
        #expect(bitwiseEqual(first, try network.predict(X1)))
        let hidden = Self.address(buffers, 0)
        let second = try network.predict(X2, reusing: &buffers)
        #expect(bitwiseEqual(second, try network.predict(X2)))
        #expect(Self.address(buffers, 0) == hidden, "the first layer's output was reallocated")
        // `first` still held its storage: the second call wrote elsewhere and left it alone.
        #expect(bitwiseEqual(first, try network.predict(X1)))
        #expect(!bitwiseEqual(first, second))
        // A batch of another size, then the first size again.
        let X3 = Self.inputs(Float.self, rows: 20, columns: 1, seed: 4)
        #expect(bitwiseEqual(try network.predict(X3, reusing: &buffers), try network.predict(X3)))
        #expect(bitwiseEqual(try network.predict(X1, reusing: &buffers), first))
    }

    @Test("Convolution, pooling, flatten, batch norm in Double: predict's bits with buffers reused across sizes and networks")
    func otherLayers() throws {
        let convolutional = try ConvolutionTests.network(input: ImageShape(channels: 2, height: 6, width: 6), hidden: .relu)
        let normalized = try Network<Double>(
            layers: [Dense(inputSize: 4, outputSize: 5, activation: nil, hasBias: false), BatchNorm(units: 5, activation: .tanh),
                     Dense(inputSize: 5, outputSize: 2, activation: .sigmoid)],
            loss: .binaryCrossEntropy, initializer: .xavier, seed: 9)
        var buffers = InferenceBuffers<Double>()
        for (network, m) in [(convolutional, 5), (convolutional, 2), (normalized, 7), (convolutional, 5), (normalized, 7)] {
            let X = Self.inputs(Double.self, rows: network.inputSize, columns: m, seed: UInt64(m))
            let expected = try network.predict(X)
            #expect(bitwiseEqual(try network.predict(X, reusing: &buffers), expected), "\(network.layers.count) layers, m = \(m)")
            #expect(relativeDifference(expected, try network.forward(X).output) < 1e-15 || network.layers.contains { $0.mixesExamples })
        }
        // The flatten layer's output is its own storage, not the pooling layer's.
        let flatten = convolutional.layers.firstIndex { $0 is Flatten }!
        #expect(Self.address(buffers, flatten) != Self.address(buffers, flatten - 1))
    }

    @Test("The reusing form keeps every layer's output for the next call; the one-off form gives the same bits")
    func keptOutputs() throws {
        let network = try Network<Double>(sizes: [6, 5, 4, 3], hidden: .tanh, output: .softmax, seed: 2)
        let X = Self.inputs(Double.self, rows: 6, columns: 9, seed: 3)
        var buffers = InferenceBuffers<Double>()
        let A = try network.predict(X, reusing: &buffers)
        let B = try network.predict(X)
        #expect(bitwiseEqual(A, B))
        #expect(buffers.outputs.map(\.shape) == [Shape(5, 9), Shape(4, 9), Shape(3, 9)])
    }

    @Test("A bad input is refused with the buffers left usable")
    func badInput() throws {
        let network = try Network<Double>(sizes: [3, 4, 2], hidden: .tanh, output: .softmax, seed: 1)
        var buffers = InferenceBuffers<Double>()
        #expect(throws: BackpropError.self) { try network.predict(Matrix(rows: 5, columns: 2), reusing: &buffers) }
        let X = Self.inputs(Double.self, rows: 3, columns: 4, seed: 1)
        #expect(bitwiseEqual(try network.predict(X, reusing: &buffers), try network.predict(X)))
    }
}
