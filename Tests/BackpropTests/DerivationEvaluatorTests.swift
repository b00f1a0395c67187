import Testing
@testable import Backprop

/// The evaluator: NumPy broadcasting, 1-D results without keepdims, products, errors per line.
struct DerivationEvaluatorTests {
    private let evaluator = DerivationEvaluator(environment: [
        "A": .matrix(Matrix([[1, 2, 3], [4, 5, 6]])),
        "c": .matrix(Matrix([[10], [20]])),
        "r": .matrix(Matrix([[1, 0, -1]])),
        "W": .matrix(Matrix([[1, 1], [0, 2], [3, 0]])),
        "m": .scalar(3),
    ])

    private func value(_ text: String) throws -> DerivationValue {
        try evaluator.evaluate(DerivationStatement.parseExpression(text))
    }

    @Test func broadcastingColumnsRowsAndScalars() throws {
        #expect(try value("A + c") == .matrix(Matrix([[11, 12, 13], [24, 25, 26]])))
        #expect(try value("A * r") == .matrix(Matrix([[1, 0, -3], [4, 0, -6]])))
        #expect(try value("1/m * A") == .matrix(Matrix([[1, 2, 3], [4, 5, 6]]).map { (1.0 / 3) * $0 }))
        #expect(try value("2 ** 3") == .scalar(8))
        #expect(try value("c - r").shapeDescription == "(2, 3)")
    }

    @Test func sumAxesAndKeepdims() throws {
        #expect(try value("np.sum(A, axis=1, keepdims=True)") == .matrix(Matrix([[6], [15]])))
        #expect(try value("np.sum(A, axis=1)") == .vector([6, 15]))
        #expect(try value("np.sum(A, axis=1)").shapeDescription == "(2,)")
        #expect(try value("np.sum(A, axis=0)") == .vector([5, 7, 9]))
        #expect(try value("np.sum(A, axis=0, keepdims=True)") == .matrix(Matrix([[5, 7, 9]])))
        #expect(try value("np.sum(A)") == .scalar(21))
        #expect(try value("A.sum(axis=-1, keepdims=True)") == .matrix(Matrix([[6], [15]])))
        #expect(try value("np.mean(A, axis=1, keepdims=True)") == .matrix(Matrix([[2], [5]])))
        #expect(try value("np.sum(A, axis=1).reshape(-1, 1)") == .matrix(Matrix([[6], [15]])))
    }

    @Test func oneDimensionalArraysBroadcastAsRows() throws {
        // (2,) + (2, 1) is (2, 2) in NumPy: the classic keepdims surprise.
        #expect(try value("np.sum(A, axis=1) + c") == .matrix(Matrix([[16, 25], [26, 35]])))
        #expect(try value("np.sum(A, axis=1).T").shapeDescription == "(2,)")
        #expect(try value("np.dot(W, np.sum(A, axis=1))").shapeDescription == "(3,)")
    }

    @Test func productsTransposesAndFunctions() throws {
        #expect(try value("np.dot(W, A)") == .matrix(Matrix([[5, 7, 9], [8, 10, 12], [3, 6, 9]])))
        #expect(try value("W.T @ W") == .matrix(Matrix([[10, 1], [1, 5]])))
        #expect(try value("A.T").shapeDescription == "(3, 2)")
        #expect(try value("np.where(A > 2, 1, 0)") == .matrix(Matrix([[0, 0, 1], [1, 1, 1]])))
        #expect(try value("(A >= 5).astype(float)") == .matrix(Matrix([[0, 0, 0], [0, 1, 1]])))
        #expect(try value("np.maximum(0, r)") == .matrix(Matrix([[1, 0, 0]])))
        #expect(try value("relu(r)") == .matrix(Matrix([[1, 0, 0]])))
        #expect(try value("np.power(r, 2)") == .matrix(Matrix([[1, 0, 1]])))
        #expect(try value("(-2) ** 3") == .scalar(-8))
        #expect(try value("np.multiply(r, r)") == .matrix(Matrix([[1, 0, 1]])))
        #expect(try value("np.exp(0) + np.log(1) + np.tanh(0) + np.sqrt(4)") == .scalar(3))
        #expect(try value("sigmoid(0)") == .scalar(0.5))
        #expect(try value("A.shape[1]") == .scalar(3))
        #expect(try value("A.shape[-2]") == .scalar(2))
    }

    @Test func errorsNameTheProblemAndBothShapes() throws {
        #expect(throws: DerivationEvaluationError("shape mismatch in np.dot: (2, 3) and (2, 1) (the first operand transposed would fit)")) {
            try value("np.dot(A, c)")
        }
        #expect(throws: DerivationEvaluationError("undefined name 'dZ9'")) { try value("dZ9 + 1") }
        #expect(throws: DerivationEvaluationError("unknown function 'softplus'")) { try value("np.softplus(A)") }
        #expect(throws: DerivationEvaluationError.self) { try value("A + W") }
        #expect(throws: DerivationEvaluationError.self) { try value("A @ 2") }
        #expect(throws: DerivationEvaluationError("sum() got an unexpected keyword argument 'axes'")) { try value("np.sum(A, axes=1)") }
    }

    @Test func executeBindsTargets() throws {
        var evaluator = evaluator
        for statement in try DerivationStatement.parse("t = A * 2\nu = t - A") { try evaluator.execute(statement) }
        #expect(evaluator.environment["u"] == .matrix(Matrix([[1, 2, 3], [4, 5, 6]])))
    }
}
