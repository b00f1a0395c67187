import Testing
@testable import Backprop

// Shared helpers for the Backprop engine tests.

/// `max |a − b|` over all elements, in `Double` (∞ when the shapes differ).
func maxAbsDifference<T: BackpropScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> Double {
    guard a.shape == b.shape else { return .infinity }
    var largest = 0.0
    for i in 0..<a.count {
        largest = max(largest, abs(Double(a.elements[i]) - Double(b.elements[i])))
    }
    return largest
}

/// A normwise relative difference: `max |a − b| / max(|a|, |b|)` over all elements (the
/// absolute difference when both are zero; ∞ when the shapes differ). Unlike an elementwise
/// relative difference it is not blown up by entries that cancel to nearly zero.
func relativeDifference<T: BackpropScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> Double {
    guard a.shape == b.shape else { return .infinity }
    let scale = max(Double(a.maxAbs()), Double(b.maxAbs()))
    let difference = maxAbsDifference(a, b)
    return scale == 0 ? difference : difference / scale
}

/// Whether two matrices have the same shape and the same bits in every element (so `0` and
/// `−0` differ, and NaNs compare by payload).
func bitwiseEqual<T: BackpropScalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> Bool {
    a.shape == b.shape && zip(a.elements, b.elements).allSatisfy { x, y in
        x.sign == y.sign && x.exponentBitPattern == y.exponentBitPattern
            && x.significandBitPattern == y.significandBitPattern
    }
}

/// An output activation with the loss it is paired with.
struct OutputPair: Sendable, CustomTestStringConvertible {
    let output: Activation
    let loss: Loss
    var testDescription: String { "\(output)+\(loss)" }

    static let sigmoidBCE = OutputPair(output: .sigmoid, loss: .binaryCrossEntropy)
    static let softmaxCE = OutputPair(output: .softmax, loss: .categoricalCrossEntropy)
    static let identityMSE = OutputPair(output: .identity, loss: .meanSquaredError)
    static let sigmoidMSE = OutputPair(output: .sigmoid, loss: .meanSquaredError)
    static let all: [OutputPair] = [sigmoidBCE, softmaxCE, identityMSE, sigmoidMSE]
}

/// A network shape for parameterised tests.
struct Architecture: Sendable, CustomTestStringConvertible {
    let sizes: [Int]
    let hidden: Activation
    let pair: OutputPair
    var testDescription: String {
        sizes.map(String.init).joined(separator: "-") + " \(hidden) \(pair.testDescription)"
    }

    func network<T: BackpropScalar>(_: T.Type = T.self, seed: UInt64) throws -> Network<T> {
        try Network<T>(sizes: sizes, hidden: hidden, output: pair.output, loss: pair.loss, seed: seed)
    }

    func data<T: BackpropScalar>(_: T.Type = T.self, examples m: Int, seed: UInt64) -> Dataset<T> {
        Generators.random(inputs: sizes[0], outputs: sizes[sizes.count - 1], examples: m, loss: pair.loss, seed: seed)
    }

    static let several: [Architecture] = [
        Architecture(sizes: [2, 4, 1], hidden: .tanh, pair: .sigmoidBCE),
        Architecture(sizes: [3, 5, 4, 3], hidden: .relu, pair: .softmaxCE),
        Architecture(sizes: [4, 6, 2], hidden: .leakyReLU(slope: 0.01), pair: .identityMSE),
        Architecture(sizes: [3, 4, 4, 5, 2], hidden: .sigmoid, pair: .sigmoidMSE),
        Architecture(sizes: [5, 3], hidden: .identity, pair: .softmaxCE),
    ]
}

extension BackpropError {
    /// The two shapes of a ``shapeMismatch``, or `nil` for any other case.
    var mismatchedShapes: (left: Shape, right: Shape)? {
        if case let .shapeMismatch(_, left, right) = self { return (left, right) }
        return nil
    }

    /// Whether this is ``invalidArgument``.
    var isInvalidArgument: Bool {
        if case .invalidArgument = self { return true }
        return false
    }
}

extension Ledger {
    /// `[(dW[1], db[1]), …]` of a dense network, for tests that edit one gradient.
    var parameterGradients: [(dW: Matrix<Scalar>, db: Matrix<Scalar>)] { layers.map { ($0.dW, $0.db) } }
}

/// `["dW1": …, "db1": …, …]` from `(dW, db)` pairs, as `GradientCheck.compare` takes them.
func named<S>(_ pairs: [(dW: Matrix<S>, db: Matrix<S>)]) -> [String: Matrix<S>] {
    var result: [String: Matrix<S>] = [:]
    for (index, pair) in pairs.enumerated() {
        result["dW\(index + 1)"] = pair.dW
        result["db\(index + 1)"] = pair.db
    }
    return result
}
