import Foundation
import Testing
@testable import Backprop

/// The notebook's other exercises: C1W2's logistic-regression `propagate`, C2W1's dropout, the
/// `np.random` lines a notebook has, and a product that fits only transposed.
struct NotebookExerciseTests {
    static let propagate = """
        def sigmoid(z):
            s = 1 / (1 + np.exp(-z))
            return s

        def propagate(w, b, X, Y):
            m = X.shape[1]
            A = sigmoid(np.dot(w.T, X) + b)
            cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
            dw = 1 / m * np.dot(X, (A - Y).T)
            db = 1 / m * np.sum(A - Y)
            cost = np.squeeze(np.array(cost))
            assert(dw.shape == w.shape)
            assert(db.dtype == float)
            grads = {"dw": dw, "db": db}
            return grads, cost
        """

    static func check(_ source: String) throws -> DerivationReport {
        let architecture = try #require(DerivationArchitecture.inferred(from: source)?.architecture)
        return try DerivationChecker(architecture: architecture).check(source)
    }

    @Test func logisticRegressionIsInferredAndItsNamesAreTransposedAndScalar() throws {
        let inferred = try #require(DerivationArchitecture.inferred(from: Self.propagate))
        #expect(inferred.architecture.sizes == [3, 1] && inferred.architecture.output == .sigmoid)
        #expect(inferred.reason.contains("logistic regression, 1 layer (from w, b, dw, db: dw is dW1ᵀ, db a number)"))
        #expect(GradientName.course("dw", depth: 1) == GradientName(kind: .dW, layer: 1, form: .transposed))
        #expect(GradientName.course("db", depth: 1)?.form == .scalar)
        #expect(GradientName.course("dw", depth: 2) == nil)
        #expect(GradientName.course("dW1", depth: 1) == GradientName(kind: .dW, layer: 1))
    }

    @Test func propagateIsCheckedAsDW1TransposedAndANumber() throws {
        let report = try Self.check(Self.propagate)
        #expect(report.isCorrect)
        #expect(report.line(named: "dw")?.status == .correct)
        #expect(report.line(named: "db")?.status == .correct)
        // The file's own sigmoid is the forward A1.
        #expect(report.lines.first { $0.name == "s" }?.checkedAs == ["A1"])

        let factor = try Self.check(Self.propagate.replacingOccurrences(of: "db = 1 / m * np.sum(A - Y)", with: "db = np.sum(A - Y)"))
        #expect(factor.line(named: "db")?.mistake == .oneOverMMissing)
        #expect(factor.line(named: "dw")?.status == .correct)

        let twice = try Self.check(Self.propagate.replacingOccurrences(of: "np.dot(X, (A - Y).T)", with: "np.dot(X, ((A - Y) * A * (1 - A)).T)"))
        #expect(twice.line(named: "dw")?.mistake == .activationDerivativeTwice)
    }

    @Test func aProductThatFitsOnlyTransposedIsAWrongLine() throws {
        let misplaced = try Self.check(Self.propagate.replacingOccurrences(of: "np.dot(X, (A - Y).T)", with: "np.dot(X.T, A - Y)"))
        let dw = try #require(misplaced.line(named: "dw"))
        #expect(dw.status == .wrong && dw.mistake == .transposeMissing)
        #expect(dw.diagnosis == "transposes misplaced: np.dot(X.T, A - Y) has shapes (7, 3) and (1, 7), which fit only as np.dot(X, (A - Y).T)")
        #expect(misplaced.hasMistakes)

        let checker = try DerivationChecker(architecture: DerivationArchitecture(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid))
        let flat = try checker.check("""
            dZ2 = A2 - Y
            dA1 = W2 @ dZ2
            dW1 = 1/m * np.dot(dZ2.T, A1.T)
            dA0 = np.dot(X, W2)
            """)
        #expect(flat.lines[1].diagnosis == "transpose missing on W2: W2 @ dZ2 has shapes (1, 4) and (1, 7), which fit only as W2.T @ dZ2")
        #expect(flat.lines[1].mistake == .transposeMissing)
        #expect(flat.lines[2].diagnosis?.hasPrefix("transpose not wanted on dZ2.T: np.dot(dZ2.T, A1.T) has shapes (7, 1) and (7, 4)") == true)
        // No transpose makes this one fit: it stays a line that could not be evaluated.
        #expect(flat.lines[3].status == .error && flat.lines[3].mistake == .evaluationError)
        #expect(flat.lines[3].diagnosis == "shape mismatch in np.dot: (2, 7) and (1, 4)")
    }

    @Test func theDropoutReferenceAppliesItsMasksAndGivesThemToTheFile() throws {
        let architecture = try DerivationArchitecture(sizes: [3, 4, 4, 1], hidden: .relu, output: .sigmoid)
        let reference = try ReferencePass(architecture: architecture, seed: 2, examples: 7, keepProbability: 0.8)
        #expect(reference.dropoutDraws.count == 2 && reference.dropoutDraws.allSatisfy { $0.shape == Shape(4, 7) })
        let D1 = try #require(reference.environment["D1"].flatMap { if case let .matrix(m) = $0 { m } else { nil } })
        #expect(D1 == reference.dropoutDraws[0].map { $0 < 0.8 ? 1 : 0 })
        #expect(reference.environment["keep_prob"] == .scalar(0.8))
        let dZ2 = reference.value(of: GradientName(kind: .dZ, layer: 2), .deferred)
        let dA1 = reference.value(of: GradientName(kind: .dA, layer: 1), .deferred)
        #expect(Diagnoser.relativeError(dA1, reference.W(2).transposed().dot(dZ2) * D1 * (1 / 0.8)) < 1e-12)
        let plain = try ReferencePass(architecture: architecture, seed: 2, examples: 7)
        #expect(plain.dropoutDraws.isEmpty && plain.environment["D1"] == nil)
    }

    @Test func dropoutMistakesAreNamedAndAFileKeepsItsOwnKeepProbability() throws {
        let backward = """
            def backward_propagation_with_dropout(X, Y, cache, keep_prob):
                m = X.shape[1]
                (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache
                dZ3 = A3 - Y
                dA2 = np.dot(W3.T, dZ3)
                dA2 = dA2 * D2
                dA2 = dA2 / keep_prob
                dZ2 = np.multiply(dA2, np.int64(A2 > 0))
                return dZ2
            """
        let right = try Self.check(backward)
        #expect(right.isCorrect && right.keepProbability == DerivationChecker.courseKeepProbability)
        #expect(right.lines.filter { $0.name == "dA2" }.map(\.status) == [.notChecked, .notChecked, .correct])
        let cases: [(String, String, DerivationMistake)] = [
            ("    dA2 = dA2 * D2\n", "", .dropoutMaskMissing),
            ("dA2 = dA2 / keep_prob", "dA2 = dA2 * keep_prob", .dropoutScaleMissing),
            ("dA2 = dA2 * D2", "dA2 = dA2 * D1", .dropoutMaskMissing),
        ]
        for (old, new, mistake) in cases {
            let report = try Self.check(backward.replacingOccurrences(of: old, with: new))
            #expect(report.lines.last { $0.name == "dA2" }?.mistake == mistake, "\(new)")
            #expect(report.line(named: "dZ2")?.status == .correct, "judged on the true dA2")
        }
        let own = try Self.check("keep_prob = 0.5\n" + "dA2 = np.dot(W3.T, A3 - Y) * D2 / keep_prob\n")
        #expect(own.keepProbability == 0.5 && own.isCorrect)
    }

    @Test func randomLinesGiveTheSameNumbersOnEveryRunAndTheReferenceDrawsForItsMasks() throws {
        let architecture = try DerivationArchitecture(sizes: [3, 4, 4, 1], hidden: .relu, output: .sigmoid)
        let reference = try ReferencePass(architecture: architecture, seed: 1, examples: 7, keepProbability: 0.8)
        let program = try DerivationProgram(parsing: """
            np.random.seed(1)
            R = np.random.randn(3, 2)
            U1 = np.random.rand(4, 7)
            np.random.seed(1)
            S = np.random.randn(3, 2)
            U2 = np.random.rand(4, 7)
            U3 = np.random.rand(4, 7)
            x = np.random.rand()
            """)
        func values() -> [String: DerivationValue] {
            let run = DerivationInterpreter(program: program, reference: reference)
            run.run()
            #expect(run.failures.isEmpty)
            return Dictionary(run.events.compactMap { event in (try? event.value.get()).map { (event.name, $0) } }) { a, _ in a }
        }
        let first = values(), second = values()
        #expect(first["R"] == second["R"] && first["R"]?.shapeDescription == "(3, 2)")
        #expect(first["R"] == first["S"], "np.random.seed(1) starts the same sequence again")
        #expect(first["U1"] == .matrix(reference.dropoutDraws[0]) && first["U2"] == .matrix(reference.dropoutDraws[0]))
        #expect(first["U3"] == .matrix(reference.dropoutDraws[1]))
        if case let .scalar(x)? = first["x"] { #expect(x >= 0 && x < 1) } else { Issue.record("np.random.rand() is a number") }
    }

    @Test func randomCallsThatAskTooMuchFailOnTheirLine() throws {
        let checker = try DerivationChecker(architecture: DerivationArchitecture(sizes: [2, 4, 1]))
        let report = try checker.check("""
            R = np.random.randn(100000, 100000)
            Q = np.random.normal(0, 1)
            dZ2 = A2 - Y
            """)
        #expect(report.lines[0].status == .error)
        #expect(report.lines[0].diagnosis?.contains("more than the checker draws") == true)
        #expect(report.lines[1].diagnosis == "unknown function 'random.normal'")
        #expect(report.lines[2].status == .correct && !report.hasMistakes)
        #expect(try DerivationStatement.parseExpression("w.dtype").description == "dtype(w)")
    }
}
