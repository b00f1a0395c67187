import Foundation
import Testing
import Backprop

/// The course building blocks (`Sources/Backprop/Course/`) against an independent NumPy
/// implementation of the notebooks' functions: `Tests/Interop/course_reference.py` runs the
/// course's seeded test cases and saves inputs and outputs under `CourseReference/<case>/`.
/// Computed values must agree to 1e-12 (normwise relative); given draws, masks, batches and the
/// 1-D gradient check must agree exactly. The values the course notebooks print are pinned too,
/// to their printed digits.
struct CourseReferenceTests {
    // MARK: Loading the reference

    static let directory: URL = Bundle.module.url(forResource: "CourseReference", withExtension: nil)
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("CourseReference")

    static func array(_ folder: String, _ name: String) throws -> NPYArray {
        try NPY.read(contentsOf: directory.appendingPathComponent(folder).appendingPathComponent(name + ".npy"))
    }

    static func matrix(_ folder: String, _ name: String) throws -> Matrix<Double> {
        try array(folder, name).matrix()
    }

    /// The saved caches `((A_prev_l, W_l, b_l), Z_l)` for layers `1 … L`.
    static func caches(_ folder: String, L: Int) throws -> [LinearActivationCache<Double>] {
        try (1...L).map { l in
            LinearActivationCache(
                A_prev: try matrix(folder, "A_prev\(l)"), W: try matrix(folder, "W\(l)"),
                b: try matrix(folder, "b\(l)"), Z: try matrix(folder, "Z\(l)"))
        }
    }

    static func parameters(_ folder: String, L: Int) throws -> CourseParameters<Double> {
        var dictionary: [String: Matrix<Double>] = [:]
        for l in 1...L {
            dictionary["W\(l)"] = try matrix(folder, "W\(l)")
            dictionary["b\(l)"] = try matrix(folder, "b\(l)")
        }
        return try CourseParameters(dictionary)
    }

    /// Same shape, and a normwise relative difference of at most `tolerance`.
    static func expectClose(
        _ actual: Matrix<Double>, _ expected: Matrix<Double>, _ what: String, tolerance: Double = 1e-12,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
        let difference = relativeDifference(actual, expected)
        #expect(difference <= tolerance, "\(what): relative difference \(difference)", sourceLocation: sourceLocation)
    }

    /// Agreement with a value the notebook prints to 8 decimals (`np.set_printoptions` default).
    static func expectPrinted(
        _ actual: Matrix<Double>, _ printed: [[Double]], _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let expected = Matrix(printed)
        #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
        let difference = maxAbsDifference(actual, expected)
        #expect(difference <= 5e-9, "\(what): differs from the printed value by \(difference)", sourceLocation: sourceLocation)
    }

    // MARK: Forward

    @Test(arguments: ["linear_forward", "linear_forward_wide"])
    func linearForward(_ folder: String) throws {
        let (A, W, b) = (try Self.matrix(folder, "A"), try Self.matrix(folder, "W"), try Self.matrix(folder, "b"))
        let (Z, cache) = linear_forward(A, W, b)
        Self.expectClose(Z, try Self.matrix(folder, "Z"), "Z")
        #expect(cache == LinearCache(A_prev: A, W: W, b: b))
        if folder == "linear_forward" {
            Self.expectPrinted(Z, [[3.26295337, -1.23429987]], "C1W4 linear_forward Z")
        }
    }

    @Test(arguments: [Activation.sigmoid, .relu])
    func linearActivationForward(_ activation: Activation) throws {
        let folder = "linear_activation_forward"
        let (A_prev, W, b) = (try Self.matrix(folder, "A_prev"), try Self.matrix(folder, "W"), try Self.matrix(folder, "b"))
        let (A, cache) = linear_activation_forward(A_prev, W, b, activation: activation)
        Self.expectClose(A, try Self.matrix(folder, "A_\(activation)"), "A")
        Self.expectClose(cache.Z, try Self.matrix(folder, "Z"), "activation cache Z")
        #expect(cache.linear_cache == LinearCache(A_prev: A_prev, W: W, b: b))
        let printed: [[Double]] = activation == .sigmoid ? [[0.96890023, 0.11013289]] : [[3.43896131, 0]]
        Self.expectPrinted(A, printed, "C1W4 linear_activation_forward with \(activation)")
    }

    @Test func lModelForward() throws {
        let folder = "L_model_forward"
        let parameters = try Self.parameters(folder, L: 3)
        let (AL, caches) = L_model_forward(try Self.matrix(folder, "X"), parameters: parameters)
        Self.expectClose(AL, try Self.matrix(folder, "AL"), "AL")
        #expect(caches.count == 3)
        for (cache, expected) in zip(caches, try Self.caches(folder, L: 3)) {
            Self.expectClose(cache.A_prev, expected.A_prev, "A_prev")
            Self.expectClose(cache.Z, expected.Z, "Z")
            #expect(cache.W == expected.W && cache.b == expected.b)
        }
        Self.expectPrinted(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], "C1W4 L_model_forward AL")
    }

    // MARK: Backward

    @Test func linearBackward() throws {
        let folder = "linear_backward"
        let cache = LinearCache(
            A_prev: try Self.matrix(folder, "A_prev"), W: try Self.matrix(folder, "W"), b: try Self.matrix(folder, "b"))
        let (dA_prev, dW, db) = linear_backward(try Self.matrix(folder, "dZ"), cache)
        Self.expectClose(dA_prev, try Self.matrix(folder, "dA_prev"), "dA_prev")
        Self.expectClose(dW, try Self.matrix(folder, "dW"), "dW")
        Self.expectClose(db, try Self.matrix(folder, "db"), "db")
        Self.expectPrinted(dW, [[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                                [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                                [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]], "C1W4 dW")
        Self.expectPrinted(db, [[-0.14713786], [-0.11313155], [-0.13209101]], "C1W4 db")
    }

    @Test(arguments: [Activation.sigmoid, .relu])
    func linearActivationBackward(_ activation: Activation) throws {
        let folder = "linear_activation_backward"
        let cache = LinearActivationCache(
            A_prev: try Self.matrix(folder, "A_prev"), W: try Self.matrix(folder, "W"),
            b: try Self.matrix(folder, "b"), Z: try Self.matrix(folder, "Z"))
        let (dA_prev, dW, db) = linear_activation_backward(try Self.matrix(folder, "dA"), cache, activation: activation)
        Self.expectClose(dA_prev, try Self.matrix(folder, "dA_prev_\(activation)"), "dA_prev")
        Self.expectClose(dW, try Self.matrix(folder, "dW_\(activation)"), "dW")
        Self.expectClose(db, try Self.matrix(folder, "db_\(activation)"), "db")
        if activation == .sigmoid {
            Self.expectPrinted(dW, [[0.10266786, 0.09778551, -0.01968084]], "C1W4 sigmoid dW")
            Self.expectPrinted(db, [[-0.05729622]], "C1W4 sigmoid db")
        } else {
            Self.expectPrinted(dW, [[0.44513824, 0.37371418, -0.10478989]], "C1W4 relu dW")
            Self.expectPrinted(db, [[-0.20837892]], "C1W4 relu db")
        }
    }

    /// `grads` has exactly the course's keys, each equal to the reference.
    static func expectGrads(_ grads: CourseGradients<Double>, _ folder: String, L: Int,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let keys = (0..<L).map { "dA\($0)" } + (1...L).flatMap { ["dW\($0)", "db\($0)"] }
        #expect(Set(grads.keys) == Set(keys), sourceLocation: sourceLocation)
        for key in keys {
            guard let gradient = grads[key] else { continue }
            expectClose(gradient, try matrix(folder, "grad_" + key), key, sourceLocation: sourceLocation)
        }
    }

    @Test func lModelBackwardFromTheLoss() throws {
        let folder = "L_model_backward"
        let grads = L_model_backward(try Self.matrix(folder, "AL"), try Self.matrix(folder, "Y"), try Self.caches(folder, L: 2))
        try Self.expectGrads(grads, folder, L: 2)
        Self.expectPrinted(grads["dW1"]!, [[0.41010002, 0.07807203, 0.13798444, 0.10502167],
                                           [0, 0, 0, 0],
                                           [0.05283652, 0.01005865, 0.01777766, 0.0135308]], "C1W4 dW1")
        Self.expectPrinted(grads["db1"]!, [[-0.22007063], [0], [-0.02835349]], "C1W4 db1")
        Self.expectPrinted(grads["dA1"]!, [[0.12913162, -0.44014127],
                                           [-0.14175655, 0.48317296],
                                           [0.01663708, -0.05670698]], "C1W4 dA1")
    }

    @Test func lModelBackwardFromAGivenDAL() throws {
        let folder = "L_model_backward_dAL"
        let grads = L_model_backward(dAL: try Self.matrix(folder, "dAL"), try Self.caches(folder, L: 2))
        try Self.expectGrads(grads, folder, L: 2)
    }

    /// The forward pass's own caches, then back from the cross-entropy of its labels.
    @Test func lModelForwardThenBackward() throws {
        let folder = "L_model_forward"
        let (AL, caches) = L_model_forward(try Self.matrix(folder, "X"), parameters: try Self.parameters(folder, L: 3))
        let grads = L_model_backward(AL, try Self.matrix(folder, "Y"), caches)
        try Self.expectGrads(grads, folder, L: 3)
    }

    // MARK: Initialisation from given draws

    @Test func initializeParameters() throws {
        let folder = "initialize_parameters"
        let parameters: CourseParameters<Double> = initialize_parameters(3, 2, 1, randn: try Self.array(folder, "draws").doubleValues)
        #expect(parameters == (try Self.parameters(folder, L: 2)))
        Self.expectPrinted(parameters.W(1), [[0.01624345, -0.00611756, -0.00528172],
                                             [-0.01072969, 0.00865408, -0.02301539]], "C1W3 W1")
        Self.expectPrinted(parameters.W(2), [[0.01744812, -0.00761207]], "C1W3 W2")
        #expect(parameters.b(1) == Matrix(rows: 2, columns: 1) && parameters.b(2) == Matrix(rows: 1, columns: 1))
    }

    /// Given NumPy's draws, every weight has NumPy's exact bits (the scale is the same IEEE
    /// operation as the notebook's).
    @Test(arguments: [("step_by_step", CourseWeightScale.times(0.01)), ("application", .overSquareRootOfFanIn),
                      ("he", .he), ("he_deeper", .he)])
    func initializeParametersDeep(_ version: String, _ scale: CourseWeightScale) throws {
        let folder = "initialize_parameters_deep_" + version
        let layer_dims = try Self.array(folder, "layer_dims").doubleValues.map { Int($0) }
        let draws = try Self.array(folder, "draws").doubleValues
        let parameters: CourseParameters<Double> = initialize_parameters_deep(layer_dims, randn: draws, scale: scale)
        #expect(parameters == (try Self.parameters(folder, L: layer_dims.count - 1)))
        if scale == .he {
            let he: CourseParameters<Double> = initialize_parameters_he(layer_dims, randn: draws)
            #expect(he == parameters)
        }
        switch version {
        case "step_by_step":
            let defaulted: CourseParameters<Double> = initialize_parameters_deep(layer_dims, randn: draws)
            #expect(defaulted == parameters)
            Self.expectPrinted(parameters.W(1), [[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
                                                 [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
                                                 [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
                                                 [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]], "C1W4 W1")
            Self.expectPrinted(parameters.W(2), [[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                                                 [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
                                                 [-0.00768836, -0.00230031, 0.00745056, 0.01976111]], "C1W4 W2")
        case "he":
            Self.expectPrinted(parameters.W(1), [[1.78862847, 0.43650985], [0.09649747, -1.8634927],
                                                 [-0.2773882, -0.35475898], [-0.08274148, -0.62700068]], "C2W1 He W1")
            Self.expectPrinted(parameters.W(2), [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]], "C2W1 He W2")
        default: break
        }
    }

    // MARK: Mini-batches, dropout

    @Test(arguments: ["random_mini_batches", "random_mini_batches_even"])
    func randomMiniBatchesFromAGivenPermutation(_ folder: String) throws {
        let (X, Y) = (try Self.matrix(folder, "X"), try Self.matrix(folder, "Y"))
        let permutation = try Self.array(folder, "permutation").doubleValues.map { Int($0) }
        let size = Int(try Self.array(folder, "mini_batch_size").scalar())
        let batches = random_mini_batches(X, Y, mini_batch_size: size, permutation: permutation)
        let count = Int(try Self.array(folder, "count").scalar())
        #expect(batches.count == count)
        for (k, batch) in batches.enumerated() {
            #expect(batch.X == (try Self.matrix(folder, "X_\(k)")), "batch \(k) X")
            #expect(batch.Y == (try Self.matrix(folder, "Y_\(k)")), "batch \(k) Y")
        }
        let m = X.columns
        #expect(batches.map(\.X.columns) == Array(repeating: size, count: m / size) + (m % size == 0 ? [] : [m % size]))
    }

    @Test func dropoutMaskFromGivenUniformDraws() throws {
        let folder = "dropout_mask"
        let D = dropout_mask(try Self.matrix(folder, "U"), keep_prob: try Self.array(folder, "keep_prob").scalar())
        #expect(D == (try Self.matrix(folder, "D")))
        #expect(D == Matrix([[1, 0, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 0, 1]]))
    }

    // MARK: Gradient checking

    /// Course 2, Week 1: `J(θ) = θx`, `θ = 4`. The course prints `2.919335883291695e-10` for
    /// `x = 2`; both agree with NumPy to the last bit.
    @Test func gradientCheckOneDimensional() throws {
        let reference = try Self.array("gradient_check", "difference").doubleValues
        #expect(reference.count == 2)
        let printed = [2.919335883291695e-10, 7.814075313343006e-11]
        for (k, x) in [2.0, 3.0].enumerated() {
            let difference = gradient_check(4, J: { theta in theta * x }, gradient: { _ in x })
            #expect(difference == printed[k], "x = \(x)")
            #expect(difference == reference[k], "x = \(x)")
        }
        #expect(gradient_check(4, J: { $0 * 2 }, gradient: { _ in 3 }) > 0.1)
    }

    /// `J = θ0² θ1 + 3 θ2 − θ1 θ3 + θ3³ / 2`, evaluated in the same order as the reference.
    static func J_n(_ theta: [Double]) -> Double {
        let (t0, t1, t2, t3) = (theta[0], theta[1], theta[2], theta[3])
        return t0 * t0 * t1 + 3 * t2 - t1 * t3 + t3 * t3 * t3 / 2
    }

    @Test func gradientCheckN() throws {
        let folder = "gradient_check_n"
        let theta = try Self.array(folder, "theta").doubleValues
        let right = gradient_check_n(theta, gradient: try Self.array(folder, "grad").doubleValues, J: Self.J_n)
        let expected = try Self.array(folder, "difference").scalar()
        #expect(abs(right - expected) <= 1e-12 * expected, "\(right) vs \(expected)")
        #expect(right < 1e-7)
        let wrong = gradient_check_n(theta, gradient: try Self.array(folder, "wrong_grad").doubleValues, J: Self.J_n)
        let expectedWrong = try Self.array(folder, "wrong_difference").scalar()
        #expect(abs(wrong - expectedWrong) <= 1e-12 * expectedWrong, "\(wrong) vs \(expectedWrong)")
        #expect(wrong > 1e-3)
    }
}
