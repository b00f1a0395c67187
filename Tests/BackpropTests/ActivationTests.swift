import Foundation
import Testing
@testable import Backprop

/// Each activation's derivative, written beside its forward, against central differences.
struct ActivationTests {
    static let points: [Double] = [-3, -1.25, -0.5, -0.1, 0.05, 0.3, 1, 2.5]

    @Test("g′(z) matches (g(z + h) − g(z − h)) / 2h away from kinks",
          arguments: Activation.hiddenCases + [.leakyReLU(slope: 0.2)])
    func derivativeMatchesFiniteDifference(activation: Activation) {
        let h = 1e-6
        for z in Self.points {
            let numeric = (activation.value(z + h) - activation.value(z - h)) / (2 * h)
            let analytic = activation.derivative(z: z, a: activation.value(z))
            #expect(abs(numeric - analytic) <= 1e-8, "\(activation) at \(z)")
        }
    }

    @Test("Known values of each activation")
    func values() {
        #expect(Activation.sigmoid.value(0.0) == 0.5)
        #expect(abs(Activation.sigmoid.value(2.0) - 1 / (1 + exp(-2.0))) <= 1e-16)
        #expect(Activation.tanh.value(0.5) == tanh(0.5))
        #expect(Activation.relu.value(-2.0) == 0 && Activation.relu.value(3.0) == 3)
        #expect(Activation.relu.derivative(z: 0.0, a: 0) == 0, "subgradient at 0 is 0, as PyTorch")
        #expect(Activation.leakyReLU(slope: 0.1).value(-2.0) == -0.2)
        #expect(Activation.leakyReLU(slope: 0.1).derivative(z: -2.0, a: -0.2) == 0.1)
        #expect(Activation.identity.value(-7.5) == -7.5)
        #expect(Activation.sigmoid.value(Float(0)) == 0.5)
    }

    @Test("backward is dA ⊙ g′(Z) for elementwise activations", arguments: Activation.hiddenCases)
    func elementwiseBackward(activation: Activation) {
        let Z = Matrix<Double>([[-1, 0.5, 2], [0.25, -0.75, 1.5]])
        let A = activation.forward(Z)
        let dA = Matrix<Double>([[0.3, -1, 2], [1, 0.5, -0.25]])
        #expect(activation.backward(dA, Z: Z, A: A) == dA * activation.derivative(Z: Z, A: A))
        var into = Matrix<Double>(shape: Z.shape)
        activation.forward(Z, into: &into)
        #expect(into == A)
    }

    @Test("Softmax backward is the Jacobian–vector product, checked by central differences")
    func softmaxBackward() {
        let Z = Matrix<Double>([[0.2, -1], [1.5, 0.3], [-0.7, 0.9]])
        let A = Activation.softmax.forward(Z)
        let dA = Matrix<Double>([[0.5, -0.2], [-1, 0.7], [0.25, 1.1]])
        let dZ = Activation.softmax.backward(dA, Z: Z, A: A)
        // f(Z) = Σ dA ⊙ softmax(Z); ∂f/∂Z should be dZ.
        let h = 1e-6
        for i in 0..<Z.count {
            var plus = Z, minus = Z
            plus.elements[i] += h
            minus.elements[i] -= h
            let numeric = ((dA * Activation.softmax(plus)).sum() - (dA * Activation.softmax(minus)).sum()) / (2 * h)
            #expect(abs(numeric - dZ.elements[i]) <= 1e-8, "element \(i)")
        }
        for total in A.sum(axis: 0).elements { #expect(abs(total - 1) <= 1e-15) }
        #expect(!Activation.softmax.isElementwise && Activation.tanh.isElementwise)
    }

    @Test("Names parse and read back", arguments: ["sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu:0.2", "softmax", "identity"])
    func names(name: String) throws {
        let activation = try #require(Activation(name: name))
        #expect(activation.description == name)
        #expect(Activation(name: activation.description) == activation)
    }

    @Test("Unknown names are rejected, aliases accepted")
    func aliases() {
        #expect(Activation(name: "linear") == .identity)
        #expect(Activation(name: "LeakyReLU") == .leakyReLU(slope: 0.01))
        #expect(Activation(name: "leaky_relu:abc") == nil)
        #expect(Activation(name: "swish") == nil)
        #expect(Initializer(name: "normal:0.1") == .scaledNormal(scale: 0.1))
        #expect(Initializer(name: "he") == .he && Initializer(name: "bogus") == nil)
    }

    @Test("Each activation is one block: its name reads back, it saves as that name, and its blocks agree with its elementwise value")
    func activationsAreBlocks() throws {
        let all = Activation.hiddenCases + [.softmax, .leakyReLU(slope: 0.2)]
        for g in all {
            #expect(Activation(name: g.description) == g, "\(g)")
            let data = try JSONEncoder().encode([g])
            #expect(try JSONDecoder().decode([Activation].self, from: data) == [g])
            #expect(!g.pyTorchModule.isEmpty)
        }
        #expect(Activation.leakyReLU(slope: 0.2) != .leakyReLU(slope: 0.01))
        #expect(Set(all).count == all.count)
        #expect(Activation.leakyReLU(slope: 0.2).pyTorchModule == "LeakyReLU(0.2)")
        #expect(Activation.relu.prefersHeInitialization && !Activation.tanh.prefersHeInitialization)
        // The whole-layer kernel and the one-element value are the same function.
        let Z = Matrix<Double>([[-2, -0.5, 0, 0.5, 2], [3, -3, 1e-3, -1e-3, 0.25]])
        for g in all where g.isElementwise {
            let A = g.forward(Z)
            for i in 0..<Z.rows { for j in 0..<Z.columns { #expect(abs(A[i, j] - g.value(Z[i, j])) <= 2e-16 * max(1, abs(A[i, j])), "\(g)") } }
        }
    }
}
