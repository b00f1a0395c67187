import Testing
@testable import Backprop

/// Mistakes a caller can make, each reported as a thrown ``BackpropError`` whose message names
/// the shapes involved.
struct ShapeErrorTests {
    /// `[3, 4, 1]`: W1 is (4, 3), W2 is (1, 4).
    static func network() throws -> Network<Double> {
        try Network<Double>(sizes: [3, 4, 1], hidden: .tanh, output: .sigmoid, seed: 1)
    }

    @Test("forward with X rows ≠ W1 columns throws shapeMismatch naming (4, 3) and (5, 7)")
    func forwardWrongInputRows() throws {
        let network = try Self.network()
        let X = Matrix<Double>(rows: 5, columns: 7)
        let error = try #require(#expect(throws: BackpropError.self) { try network.forward(X) })
        let shapes = try #require(error.mismatchedShapes)
        #expect(shapes.left == Shape(4, 3))
        #expect(shapes.right == Shape(5, 7))
        #expect(error.description.contains("(4, 3)"))
        #expect(error.description.contains("(5, 7)"))
        #expect(error.description.contains("W1"))

        // Every entry point that runs the forward pass checks the same way.
        #expect(throws: BackpropError.self) { try network.predict(X) }
        #expect(throws: BackpropError.self) { try network.cost(X, Matrix(rows: 1, columns: 7)) }
        #expect(throws: BackpropError.self) { try network.gradients(X, Matrix(rows: 1, columns: 7)) }
    }

    @Test("X with no examples is rejected")
    func emptyInput() throws {
        let network = try Self.network()
        let error = #expect(throws: BackpropError.self) { try network.forward(Matrix(rows: 3, columns: 0)) }
        #expect(error?.isInvalidArgument == true)
    }

    @Test("backward, gradients and cost with Y ≠ output shape name both shapes",
          arguments: [Shape(2, 7), Shape(1, 6), Shape(7, 1)])
    func labelsWrongShape(labels: Shape) throws {
        let network = try Self.network()
        let X = Matrix<Double>(rows: 3, columns: 7, repeating: 0.5)
        let Y = Matrix<Double>(shape: labels)
        let cache = try network.forward(X)
        let errors = [
            #expect(throws: BackpropError.self) { try network.backward(cache, Y: Y) },
            #expect(throws: BackpropError.self) { try network.backward(cache, Y: Y, convention: .absorbed) },
            #expect(throws: BackpropError.self) { try network.gradients(X, Y) },
            #expect(throws: BackpropError.self) { try network.cost(X, Y) },
        ]
        for error in errors {
            let error = try #require(error)
            #expect(error.mismatchedShapes?.left == labels)
            #expect(error.mismatchedShapes?.right == Shape(1, 7))
            #expect(error.description.contains(labels.description))
            #expect(error.description.contains("(1, 7)"))
        }
    }

    @Test("Network(layers:loss:) rejects consecutive layers that do not fit")
    func mismatchedLayers() throws {
        let first = try DenseLayer(W: Matrix<Double>(rows: 4, columns: 3), b: Matrix(rows: 4, columns: 1), activation: .relu)
        let second = try DenseLayer(W: Matrix<Double>(rows: 1, columns: 5), b: Matrix(rows: 1, columns: 1), activation: .sigmoid)
        let error = try #require(#expect(throws: BackpropError.self) {
            try Network(layers: [first, second], loss: .binaryCrossEntropy)
        })
        #expect(error.mismatchedShapes != nil)
        #expect(error.description.contains("(1, 5)"))
        #expect(error.description.contains("(4, 1)"))
        // The same two layers with a fitting W2 are accepted.
        let fitting = try DenseLayer(W: Matrix<Double>(rows: 1, columns: 4), b: Matrix(rows: 1, columns: 1), activation: .sigmoid)
        #expect(try Network(layers: [first, fitting], loss: .binaryCrossEntropy).sizes == [3, 4, 1])
    }

    @Test("DenseLayer rejects b whose shape is not (n_l, 1)",
          arguments: [Shape(3, 1), Shape(1, 4), Shape(4, 2)])
    func wrongBiasShape(bias: Shape) throws {
        let error = try #require(#expect(throws: BackpropError.self) {
            try DenseLayer(W: Matrix<Double>(rows: 4, columns: 3), b: Matrix(shape: bias), activation: .tanh)
        })
        #expect(error.mismatchedShapes?.left == Shape(4, 3))
        #expect(error.mismatchedShapes?.right == bias)
        #expect(error.description.contains("(4, 3)") && error.description.contains(bias.description))
    }

    @Test("A loss that does not suit the output activation is invalidArgument",
          arguments: [
            (Activation.softmax, Loss.binaryCrossEntropy), (.sigmoid, .categoricalCrossEntropy),
            (.identity, .binaryCrossEntropy), (.softmax, .meanSquaredError), (.tanh, .categoricalCrossEntropy),
          ])
    func wrongLossPairing(output: Activation, loss: Loss) throws {
        let layer = try DenseLayer(W: Matrix<Double>(rows: 3, columns: 2), b: Matrix(rows: 3, columns: 1), activation: output)
        let error = try #require(#expect(throws: BackpropError.self) { try Network(layers: [layer], loss: loss) })
        #expect(error.isInvalidArgument)
        #expect(error.description.contains(output.description))
        let viaSizes = #expect(throws: BackpropError.self) {
            try Network<Double>(sizes: [2, 3], hidden: .tanh, output: output, loss: loss)
        }
        #expect(viaSizes?.isInvalidArgument == true)
    }

    @Test("The valid pairings are accepted, MSE after any elementwise output")
    func validPairings() throws {
        for (output, loss) in [(Activation.sigmoid, Loss.binaryCrossEntropy), (.softmax, .categoricalCrossEntropy),
                               (.identity, .meanSquaredError), (.sigmoid, .meanSquaredError), (.tanh, .meanSquaredError)] {
            #expect(throws: Never.self) { try loss.validate(output: output) }
        }
    }

    @Test("A softmax hidden layer, an empty network and bad sizes are invalidArgument")
    func otherInvalidNetworks() throws {
        let error = #expect(throws: BackpropError.self) {
            try Network<Double>(sizes: [2, 3, 2], hidden: .softmax, output: .softmax)
        }
        #expect(error?.isInvalidArgument == true)
        #expect(error?.description.contains("hidden layer 1") == true)
        let empty = #expect(throws: BackpropError.self) { try Network<Double>(layers: [] as [any Layer], loss: .meanSquaredError) }
        #expect(empty?.isInvalidArgument == true)
        for sizes in [[3], [], [3, 0, 1], [3, -2, 1]] {
            let bad = #expect(throws: BackpropError.self) {
                try Network<Double>(sizes: sizes, hidden: .relu, output: .sigmoid)
            }
            #expect(bad?.isInvalidArgument == true, "\(sizes)")
        }
    }

    @Test("setParameters rejects a change of shape")
    func setParametersShape() throws {
        var network = try Self.network()
        let error = #expect(throws: BackpropError.self) {
            try network.setParameters(layer: 1, W: Matrix(rows: 3, columns: 4), b: Matrix(rows: 4, columns: 1))
        }
        #expect(error?.mismatchedShapes?.left == Shape(4, 3))
        #expect(error?.mismatchedShapes?.right == Shape(3, 4))
        #expect(throws: BackpropError.self) {
            try network.setParameters(layer: 2, W: Matrix(rows: 1, columns: 4), b: Matrix(rows: 2, columns: 1))
        }
        try network.setParameters(layer: 2, W: Matrix(rows: 1, columns: 4, repeating: 0.5), b: Matrix([[1]]))
        #expect(network.layer(2).W[0, 3] == 0.5 && network.layer(2).b[0, 0] == 1)
    }

    @Test("Dataset rejects X and Y with different example counts")
    func datasetMismatch() {
        let error = #expect(throws: BackpropError.self) {
            try Dataset<Double>(X: Matrix(rows: 2, columns: 5), Y: Matrix(rows: 1, columns: 4), name: "d")
        }
        #expect(error?.description.contains("(2, 5)") == true)
        #expect(error?.description.contains("(1, 4)") == true)
    }

    @Test("The shape mismatch message names the operation and both shapes")
    func messageFormat() {
        let error = BackpropError.shapeMismatch(operation: "W1 · X", left: Shape(4, 3), right: Shape(5, 7))
        #expect(error.description == "shape mismatch in W1 · X: (4, 3) and (5, 7)")
        #expect(BackpropError.invalidArgument("bad").description == "bad")
    }
}
