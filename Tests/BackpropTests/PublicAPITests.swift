import Foundation
import Testing
import Backprop  // deliberately not @testable: this file sees only what an app sees

// An app that depends on Backprop and has types of its own with the same names. Unqualified
// `Network` and `Matrix` below are these; the library's must be written `Backprop.Network`,
// which compiles only while no type in the library is itself named `Backprop`.
private struct Network { let name = "the app's own network" }
private struct Matrix { let name = "the app's own matrix" }

/// The library as a dependency sees it: module-qualified names, and errors whose
/// `localizedDescription` is their message.
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

    @Test func backpropErrorLocalizedDescriptionIsItsMessage() {
        let error = #expect(throws: BackpropError.self) {
            try Backprop.Network<Double>(sizes: [2], hidden: .tanh, output: .sigmoid)
        }
        let message = "layer sizes need an input and an output, e.g. 2,4,1; got 1 number(s)"
        #expect(error?.description == message)
        #expect((error as (any Error)?)?.localizedDescription == message)

        let mismatch = BackpropError.shapeMismatch(operation: "W2 · A1", left: Backprop.Shape(1, 4), right: Backprop.Shape(3, 7))
        #expect((mismatch as any Error).localizedDescription == "shape mismatch in W2 · A1: (1, 4) and (3, 7)")
        let file = BackpropError.malformedFile(path: "x.npy", reason: "bad magic")
        #expect((file as any Error).localizedDescription == "x.npy: bad magic")
    }

    @Test func derivationParseErrorLocalizedDescriptionIsItsMessage() throws {
        let checker = try DerivationChecker(architecture: DerivationArchitecture(sizes: [2, 4, 1]), seeds: 1)
        let error = #expect(throws: DerivationParseError.self) {
            try checker.check("dZ2 = (A2 - Y")
        }
        let parseError = try #require(error)
        #expect(parseError.line == 1)
        #expect((parseError as any Error).localizedDescription == parseError.description)
        #expect(parseError.description.hasPrefix("line 1, column "))
    }

    @Test func derivationEvaluationErrorLocalizedDescriptionIsItsMessage() {
        let error = DerivationEvaluationError("unknown function 'np.frobnicate'")
        #expect((error as any Error).localizedDescription == "unknown function 'np.frobnicate'")
    }
}
