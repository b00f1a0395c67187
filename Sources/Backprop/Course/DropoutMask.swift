/// An inverted-dropout mask from given uniform draws: `D = (U < keep_prob)`, 1 where a unit is
/// kept and 0 where it is dropped.
///
/// Course 2, Week 1, `forward_propagation_with_dropout`: `D1 = np.random.rand(A1.shape[0],
/// A1.shape[1])`; `D1 = (D1 < keep_prob).astype(int)`. The layer then applies it as
/// `A1 = A1 * D1; A1 = A1 / keep_prob` (and `dA1 = dA1 * D1; dA1 = dA1 / keep_prob` backward).
/// Pass the notebook's `np.random.rand` draws as `U` to get its mask.
///
/// - Parameters:
///   - U: uniform draws in `[0, 1)`, the shape of the layer's `A`.
///   - keep_prob: the probability of keeping a unit.
/// - Returns: `D`, the shape of `U`, each element 0 or 1.
public func dropout_mask<T: BackpropScalar>(_ U: Matrix<T>, keep_prob: T) -> Matrix<T> {
    U.map { $0 < keep_prob ? 1 : 0 }
}

/// ``dropout_mask(_:keep_prob:)`` with `U` drawn from `generator`, filled row by row as
/// `np.random.rand(rows, columns)` fills it (the uniforms of ``SeededGenerator/nextUniform()``'s
/// sequence, not NumPy's).
public func dropout_mask<T: BackpropScalar, G: RandomNumberGenerator>(
    rows: Int, columns: Int, keep_prob: T, using generator: inout G
) -> Matrix<T> {
    let U = (0..<(rows * columns)).map { _ in T(CourseRandom.uniform(using: &generator)) }
    return dropout_mask(Matrix(rows: rows, columns: columns, rowMajor: U), keep_prob: keep_prob)
}
