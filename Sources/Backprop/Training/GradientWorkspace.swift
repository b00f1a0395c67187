/// The backward pass of training: the same arithmetic as ``Network/backward(_:Y:convention:l2:normalizer:)``,
/// written into buffers that live across batches, and without `dA[0]` (no optimizer needs the
/// gradient with respect to the input).
///
/// Every buffer is allocated once per batch size, so a training epoch allocates nothing per
/// batch but the last, smaller one. The results equal the ledger's `dW`, `db` bit for bit
/// (a test holds it to that).
struct GradientWorkspace<Scalar: BackpropScalar>: Sendable {
    /// The batch, gathered from the dataset's columns.
    var X: Matrix<Scalar>
    var Y: Matrix<Scalar>
    /// `Z[l]`, `A[l]` (after dropout), `g(Z[l])` before dropout where masked, for l = 1…L.
    var Z: [Matrix<Scalar>]
    var A: [Matrix<Scalar>]
    var undropped: [Matrix<Scalar>?]
    /// `dZ[l]` for l = 1…L; `dA[l]` for l = 1…L−1 (index l − 1).
    var dZ: [Matrix<Scalar>]
    var dA: [Matrix<Scalar>]
    /// The parameter gradients.
    var dW: [Matrix<Scalar>]
    var db: [Matrix<Scalar>]

    /// Buffers for `network` and batches of `m` examples.
    init(network: Network<Scalar>, examples m: Int) {
        let sizes = network.sizes
        X = Matrix(rows: sizes[0], columns: m)
        Y = Matrix(rows: sizes[sizes.count - 1], columns: m)
        Z = sizes.dropFirst().map { Matrix(rows: $0, columns: m) }
        A = Z
        undropped = Array(repeating: nil, count: network.depth)
        dZ = Z
        dA = Array(Z.dropLast())
        dW = network.layers.map { Matrix(shape: $0.W.shape) }
        db = network.layers.map { Matrix(shape: $0.b.shape) }
    }

    /// The batch size the buffers hold.
    var examples: Int { X.columns }

    /// Copies the columns `indices` of `data` into ``X`` and ``Y`` (for the whole dataset in
    /// order, full-batch training, the batch simply shares the dataset's storage).
    mutating func gather(_ data: Dataset<Scalar>, _ indices: ArraySlice<Int>) {
        precondition(indices.count == examples, "batch of \(indices.count) into a workspace for \(examples)")
        if indices.count == data.count && indices.first == 0 && indices.last == data.count - 1
            && zip(indices, 0...).allSatisfy({ $0 == $1 }) {
            X = data.X
            Y = data.Y
            return
        }
        Self.gather(data.X, indices, into: &X)
        Self.gather(data.Y, indices, into: &Y)
    }

    private static func gather(_ source: Matrix<Scalar>, _ indices: ArraySlice<Int>, into target: inout Matrix<Scalar>) {
        let rows = source.rows
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                for (j, column) in indices.enumerated() {
                    (t.baseAddress! + j * rows).update(from: s.baseAddress! + column * rows, count: rows)
                }
            }
        }
    }

    /// Forward pass over the gathered batch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func forward(_ network: Network<Scalar>, dropout: DropoutMasks<Scalar>?) {
        for (index, layer) in network.layers.enumerated() {
            if index == 0 {
                layer.linear(X, into: &Z[0])
            } else {
                layer.linear(A[index - 1], into: &Z[index])
            }
            if let dropout, dropout.masks[index] != nil {
                // g(Z) goes to its own buffer (the derivative needs it), A = g(Z) ⊙ D / p.
                if undropped[index]?.shape != Z[index].shape { undropped[index] = Z[index] }
                layer.activation.forward(Z[index], into: &undropped[index]!)
                dropout.apply(layer: index + 1, from: undropped[index]!, into: &A[index])
            } else {
                layer.activation.forward(Z[index], into: &A[index])
            }
        }
    }

    /// Backward pass; returns the summed loss `Σ L` of the batch (before any 1/m).
    ///
    /// `normalizer` is the m to divide by (default: this workspace's examples). A shard of a
    /// larger batch passes the whole batch's m, so the shards' `dW`, `db` add up to the batch's;
    /// only one shard passes the L2 strength (the others pass 0), so `(λ/m) W` is added once.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func backward(
        _ network: Network<Scalar>, convention: Convention, l2 lambda: Double, dropout: DropoutMasks<Scalar>?,
        normalizer: Int? = nil
    ) -> Double {
        let L = network.depth
        let m = normalizer ?? examples
        let summed = network.loss.summedLoss(Z: Z[L - 1], A: A[L - 1], Y: Y)
        // dZ[L] = A − Y (⊙ g′ for MSE), divided by m under "absorbed".
        dZ[L - 1].withUnsafeMutableBufferPointer { d in
            A[L - 1].withUnsafeBufferPointer { a in
                Y.withUnsafeBufferPointer { y in
                    for i in 0..<d.count { d[i] = a[i] - y[i] }
                }
            }
        }
        if network.loss == .meanSquaredError {
            network.outputActivation.backward(inPlace: &dZ[L - 1], Z: Z[L - 1], A: A[L - 1])
        }
        if convention == .absorbed { dZ[L - 1] /= Scalar(m) }
        let scale: Scalar = convention == .deferred ? 1 / Scalar(m) : 1
        for l in stride(from: L, through: 1, by: -1) {
            let layer = network.layers[l - 1]
            if l == 1 {
                dW[0].formProduct(dZ[0], .none, X, .transposed, alpha: scale, beta: 0)
            } else {
                dW[l - 1].formProduct(dZ[l - 1], .none, A[l - 2], .transposed, alpha: scale, beta: 0)
            }
            if lambda != 0 { Self.addScaled(layer.W, Scalar(lambda) / Scalar(m), to: &dW[l - 1]) }
            dZ[l - 1].sumColumns(into: &db[l - 1], scale: scale)
            guard l > 1 else { break }
            dA[l - 2].formProduct(layer.W, .transposed, dZ[l - 1], .none, alpha: 1, beta: 0)
            let masked = dropout?.masks[l - 2] != nil
            if let dropout, masked { dropout.apply(layer: l - 1, to: &dA[l - 2]) }
            swap(&dZ[l - 2], &dA[l - 2])
            network.layers[l - 2].activation.backward(inPlace: &dZ[l - 2], Z: Z[l - 2], A: masked ? undropped[l - 2]! : A[l - 2])
        }
        return summed
    }

    /// `target += c · source`, in one pass (the L2 term `(λ/m) W` added to `dW`).
    private static func addScaled(_ source: Matrix<Scalar>, _ c: Scalar, to target: inout Matrix<Scalar>) {
        source.withUnsafeBufferPointer { w in
            target.withUnsafeMutableBufferPointer { d in
                for i in 0..<d.count { d[i] += c * w[i] }
            }
        }
    }

    /// The number of examples whose predicted class (from the output ``A``) is the labelled one,
    /// counted without building arrays.
    func correctPredictions(depth L: Int) -> Int {
        let output = A[L - 1]
        let (rows, m) = (output.rows, output.columns)
        var correct = 0
        output.withUnsafeBufferPointer { a in
            Y.withUnsafeBufferPointer { y in
                for j in 0..<m {
                    let column = j * rows
                    if rows == 1 {
                        if (a[column] >= 0.5) == (y[column] >= 0.5) { correct += 1 }
                        continue
                    }
                    var (predicted, actual) = (0, 0)
                    for i in 1..<rows {
                        if a[column + i] > a[column + predicted] { predicted = i }
                        if y[column + i] > y[column + actual] { actual = i }
                    }
                    if predicted == actual { correct += 1 }
                }
            }
        }
        return correct
    }

    /// The parameter gradients as the optimizer takes them.
    var gradients: [(dW: Matrix<Scalar>, db: Matrix<Scalar>)] { Array(zip(dW, db)).map { ($0, $1) } }
}
