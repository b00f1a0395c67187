/// Mini-batches from a given shuffle: the columns of `X` and `Y` in the order `permutation`
/// lists them, cut into `⌊m / mini_batch_size⌋` complete batches of `mini_batch_size` examples
/// and, when `mini_batch_size` does not divide `m`, one last smaller batch of the `m mod
/// mini_batch_size` left.
///
/// Course 2, Week 2, `random_mini_batches(X, Y, mini_batch_size = 64, seed = 0)`:
/// `shuffled_X = X[:, permutation]`, then `shuffled_X[:, k * mini_batch_size : (k+1) *
/// mini_batch_size]`. Pass `list(np.random.permutation(m))` from the notebook to get its batches.
///
/// - Parameters:
///   - X: the inputs, `(n_x, m)`.
///   - Y: the labels, `(n_y, m)`.
///   - mini_batch_size: examples per batch, positive.
///   - permutation: each of `0..<m` exactly once; `permutation[i]` is the example placed `i`th.
/// - Returns: the `(X, Y)` batches in order; every example is in exactly one.
public func random_mini_batches<T: BackpropScalar>(
    _ X: Matrix<T>, _ Y: Matrix<T>, mini_batch_size: Int = 64, permutation: [Int]
) -> [(X: Matrix<T>, Y: Matrix<T>)] {
    let m = X.columns
    precondition(Y.columns == m, "X has \(m) examples but Y has \(Y.columns)")
    precondition(mini_batch_size > 0, "mini_batch_size must be positive, not \(mini_batch_size)")
    var seen = [Bool](repeating: false, count: m)
    precondition(permutation.count == m && permutation.allSatisfy { j in
        guard (0..<m).contains(j), !seen[j] else { return false }
        seen[j] = true
        return true
    }, "permutation must hold each of 0..<\(m) exactly once")
    return stride(from: 0, to: m, by: mini_batch_size).map { start in
        let batch = permutation[start..<Swift.min(start + mini_batch_size, m)]
        return (X.columns(batch), Y.columns(batch))
    }
}

/// ``random_mini_batches(_:_:mini_batch_size:permutation:)`` with the permutation drawn from
/// `generator` (Fisher–Yates in ``SeededGenerator/permutation(_:)``'s sequence, not NumPy's).
public func random_mini_batches<T: BackpropScalar, G: RandomNumberGenerator>(
    _ X: Matrix<T>, _ Y: Matrix<T>, mini_batch_size: Int = 64, using generator: inout G
) -> [(X: Matrix<T>, Y: Matrix<T>)] {
    let permutation = CourseRandom.permutation(X.columns, using: &generator)
    return random_mini_batches(X, Y, mini_batch_size: mini_batch_size, permutation: permutation)
}
