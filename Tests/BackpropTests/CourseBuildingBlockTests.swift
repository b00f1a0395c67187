import Foundation
import Testing
import Backprop

/// The course building blocks' own contracts, beyond the NumPy reference: the parameters
/// dictionary, caches built from given values, the generator forms of the initialisers, the
/// mini-batches and the mask, and `L_model_backward` checked by `gradient_check_n`.
struct CourseBuildingBlockTests {
    static func matrix(_ rows: Int, _ columns: Int, seed: UInt64, scale: Double = 1) -> Matrix<Double> {
        var generator = SeededGenerator(seed: seed)
        return Matrix(rows: rows, columns: columns, columnMajor: (0..<(rows * columns)).map { _ in scale * generator.nextNormal() })
    }

    /// A 4-5-3-1 network with nonzero biases (so no ReLU sits on its kink at 0).
    static func parameters(seed: UInt64) -> CourseParameters<Double> {
        let dims = [4, 5, 3, 1]
        return CourseParameters((1..<dims.count).map { l in
            (W: matrix(dims[l], dims[l - 1], seed: seed + UInt64(l), scale: 0.7),
             b: matrix(dims[l], 1, seed: seed + 10 + UInt64(l), scale: 0.3))
        })
    }

    // MARK: Parameters

    @Test func parametersReadAndWriteLikeTheCourseDictionary() throws {
        var parameters = Self.parameters(seed: 1)
        #expect(parameters.L == 3)
        #expect(parameters.keys == ["W1", "b1", "W2", "b2", "W3", "b3"])
        #expect(parameters["W2"] == parameters.W(2) && parameters["b3"] == parameters.layers[2].b)
        #expect(parameters["W4"] == nil && parameters["x1"] == nil && parameters["W01"] == nil)
        #expect(try CourseParameters(parameters.dictionary) == parameters)

        let W2 = parameters.W(2) * 2
        parameters["W2"] = W2
        #expect(parameters.W(2) == W2)

        let literal: CourseParameters<Double> = ["W1": parameters.W(1), "b1": parameters.b(1)]
        #expect(literal.L == 1 && literal.W(1) == parameters.W(1))
    }

    @Test func parametersFromADictionaryNameTheWrongKey() {
        let W = Matrix<Double>(rows: 2, columns: 3)
        let b = Matrix<Double>(rows: 2, columns: 1)
        #expect(throws: BackpropError.invalidArgument("parameters need W2 and b2 (keys W1, b1, W2, b2)")) {
            try CourseParameters(["W1": W, "b1": b, "W2": W, "c2": b])
        }
        #expect(throws: BackpropError.invalidArgument("unexpected key 'W2' in parameters (keys W1, b1)")) {
            try CourseParameters(["W1": W, "b1": b, "W2": W])
        }
        #expect(throws: BackpropError.invalidArgument("b1 must be (2, 1) for W1 of shape (2, 3), not (3, 1)")) {
            try CourseParameters(["W1": W, "b1": Matrix<Double>(rows: 3, columns: 1)])
        }
    }

    // MARK: Caches from given values

    @Test func cachesFromAForwardPassesOwnLists() {
        let parameters = Self.parameters(seed: 2)
        let X = Self.matrix(4, 6, seed: 3)
        let (AL, caches) = L_model_forward(X, parameters: parameters, hidden: .tanh)
        let A = caches.map(\.A_prev) + [AL]
        let Z = caches.map(\.Z)
        #expect(LinearActivationCache.caches(A: A, Z: Z, parameters: parameters) == caches)
        #expect(LinearActivationCache.caches(A: Array(A.dropLast()), Z: Z, parameters: parameters) == caches)
        // The caches' A_prev are the hidden layers' outputs.
        for l in 1..<parameters.L {
            #expect(caches[l].A_prev == Activation.tanh.forward(caches[l - 1].Z))
        }
        #expect(AL == Activation.sigmoid.forward(caches[2].Z))
    }

    // MARK: The building blocks against the central difference

    /// θ as the course's `dictionary_to_vector` lays it out: W1, b1, W2, b2, … each row by row.
    static func vector(_ parameters: CourseParameters<Double>) -> [Double] {
        parameters.layers.flatMap { $0.W.rowMajorElements + $0.b.rowMajorElements }
    }

    static func parameters(_ theta: [Double], like template: CourseParameters<Double>) -> CourseParameters<Double> {
        var next = 0
        return CourseParameters(template.layers.map { layer in
            func take(_ m: Matrix<Double>) -> Matrix<Double> {
                defer { next += m.count }
                return Matrix(rows: m.rows, columns: m.columns, rowMajor: theta[next..<(next + m.count)])
            }
            return (W: take(layer.W), b: take(layer.b))
        })
    }

    /// The course's `compute_cost`: `−(1/m) Σ (Y log AL + (1 − Y) log(1 − AL))`.
    static func cost(_ AL: Matrix<Double>, _ Y: Matrix<Double>) -> Double {
        let m = Double(Y.columns)
        return -1 / m * (Y * AL.map { log($0) } + (1 - Y) * AL.map { log(1 - $0) }).sum()
    }

    @Test(arguments: [Activation.relu, .tanh, .sigmoid])
    func lModelBackwardPassesGradientCheckN(_ hidden: Activation) {
        let parameters = Self.parameters(seed: 20)
        let X = Self.matrix(4, 7, seed: 21)
        let Y = Matrix(rows: 1, columns: 7, columnMajor: [1.0, 0, 0, 1, 1, 0, 1])
        let (AL, caches) = L_model_forward(X, parameters: parameters, hidden: hidden)
        let grads = L_model_backward(AL, Y, caches, hidden: hidden)
        let gradient = (1...parameters.L).flatMap { grads["dW\($0)"]!.rowMajorElements + grads["db\($0)"]!.rowMajorElements }
        let difference = gradient_check_n(Self.vector(parameters), gradient: gradient) { theta in
            Self.cost(L_model_forward(X, parameters: Self.parameters(theta, like: parameters), hidden: hidden).AL, Y)
        }
        #expect(difference < 1e-7, "difference \(difference)")
        // dA0 is the gradient with respect to X, per example (no 1/m: the deferred convention).
        let dX = grads["dA0"]!.rowMajorElements
        let differenceX = gradient_check_n(X.rowMajorElements, gradient: dX.map { $0 / 7 }) { x in
            Self.cost(L_model_forward(Matrix(rows: 4, columns: 7, rowMajor: x), parameters: parameters, hidden: hidden).AL, Y)
        }
        #expect(differenceX < 1e-7, "dA0: difference \(differenceX)")
    }

    /// A softmax output from a given `dAL`: the Jacobian path of `linear_activation_backward`.
    @Test func lModelBackwardFromDALThroughSoftmax() {
        let dims = [3, 4, 3]
        let parameters = CourseParameters((1..<dims.count).map { l in
            (W: Self.matrix(dims[l], dims[l - 1], seed: 30 + UInt64(l)), b: Self.matrix(dims[l], 1, seed: 40 + UInt64(l)))
        })
        let X = Self.matrix(3, 5, seed: 50)
        let weights = Self.matrix(3, 5, seed: 51)
        // J = Σ weights ⊙ AL / m, so dAL per example is `weights`.
        let J: ([Double]) -> Double = { theta in
            (weights * L_model_forward(X, parameters: Self.parameters(theta, like: parameters), output: .softmax).AL).sum() / 5
        }
        let (_, caches) = L_model_forward(X, parameters: parameters, output: .softmax)
        let grads = L_model_backward(dAL: weights, caches, output: .softmax)
        let gradient = (1...2).flatMap { grads["dW\($0)"]!.rowMajorElements + grads["db\($0)"]!.rowMajorElements }
        #expect(gradient_check_n(Self.vector(parameters), gradient: gradient, J: J) < 1e-7)
    }

    // MARK: Generator forms

    @Test func initializersFromAGeneratorUseItsNormalsInOrder() {
        var generator = SeededGenerator(seed: 9)
        let parameters: CourseParameters<Double> = initialize_parameters_deep([3, 4, 2], scale: .he, using: &generator)
        var replay = SeededGenerator(seed: 9)
        let draws = (0..<20).map { _ in replay.nextNormal() }
        let expected: CourseParameters<Double> = initialize_parameters_deep([3, 4, 2], randn: draws, scale: .he)
        #expect(parameters == expected)
        // The generator is left where the draws ended.
        #expect(generator.next() == replay.next())

        var a = SeededGenerator(seed: 10), b = SeededGenerator(seed: 10), c = SeededGenerator(seed: 10)
        let two: CourseParameters<Double> = initialize_parameters(2, 3, 1, using: &a)
        let deep: CourseParameters<Double> = initialize_parameters_deep([2, 3, 1], using: &b)
        let he: CourseParameters<Float> = initialize_parameters_he([2, 3, 1], using: &c)
        #expect(two == deep)
        // Same draws: He with n_x = 2 scales W1 by √(2/2) = 1, the two-layer form by 0.01.
        #expect(relativeDifference(he.W(1).converted(to: Double.self), two.W(1) * 100) < 1e-6)
    }

    @Test func miniBatchesFromAGeneratorUseItsPermutation() {
        let X = Matrix<Double>(rows: 2, columns: 10, columnMajor: (0..<20).map(Double.init))
        let Y = Matrix<Double>(rows: 1, columns: 10, columnMajor: (0..<10).map(Double.init))
        var generator = SeededGenerator(seed: 4)
        let batches = random_mini_batches(X, Y, mini_batch_size: 4, using: &generator)
        var replay = SeededGenerator(seed: 4)
        let permutation = replay.permutation(10)
        #expect(batches.flatMap { $0.Y.elements } == permutation.map(Double.init))
        #expect(batches.map(\.X.columns) == [4, 4, 2])
        for batch in batches {
            #expect(batch.X == X.columns(batch.Y.elements.map { Int($0) }))
        }
        #expect(random_mini_batches(X, Y, permutation: Array(0..<10)).count == 1)
    }

    @Test func dropoutMaskFromAGeneratorFillsRowByRow() {
        var generator = SeededGenerator(seed: 5)
        let D = dropout_mask(rows: 3, columns: 4, keep_prob: 0.6, using: &generator)
        var replay = SeededGenerator(seed: 5)
        let U = Matrix<Double>(rows: 3, columns: 4, rowMajor: (0..<12).map { _ in replay.nextUniform() })
        #expect(D == dropout_mask(U, keep_prob: 0.6))
        #expect(D.elements.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(dropout_mask(U, keep_prob: 1.0) == Matrix(rows: 3, columns: 4, repeating: 1))
        #expect(dropout_mask(U, keep_prob: 0.0) == Matrix(rows: 3, columns: 4))
    }

    // MARK: Float

    @Test func floatBuildingBlocksAgreeWithDouble() {
        let parameters = Self.parameters(seed: 60)
        let floats = CourseParameters(parameters.layers.map { (W: $0.W.converted(to: Float.self), b: $0.b.converted(to: Float.self)) })
        let X = Self.matrix(4, 5, seed: 61)
        let Y = Matrix(rows: 1, columns: 5, columnMajor: [1.0, 0, 1, 1, 0])
        let (AL, caches) = L_model_forward(X, parameters: parameters)
        let (ALf, cachesf) = L_model_forward(X.converted(to: Float.self), parameters: floats)
        #expect(relativeDifference(ALf.converted(to: Double.self), AL) < 1e-5)
        let grads = L_model_backward(AL, Y, caches)
        let gradsf = L_model_backward(ALf, Y.converted(to: Float.self), cachesf)
        for (key, value) in grads {
            #expect(relativeDifference(gradsf[key]!.converted(to: Double.self), value) < 1e-4, "\(key)")
        }
    }
}
