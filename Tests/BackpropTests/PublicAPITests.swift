import Testing
import Backprop  // deliberately not @testable: this file sees only what an app sees

// An app that depends on Backprop and has types of its own with the same names. Unqualified
// `Network` and `Matrix` below are these; the library's must be written `Backprop.Network`,
// which compiles only while no type in the library is itself named `Backprop`.
private struct Network { let name = "the app's own network" }
private struct Matrix { let name = "the app's own matrix" }

/// The library as a dependency sees it: module-qualified names.
struct PublicAPITests {
    @Test func moduleQualifiedNamesResolveBesideAnAppsOwnTypes() throws {
        let X = Backprop.Matrix<Double>([[1, -2, 0.5], [0.5, 1.5, -1]])
        let network = try Backprop.Network<Double>(sizes: [2, 3, 1], hidden: .tanh, output: .sigmoid, seed: 1)
        let A: Backprop.Matrix<Double> = try network.predict(X)
        #expect(network.sizes == [2, 3, 1])
        #expect(A.shape == Backprop.Shape(1, 3))
        #expect(A.elements.allSatisfy { $0 > 0 && $0 < 1 })
        // The app's own types are untouched.
        #expect(Network().name == "the app's own network")
        #expect(Matrix().name == "the app's own matrix")
    }

    @Test func versionIsAModuleLevelConstant() {
        let parts = Backprop.backpropVersion.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { Int($0) != nil })
    }
}
