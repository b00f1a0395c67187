import Foundation
import Testing
@testable import Backprop

/// The learner's notebook: the course's Python constructs, comparing saved gradients, labels
/// outside the loss's range, and the file habits the readers name.
struct NotebookTests {
    static let planar = try! DerivationArchitecture(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid)

    @Test func pythonConstructsParse() throws {
        let program = try DerivationProgram(parsing: """
            def f(a, b=2):
                \"\"\"A docstring.\"\"\"
                d = {"k" + str(1): a, f"x{b}": b}
                for l in reversed(range(3)):
                    if l == 1:
                        pass
                    elif l > 1:
                        a = a
                    else:
                        a = d["k1"]
                (p, q), r = (1, 2), 3
                return a, b
            """)
        guard case let .function(name, parameters, defaults, body, _)? = program.nodes.first else {
            Issue.record("no function parsed")
            return
        }
        #expect(name == "f" && parameters == ["a", "b"] && defaults["b"] == .number(2))
        #expect(body.count == 5)
        #expect(try DerivationStatement.parseExpression("f\"dW{l + 1}\"") == .formatted([.string("dW"), .binary(.add, .name("l"), .number(1))]))
        #expect(try DerivationStatement.parseExpression("grads[\"dA\" + str(l)]").description == "grads[(\"dA\" + str(l))]")
        #expect(try DerivationStatement.parseExpression("np.int64(A2 > 0)") == .call("int64", [DerivationArgument(value: .binary(.greater, .name("A2"), .number(0)))]))
        #expect(try DerivationStatement.parseExpression("L // 2").description == "floor_divide(L, 2)")
    }

    @Test func helperLinesAreCheckedOncePerLayer() throws {
        let source = """
            def linear_backward(dZ, cache):
                A_prev, W, b = cache
                m = A_prev.shape[1]
                dW = np.dot(dZ, A_prev.T)
                db = 1. / m * np.sum(dZ, axis=1, keepdims=True)
                dA_prev = np.dot(W.T, dZ)
                return dA_prev, dW, db

            def L_model_backward(AL, Y, caches):
                grads = {}
                L = len(caches)
                dZ = AL - Y
                grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_backward(dZ, caches[L - 1][0])
                for l in reversed(range(L - 1)):
                    A_prev, W, b = caches[l][0]
                    dZ = grads[f"dA{l + 1}"] * np.int64(caches[l][1] > 0)
                    dA, dW, db = linear_backward(dZ, caches[l][0])
                    grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = dA, dW, db
                return grads
            """
        let architecture = try DerivationArchitecture(sizes: [3, 5, 4, 1], hidden: .relu, output: .sigmoid)
        let report = try DerivationChecker(architecture: architecture).check(source)
        let dW = try #require(report.lines.first { $0.line == 4 })
        #expect(dW.status == .wrong)
        #expect(dW.mistake == .oneOverMMissing)
        #expect(dW.checkedAs == ["dW3", "dW2", "dW1"])
        #expect(report.lines.first { $0.line == 5 }?.status == .correct)
        #expect(report.lines.first { $0.line == 6 }?.checkedAs == ["dA2", "dA1", "dA0"])
        #expect(report.hasMistakes)
    }

    @Test func architectureIsInferredFromTheFile() throws {
        let c1w3 = try #require(DerivationArchitecture.inferred(from: """
            def backward_propagation(parameters, cache, X, Y):
                W2 = parameters["W2"]
                dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
            """))
        #expect(c1w3.architecture.sizes == [2, 4, 1] && c1w3.architecture.hidden == .tanh)
        #expect(c1w3.reason.contains("hidden tanh (line 3)"))
        let c1w4 = try #require(DerivationArchitecture.inferred(from: "def L_model_backward(AL, Y, caches):\n    x = \"relu\"\n"))
        #expect(c1w4.architecture.depth == 3 && c1w4.architecture.hidden == .relu)
        #expect(c1w4.reason.contains("any depth"))
        #expect(DerivationArchitecture.inferred(from: "x = 1\n") == nil)
    }

    @Test func comparedGradientsAreDiagnosed() throws {
        let network = try Network<Double>(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, seed: 3)
        let data: Dataset<Double> = Generators.random(inputs: 2, outputs: 1, examples: 9, loss: .binaryCrossEntropy, seed: 4)
        let ledger = try network.gradients(data.X, data.Y)
        var mine = ["dW1": ledger[layer: 1].dW, "db1": ledger[layer: 1].db, "dW2": ledger[layer: 2].dW, "dA1": ledger[layer: 2].dAPrevious]
        #expect(try DerivationChecker.compare(mine, network: network, X: data.X, Y: data.Y).isCorrect)
        mine["dW1"] = 9 * ledger[layer: 1].dW
        mine["dW2"] = -ledger[layer: 2].dW
        let report = try DerivationChecker.compare(mine, network: network, X: data.X, Y: data.Y)
        #expect(report.line(named: "dW1")?.mistake == .oneOverMMissing)
        #expect(report.line(named: "dW2")?.mistake == .signFlipped)
        #expect(report.line(named: "dA1")?.status == .correct)
    }

    @Test func realValuedLabelsAreForAnalysisOnly() throws {
        let network = try Network<Double>(sizes: [2, 1], hidden: .tanh, output: .sigmoid, seed: 1)
        let X = Matrix<Double>([[1, 2], [3, 4]])
        let Y = Matrix<Double>([[-0.7, 1.9]])
        #expect(throws: BackpropError.self) { _ = try network.gradients(X, Y) }
        #expect(throws: BackpropError.self) { try Loss.binaryCrossEntropy.validate(labels: Y) }
        let ledger = try network.gradients(X, Y, labels: .anyFinite)
        #expect(ledger[layer: 1].dZ == (network.layer(1).activation.forward(ledger[layer: 1].Z) - Y))
        #expect(Loss.binaryCrossEntropy.labelWarning(Y)?.hasPrefix("binary cross-entropy expects labels in [0, 1]") == true)
        #expect(Loss.binaryCrossEntropy.labelWarning(Matrix([[0, 1]])) == nil)
        #expect(throws: BackpropError.self) { _ = try network.gradients(X, Matrix([[0, .nan]]), labels: .anyFinite) }
        let report = try GradientCheck.run(network: network, X: X, Y: Y, labels: .anyFinite)
        #expect(report.verdict == .correct)
    }

    @Test func aPickledDictionaryIsNamed() throws {
        var header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }"
        while (10 + header.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count % 256), UInt8(header.count / 256)])
        bytes.append(Data(header.utf8))
        bytes.append(Data([0x80, 0x04]))
        do {
            _ = try NPY.decode(bytes, source: "p.npy")
            Issue.record("an object array was read")
        } catch {
            #expect("\(error)".contains("np.savez('p.npz', **params)"))
            #expect("\(error)".contains("pickled"))
        }
    }
}
