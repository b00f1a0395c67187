import Testing
@testable import Backprop

/// A 2-3-1 network (tanh hidden, sigmoid output, BCE) small enough to check by hand, with every
/// expected number computed independently in NumPy from the course's formulas:
///
/// ```python
/// import numpy as np
/// W1 = np.array([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]); b1 = np.array([[0.01], [-0.02], [0.03]])
/// W2 = np.array([[0.7, -0.6, 0.5]]); b2 = np.array([[-0.1]])
/// X = np.array([[1.0, -2.0, 0.5], [0.5, 1.5, -1.0]]); Y = np.array([[1.0, 0.0, 1.0]]); m = 3
/// Z1 = W1 @ X + b1; A1 = np.tanh(Z1); Z2 = W2 @ A1 + b2; A2 = 1 / (1 + np.exp(-Z2))
/// J = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
/// dZ2 = A2 - Y; dW2 = dZ2 @ A1.T / m; db2 = np.sum(dZ2, axis=1, keepdims=True) / m
/// dZ1 = (W2.T @ dZ2) * (1 - A1**2); dW1 = dZ1 @ X.T / m; db1 = np.sum(dZ1, axis=1, keepdims=True) / m
/// np.set_printoptions(precision=17)
/// for k, v in [("J", J), ("dW1", dW1), ("db1", db1), ("dW2", dW2), ("db2", db2), ("A2", A2)]: print(k, repr(v))
/// ```
struct TinyNetworkTests {
    static let X = Matrix<Double>([[1.0, -2.0, 0.5], [0.5, 1.5, -1.0]])
    static let Y = Matrix<Double>([[1.0, 0.0, 1.0]])

    static func network() throws -> Network<Double> {
        let layer1 = try DenseLayer(
            W: Matrix<Double>([[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]),
            b: Matrix<Double>([[0.01], [-0.02], [0.03]]), activation: .tanh)
        let layer2 = try DenseLayer(
            W: Matrix<Double>([[0.7, -0.6, 0.5]]), b: Matrix<Double>([[-0.1]]), activation: .sigmoid)
        return try Network(layers: [layer1, layer2], loss: .binaryCrossEntropy)
    }

    // NumPy's output for the script above.
    static let cost = 0.8482323148675489
    static let A2 = Matrix<Double>([[0.36326412499251953, 0.5570179439793369, 0.4878019298355935]])
    static let dW1 = Matrix<Double>([
        [-0.4107615325613278, 0.1922403624981641],
        [0.3427212880987269, -0.1984714944422283],
        [-0.1741621152297983, 0.05953892996830005],
    ])
    static let db1 = Matrix<Double>([[-0.15718505182734122], [0.10087978220492033], [-0.14205124157116444]])
    static let dW2 = Matrix<Double>([[-0.1298745103434136, -0.1483562858247081, 0.3042979001359926]])
    static let db2 = Matrix<Double>([[-0.19730533373085002]])

    @Test("The network's sizes and parameter count are those of a 2-3-1 network")
    func shape() throws {
        let network = try Self.network()
        #expect(network.sizes == [2, 3, 1])
        #expect(network.depth == 2)
        #expect(network.parameterCount == 3 * 2 + 3 + 1 * 3 + 1)
        #expect(network.outputActivation == .sigmoid)
        #expect(network.loss == .binaryCrossEntropy)
    }

    @Test("Forward pass and cost match NumPy to 1e-12")
    func forwardAndCost() throws {
        let network = try Self.network()
        let cache = try network.forward(Self.X)
        #expect(cache.exampleCount == 3)
        #expect(cache.A(0) == Self.X)
        #expect(maxAbsDifference(cache.output, Self.A2) <= 1e-12)
        #expect(maxAbsDifference(try network.predict(Self.X), Self.A2) <= 1e-12)
        #expect(abs(try network.cost(Self.X, Self.Y) - Self.cost) <= 1e-12)
    }

    @Test("dW1, db1, dW2, db2 and the cost match NumPy to 1e-12 under both conventions",
          arguments: Convention.allCases)
    func gradients(convention: Convention) throws {
        let network = try Self.network()
        let ledger = try network.gradients(Self.X, Self.Y, convention: convention)
        #expect(abs(ledger.cost - Self.cost) <= 1e-12)
        #expect(abs(ledger.summedLoss - 3 * Self.cost) <= 1e-12)
        #expect(ledger[layer: 1].dW.shape == Shape(3, 2))
        #expect(ledger[layer: 1].db.shape == Shape(3, 1))
        #expect(maxAbsDifference(ledger[layer: 1].dW, Self.dW1) <= 1e-12)
        #expect(maxAbsDifference(ledger[layer: 1].db, Self.db1) <= 1e-12)
        #expect(maxAbsDifference(ledger[layer: 2].dW, Self.dW2) <= 1e-12)
        #expect(maxAbsDifference(ledger[layer: 2].db, Self.db2) <= 1e-12)
        // dZ2 is A2 − Y under deferred, (A2 − Y)/3 under absorbed.
        let scale = convention == .deferred ? 1.0 : 1.0 / 3
        #expect(maxAbsDifference(ledger[layer: 2].dZ, (Self.A2 - Self.Y) * scale) <= 1e-12)
        // db2 is the mean of dZ2 = A2 − Y.
        #expect(abs(Self.db2[0, 0] - (Self.A2 - Self.Y).mean()) <= 1e-15)
    }

    @Test("The hand-computed gradients also pass the gradient check")
    func literalsAgreeWithFiniteDifferences() throws {
        let network = try Self.network()
        let report = try GradientCheck.compare(
            analytic: ["dW1": Self.dW1, "db1": Self.db1, "dW2": Self.dW2, "db2": Self.db2], network: network, X: Self.X, Y: Self.Y)
        #expect(report.overall < 1e-7)
    }
}
