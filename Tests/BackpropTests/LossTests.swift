import Foundation
import Testing
@testable import Backprop

/// The stable losses of GUIDE §3: computed from logits, finite and exact at saturation.
struct LossTests {
    /// A one-layer network whose output pre-activation is `Z = W X` (no bias), so chosen inputs
    /// give chosen logits exactly.
    static func oneLayer<T: BackpropScalar>(
        W: Matrix<T>, output: Activation, loss: Loss
    ) throws -> Network<T> {
        try Network(
            layers: [DenseLayer(W: W, b: Matrix(rows: W.rows, columns: 1), activation: output)],
            loss: loss)
    }

    @Test("Sigmoid + BCE at z = ±1000: finite cost 500, A saturated at exactly 0/1, dZ = A − Y exactly")
    func bceSaturatedDouble() throws { try Self.bceSaturated(Double.self) }

    @Test("Sigmoid + BCE at z = ±1000 in Float")
    func bceSaturatedFloat() throws { try Self.bceSaturated(Float.self) }

    static func bceSaturated<T: BackpropScalar>(_: T.Type) throws {
        let network: Network<T> = try oneLayer(W: Matrix([[1000]]), output: .sigmoid, loss: .binaryCrossEntropy)
        let X = Matrix<T>([[1, -1, 1, -1]])  // Z = [1000, −1000, 1000, −1000]
        let Y = Matrix<T>([[0, 0, 1, 1]])
        // Per example: z=1000,y=0 costs 1000; z=−1000,y=0 costs 0; z=1000,y=1 costs 0;
        // z=−1000,y=1 costs 1000 (max(z,0) − zy + log1p(e^{−|z|}) with e^{−1000} = 0).
        let ledger = try network.gradients(X, Y)
        #expect(ledger.summedLoss == 2000)
        #expect(ledger.cost == 500)
        #expect(try network.cost(X, Y) == 500)
        let page = ledger[layer: 1]
        #expect(page.Z == Matrix([[1000, -1000, 1000, -1000]]))
        #expect(page.A == Matrix([[1, 0, 1, 0]]))
        #expect(page.dZ == Matrix([[1, 0, 0, -1]]))
        #expect(bitwiseEqual(page.dZ, page.A - Y))
        // dW = (1/4) Σ dZ·x = (1·1 + (−1)(−1))/4, db = (1 + 0 + 0 − 1)/4.
        #expect(page.dW == Matrix([[0.5]]))
        #expect(page.db == Matrix([[0]]))
        #expect(ledger.cost.isFinite && page.dW.isFinite)

        // The per-example costs one by one.
        for (x, y, expected) in [(T(1), T(0), T(1000)), (1, 1, 0), (-1, 0, 0), (-1, 1, 1000)] {
            #expect(try network.cost(Matrix([[x]]), Matrix([[y]])) == expected, "x=\(x) y=\(y)")
        }
    }

    @Test("Sigmoid + BCE with mixed logits [1000, −1000, 0] in one column")
    func bceMixed() throws {
        let W = Matrix<Double>([[1000, 0, 0], [0, 1000, 0], [0, 0, 1000]])
        let network = try Self.oneLayer(W: W, output: .sigmoid, loss: .binaryCrossEntropy)
        let X = Matrix<Double>([[1], [-1], [0]])  // Z = [1000, −1000, 0]ᵀ
        let Y = Matrix<Double>([[0], [1], [1]])
        let ledger = try network.gradients(X, Y)
        // 1000 + 1000 + log 2 (σ(0) = ½ whatever the label).
        #expect(abs(ledger.summedLoss - (2000 + log(2.0))) <= 1e-12)
        #expect(abs(ledger.cost - (2000 + log(2.0))) <= 1e-12)
        #expect(ledger[layer: 1].A == Matrix([[1], [0], [0.5]]))
        #expect(ledger[layer: 1].dZ == Matrix([[1], [-1], [-0.5]]))
    }

    @Test("Softmax + CE with logits [1000, −1000, 0]: finite costs 0, 2000, 1000; dZ = A − Y exactly")
    func ceSaturatedDouble() throws { try Self.ceSaturated(Double.self) }

    @Test("Softmax + CE with logits [1000, −1000, 0] in Float")
    func ceSaturatedFloat() throws { try Self.ceSaturated(Float.self) }

    static func ceSaturated<T: BackpropScalar>(_: T.Type) throws {
        let W = Matrix<T>([[1000, 0, 0], [0, 1000, 0], [0, 0, 1000]])
        let network = try oneLayer(W: W, output: .softmax, loss: .categoricalCrossEntropy)
        // Three copies of the column [1, −1, 0] (logits [1000, −1000, 0]), each labelled with
        // another class: losses logsumexp − z_k = 1000 − 1000, 1000 + 1000, 1000 − 0.
        let X = Matrix<T>([[1, 1, 1], [-1, -1, -1], [0, 0, 0]])
        let Y = Matrix<T>([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        let ledger = try network.gradients(X, Y)
        #expect(ledger.summedLoss == 3000)
        #expect(ledger.cost == 1000)
        let page = ledger[layer: 1]
        let saturated = Matrix<T>([[1, 1, 1], [0, 0, 0], [0, 0, 0]])
        #expect(page.A == saturated)
        #expect(page.dZ == saturated - Y)
        #expect(bitwiseEqual(page.dZ, page.A - Y))
        #expect(page.dW.isFinite && page.db.isFinite)
        for (k, expected) in [(0, T(0)), (1, 2000), (2, 1000)] {
            var y = Matrix<T>(rows: 3, columns: 1)
            y[k, 0] = 1
            #expect(try network.cost(X.column(0), y) == expected, "class \(k)")
        }
    }

    @Test("Softmax of huge logits stays finite and sums to 1 per column")
    func softmaxIsStable() {
        let Z = Matrix<Double>([[1000, -1000, 710], [999, -1001, 709], [0, -999, -710]])
        let A = Activation.softmax(Z)
        #expect(A.isFinite)
        for total in A.sum(axis: 0).elements { #expect(abs(total - 1) <= 1e-15) }
        #expect(abs(A[0, 0] - 1 / (1 + exp(-1.0))) <= 1e-15)
        #expect(Activation.sigmoid(-1000.0) == 0 && Activation.sigmoid(1000.0) == 1)
        #expect(Activation.sigmoid(Float(-200)).isFinite)
    }

    // Moderate values where the textbook formulas are accurate.
    static let Z = Matrix<Double>([[0.3, -1.2, 2.5, 0.0], [-0.7, 0.4, 1.1, -2.2], [1.5, -0.3, -0.8, 0.9]])

    @Test("summedLoss for BCE equals −Σ [y log σ(z) + (1 − y) log(1 − σ(z))]")
    func bceSummedLoss() {
        let Y = Matrix<Double>([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]])
        let A = Activation.sigmoid.forward(Self.Z)
        var expected = 0.0
        for i in 0..<A.count {
            let (a, y) = (1 / (1 + exp(-Self.Z.elements[i])), Y.elements[i])
            expected -= y * log(a) + (1 - y) * log(1 - a)
        }
        let summed = Loss.binaryCrossEntropy.summedLoss(Z: Self.Z, A: A, Y: Y)
        #expect(abs(summed - expected) <= 1e-13 * expected)
    }

    @Test("summedLoss for CE equals −Σ y log softmax(z), one-hot and soft labels")
    func ceSummedLoss() {
        let oneHot = Matrix<Double>([[1, 0, 0, 0], [0, 0, 1, 1], [0, 1, 0, 0]])
        let soft = Matrix<Double>([[0.2, 0, 0.5, 0.1], [0.5, 0.25, 0.5, 0.1], [0.3, 0.75, 0, 0.8]])
        let A = Activation.softmax(Self.Z)
        for Y in [oneHot, soft] {
            var expected = 0.0
            for j in 0..<Self.Z.columns {
                let total = (0..<3).reduce(0.0) { $0 + exp(Self.Z[$1, j]) }
                for i in 0..<3 { expected -= Y[i, j] * log(exp(Self.Z[i, j]) / total) }
            }
            let summed = Loss.categoricalCrossEntropy.summedLoss(Z: Self.Z, A: A, Y: Y)
            #expect(abs(summed - expected) <= 1e-13 * expected)
        }
    }

    @Test("MSE is ½ Σ (a − y)² per example, and its dZ is (A − Y) ⊙ g′(Z)")
    func mseHalfConvention() throws {
        let A = Matrix<Double>([[1, 2], [3, -1]])
        let Y = Matrix<Double>([[0, 0], [1, 1]])
        // ½ (1 + 4 + 4 + 4) = 6.5, exactly.
        #expect(Loss.meanSquaredError.summedLoss(Z: A, A: A, Y: Y) == 6.5)
        #expect(Loss.meanSquaredError.outputGradient(Z: A, A: A, Y: Y, output: .identity) == A - Y)

        // Through a network: J = 6.5 / 2 with identity output.
        let network = try Self.oneLayer(W: Matrix<Double>([[1, 0], [0, 1]]), output: .identity, loss: .meanSquaredError)
        #expect(try network.cost(A, Y) == 3.25)
        let ledger = try network.gradients(A, Y)
        #expect(ledger[layer: 1].dZ == A - Y)

        // With a sigmoid output: (A − Y) ⊙ A(1 − A).
        let Z = Matrix<Double>([[0.5, -1], [2, 0]])
        let S = Activation.sigmoid.forward(Z)
        let gradient = Loss.meanSquaredError.outputGradient(Z: Z, A: S, Y: Y, output: .sigmoid)
        #expect(maxAbsDifference(gradient, (S - Y) * S * (1 - S)) <= 1e-16)
    }

    @Test("The fused losses hand back dZ = A − Y without σ′ applied again")
    func fusedOutputGradient() {
        let Y = Matrix<Double>([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]])
        let A = Activation.sigmoid.forward(Self.Z)
        #expect(Loss.binaryCrossEntropy.outputGradient(Z: Self.Z, A: A, Y: Y, output: .sigmoid) == A - Y)
        let P = Activation.softmax(Self.Z)
        #expect(Loss.categoricalCrossEntropy.outputGradient(Z: Self.Z, A: P, Y: Y, output: .softmax) == P - Y)
    }

    @Test("Loss names parse, and each output has its natural loss")
    func names() {
        #expect(Loss(name: "bce") == .binaryCrossEntropy)
        #expect(Loss(name: "Cross_Entropy") == .categoricalCrossEntropy)
        #expect(Loss(name: "mse") == .meanSquaredError)
        #expect(Loss(name: "hinge") == nil)
        #expect(Loss.natural(for: .sigmoid) == .binaryCrossEntropy)
        #expect(Loss.natural(for: .softmax) == .categoricalCrossEntropy)
        #expect(Loss.natural(for: .identity) == .meanSquaredError)
    }
}

@Suite("Label validation")
struct LabelValidationTests {
    @Test("Labels a loss cannot take are rejected with the column named")
    func badLabels() throws {
        let network = try Network<Double>(sizes: [2, 3], hidden: .tanh, output: .softmax, seed: 1)
        let X = Matrix<Double>([[1, 2], [3, 4]])
        let notOneHot = Matrix<Double>([[1, 0], [0, 0], [0, 0]])
        do {
            _ = try network.gradients(X, notOneHot)
            Issue.record("a zero label column was accepted")
        } catch {
            #expect("\(error)".contains("column 1 sums to 0"))
        }
        let binary = try Network<Double>(sizes: [2, 1], hidden: .tanh, output: .sigmoid, seed: 1)
        #expect(throws: BackpropError.self) { _ = try binary.gradients(X, Matrix([[0.5, 2]])) }
        #expect(throws: BackpropError.self) { _ = try binary.gradients(X, Matrix([[0, .nan]])) }
        _ = try binary.gradients(X, Matrix([[0.25, 1]]))  // soft labels in [0, 1] are fine
    }
}
