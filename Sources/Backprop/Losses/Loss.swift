import RealModule

/// A loss `L(a, y)` for one example, with its gradient at the output pre-activation `Z[L]`
/// beside it. The cost is the mean over the batch, `J = (1/m) Σ_i L(a_i, y_i)`.
///
/// The two cross-entropies are computed **from the logits** `Z[L]`, never from the
/// probabilities, so saturated outputs (`z = ±1000`) give a finite cost and the exact gradient.
public enum Loss: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Sigmoid output + binary cross-entropy, `L = −[y log σ(z) + (1 − y) log(1 − σ(z))]`,
    /// computed as `max(z, 0) − z·y + log1p(e^{−|z|})`; `∂L/∂z = σ(z) − y = a − y`.
    /// Several output units are independent binary labels (summed).
    case binaryCrossEntropy = "bce"
    /// Softmax output + categorical cross-entropy, `L = −Σ_k y_k log softmax(z)_k`, computed as
    /// `Σ_k y_k (logsumexp(z) − z_k)` with the column maximum subtracted; `∂L/∂z = a − y`
    /// (each label column sums to 1: one-hot or a distribution).
    case categoricalCrossEntropy = "ce"
    /// Squared error, `L = ½ Σ_k (a_k − y_k)²` per example, any elementwise output (usually
    /// identity); `∂L/∂z = (a − y) ⊙ g′(z)`. PyTorch's `MSELoss()` averages over all `n_y·m`
    /// entries without the ½, so its value is `2/n_y` times this one.
    case meanSquaredError = "mse"

    /// Parses `bce`, `ce`, `mse` and the long spellings.
    public init?(name: String) {
        switch name.lowercased() {
        case "bce", "binary_cross_entropy", "binary-cross-entropy", "binarycrossentropy": self = .binaryCrossEntropy
        case "ce", "cross_entropy", "categorical_cross_entropy", "crossentropy", "cross-entropy": self = .categoricalCrossEntropy
        case "mse", "mean_squared_error", "squared_error": self = .meanSquaredError
        default: return nil
        }
    }

    public var description: String { rawValue }

    /// The loss the course pairs with an output activation: sigmoid → BCE, softmax → CE,
    /// anything else → MSE.
    public static func natural(for output: Activation) -> Loss {
        switch output {
        case .sigmoid: .binaryCrossEntropy
        case .softmax: .categoricalCrossEntropy
        default: .meanSquaredError
        }
    }

    /// Throws unless this loss can follow `output`: BCE needs sigmoid, CE needs softmax (both
    /// fused, from logits); MSE takes any elementwise output.
    public func validate(output: Activation) throws {
        switch (self, output) {
        case (.binaryCrossEntropy, .sigmoid), (.categoricalCrossEntropy, .softmax): return
        case (.meanSquaredError, _) where output.isElementwise: return
        case (.binaryCrossEntropy, _):
            throw BackpropError.invalidArgument("binary cross-entropy needs a sigmoid output, not \(output)")
        case (.categoricalCrossEntropy, _):
            throw BackpropError.invalidArgument("categorical cross-entropy needs a softmax output, not \(output)")
        case (.meanSquaredError, _):
            throw BackpropError.invalidArgument("mean squared error needs an elementwise output, not \(output)")
        }
    }

    /// Throws unless `Y` holds labels this loss can take: finite values; for BCE each in
    /// `[0, 1]`; for CE non-negative columns that each sum to 1 (one-hot or a distribution),
    /// which is what makes `∂L/∂z = a − y` exact. The message names the first bad column.
    /// With `range` ``LabelRange/anyFinite`` only finiteness is required.
    public func validate<T>(labels Y: Matrix<T>, source: String = "Y", range: LabelRange = .loss) throws {
        for j in 0..<Y.columns {
            var total = 0.0
            for i in 0..<Y.rows {
                let y = Double(Y[i, j])
                guard y.isFinite else {
                    throw BackpropError.nonFinite("\(source): label [\(i), \(j)] is \(y)")
                }
                if range == .anyFinite { continue }
                switch self {
                case .binaryCrossEntropy where !(0...1).contains(y):
                    throw BackpropError.invalidArgument("\(source): binary cross-entropy needs labels in [0, 1]; label [\(i), \(j)] is \(y)")
                case .categoricalCrossEntropy where y < 0:
                    throw BackpropError.invalidArgument("\(source): cross-entropy needs non-negative labels; label [\(i), \(j)] is \(y)")
                default: break
                }
                total += y
            }
            if range == .loss && self == .categoricalCrossEntropy && abs(total - 1) > 1e-4 {
                throw BackpropError.invalidArgument("\(source): cross-entropy needs each label column to sum to 1 (one-hot); column \(j) sums to \(total)")
            }
        }
    }

    /// `Σ_i L(a_i, y_i)`, the loss **summed** over the batch (divide by m for the cost; keeping
    /// the sum separate lets data-parallel ranks add theirs before one global 1/M).
    /// Accumulated in `Double`.
    public func summedLoss<T>(Z: Matrix<T>, A: Matrix<T>, Y: Matrix<T>) -> Double {
        var total = 0.0
        switch self {
        case .binaryCrossEntropy:
            Z.withUnsafeBufferPointer { z in
                Y.withUnsafeBufferPointer { y in
                    total = VectorMath.binaryCrossEntropySum(logits: z, labels: y)
                }
            }
        case .categoricalCrossEntropy:
            let rows = Z.rows
            Z.withUnsafeBufferPointer { z in
                Y.withUnsafeBufferPointer { y in
                    for j in 0..<Z.columns {
                        let column = j * rows
                        var largest = -Double.infinity
                        for i in 0..<rows { largest = Swift.max(largest, Double(z[column + i])) }
                        let sum = VectorMath.sumOfExponentials(UnsafeBufferPointer(rebasing: z[column..<column + rows]), minus: largest)
                        let logSumExp = largest + Double.log(sum)
                        for i in 0..<rows where y[column + i] != 0 {
                            total += Double(y[column + i]) * (logSumExp - Double(z[column + i]))
                        }
                    }
                }
            }
        case .meanSquaredError:
            A.withUnsafeBufferPointer { a in
                Y.withUnsafeBufferPointer { y in
                    for i in a.indices {
                        let d = Double(a[i]) - Double(y[i])
                        total += 0.5 * d * d
                    }
                }
            }
        }
        return total
    }

    /// The per-example gradient at the output activation, `dA[L] = ∂L/∂A[L]`, as the course's
    /// code writes it from probabilities: `−(Y/A − (1 − Y)/(1 − A))` for BCE, `−Y/A` for CE,
    /// `A − Y` for MSE. Training never uses it (the fused `dZ[L]` is exact for saturated
    /// outputs); the checker and the course's `L_model_backward` do.
    public func activationGradient<T>(A: Matrix<T>, Y: Matrix<T>) -> Matrix<T> {
        switch self {
        case .binaryCrossEntropy: Matrix.zip(A, Y) { a, y in -(y / a - (1 - y) / (1 - a)) }
        case .categoricalCrossEntropy: Matrix.zip(A, Y) { a, y in -y / a }
        case .meanSquaredError: A - Y
        }
    }

    /// The per-example output gradient `∂L/∂Z[L]` for every column, **without** any 1/m:
    /// `A − Y` for the two fused cross-entropies, `(A − Y) ⊙ g′(Z)` for MSE. The ledger's
    /// convention decides where the 1/m goes afterwards.
    public func outputGradient<T>(Z: Matrix<T>, A: Matrix<T>, Y: Matrix<T>, output: Activation) -> Matrix<T> {
        var dZ = Matrix<T>(shape: Z.shape)
        outputGradient(Z: Z, A: A, Y: Y, output: output, divisor: 1, into: &dZ)
        return dZ
    }

    /// `dZ[L] = (∂L/∂Z[L]) / divisor` written into `dZ`: the one place the output gradient is
    /// made. `divisor` is the convention's (1, or m under absorbed).
    public func outputGradient<T>(
        Z: Matrix<T>, A: Matrix<T>, Y: Matrix<T>, output: Activation, divisor: T, into dZ: inout Matrix<T>
    ) {
        precondition(dZ.shape == A.shape && Y.shape == A.shape,
            "shape mismatch in the output gradient: A \(A.shape), Y \(Y.shape), dZ \(dZ.shape)")
        dZ.withUnsafeMutableBufferPointer { d in
            A.withUnsafeBufferPointer { a in
                Y.withUnsafeBufferPointer { y in Self.difference(a, y, into: d) }
            }
        }
        if self == .meanSquaredError { output.backward(inPlace: &dZ, Z: Z, A: A) }
        if divisor != 1 { dZ.withUnsafeMutableBufferPointer { Self.divide($0, by: divisor) } }
    }

    private static func difference<T: BackpropScalar>(_ a: UnsafeBufferPointer<T>, _ y: UnsafeBufferPointer<T>, into d: UnsafeMutableBufferPointer<T>) {
        for i in 0..<d.count { d[i] = a[i] - y[i] }
    }

    private static func divide<T: BackpropScalar>(_ d: UnsafeMutableBufferPointer<T>, by c: T) {
        for i in 0..<d.count { d[i] /= c }
    }
}
