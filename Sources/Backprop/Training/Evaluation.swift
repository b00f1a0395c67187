/// Measuring a network on a dataset.
extension Network {
    /// Cost, accuracy and confusion matrix of this network on `data`, in inference mode (no
    /// dropout; batch norm with its running statistics, as `predict` and PyTorch's `eval()`),
    /// computed in chunks of at most `chunkSize` examples (fewer where the widest layer would
    /// make a chunk's activations large: see `evaluationChunk(limit:)`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(
        _ data: Dataset<Scalar>, l2 lambda: Double = 0, chunkSize: Int = 4096
    ) throws -> (loss: Double, accuracy: Double, confusion: [[Int]]) {
        guard data.count > 0 else { throw BackpropError.invalidArgument("cannot evaluate on an empty dataset (\(data.name))") }
        let sums = try summedEvaluation(data, chunkSize: chunkSize)
        let m = Double(data.count)
        let cost = sums.summedLoss / m + l2Penalty(lambda, examples: data.count)
        return (cost, Double(sums.correct) / m, sums.confusion)
    }

    /// `Σ L`, the correct count and the confusion matrix over `data`: sums, which parts of a
    /// dataset (the ranks of a data-parallel run) can add before dividing by the whole count.
    func summedEvaluation(
        _ data: Dataset<Scalar>, chunkSize: Int = 4096
    ) throws -> (summedLoss: Double, correct: Int, confusion: [[Int]]) {
        var summed = 0.0
        var correct = 0
        let classes = Swift.max(outputSize, 2)
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        let chunk = evaluationChunk(limit: chunkSize)
        for start in stride(from: 0, to: data.count, by: chunk) {
            let range = start..<Swift.min(start + chunk, data.count)
            let whole = range.count == data.count
            let X = whole ? data.X : data.X.columns(range)
            let Y = whole ? data.Y : data.Y.columns(range)
            try checkInput(X)
            let (Z, A) = inferredOutput(X)
            try checkLabels(Y, output: A)
            summed += loss.summedLoss(Z: Z, A: A, Y: Y)
            for (p, t) in zip(Metrics.predictedClasses(A), Metrics.trueClasses(Y)) {
                confusion[t][p] += 1
                if p == t { correct += 1 }
            }
        }
        return (summed, correct, confusion)
    }

    /// The examples an evaluation chunk takes: at most `limit`, and few enough that the widest
    /// layer's output for the chunk stays near 8 Mi numbers (32 MiB in `Float`). An MLP on MNIST
    /// keeps `limit`; a convolution with 32×26×26 outputs takes 387 examples at a time.
    func evaluationChunk(limit: Int) -> Int {
        let widest = layers.reduce(inputSize) { Swift.max($0, $1.outputSize, $1.inputSize) }
        return Swift.max(1, Swift.min(limit, (8 << 20) / Swift.max(widest, 1)))
    }

    /// The output layer's pre-activation `Z[L]` (what the loss reads, for a stable cost from
    /// logits) and output `A[L]` for `X`, by the inference path: every layer below the last
    /// runs ``Layer/infer(_:parameters:)`` and its output is dropped once the next has read it,
    /// so no cache of the whole pass is kept (and a chunk's memory is two layers' outputs).
    func inferredOutput(_ X: Matrix<Scalar>) -> (Z: Matrix<Scalar>, A: Matrix<Scalar>) {
        parameters.withViews { views in
            let A = inferred(X, through: depth - 1, views: views)
            let last = layers[depth - 1]
            var saved = last.savedShapes(examples: X.columns).map { Matrix<Scalar>(shape: $0) }
            var output = Matrix<Scalar>(rows: last.outputSize, columns: X.columns)
            last.forward(A, parameters: views.layer(parameters.layerTensors[depth - 1]), mode: .inference,
                         saved: &saved, output: &output)
            return (saved.first ?? output, output)
        }
    }
}
