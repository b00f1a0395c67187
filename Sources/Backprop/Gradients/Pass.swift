/// One layer's buffers in a pass: what its forward pass wrote, and what its backward pass wrote.
struct LayerBuffers<Scalar: BackpropScalar>: Sendable {
    /// `A[l]`, as the next layer sees it (after dropout where a mask was applied).
    var output: Matrix<Scalar>
    /// `g(Z[l])` before the dropout mask (the derivative needs it); `nil` without a mask.
    var undropped: Matrix<Scalar>?
    /// What the forward pass keeps, named by the layer's ``Layer/savedNames`` (`Z[l]`).
    var saved: [Matrix<Scalar>]
    /// The intermediate gradients, named by ``Layer/gradientNames`` (`dZ[l]`).
    var gradients: [Matrix<Scalar>]
    /// `dA[l]`, handed down by layer `l + 1` (after this layer's dropout mask); `nil` for the
    /// output layer, whose backward pass starts from the loss.
    var outputGradient: Matrix<Scalar>?

    /// The output as the layer's own backward pass needs it (before any dropout mask).
    var activation: Matrix<Scalar> { undropped ?? output }
}

/// The one forward-and-backward pass everything runs: training (one per thread shard), `grads`,
/// `ledger`, `check` and the gradient check. Its buffers are the ledger.
///
/// Every buffer is allocated once per batch size, so a training epoch allocates nothing per
/// batch but the last, smaller one.
struct Pass<Scalar: BackpropScalar>: Sendable {
    /// The batch: `X = A[0]` and the labels.
    var X: Matrix<Scalar>
    var Y: Matrix<Scalar>
    /// Layer `l`'s buffers at index `l − 1`.
    var layers: [LayerBuffers<Scalar>]
    /// `dA[0]`, the gradient with respect to `X`; only computed when asked for (no optimizer
    /// needs it).
    var inputGradient: Matrix<Scalar>?
    /// `dθ` for every parameter (sums until finalized).
    var gradients: Gradients<Scalar>
    /// The masks the forward pass applied.
    var dropout: DropoutMasks<Scalar>?
    /// `Σ L` over the batch, from the last backward pass.
    var summedLoss = 0.0

    /// Buffers for `network` and batches of `m` examples.
    init(network: Network<Scalar>, examples m: Int, inputGradient: Bool = false) {
        X = Matrix(rows: network.inputSize, columns: m)
        Y = Matrix(rows: network.outputSize, columns: m)
        let L = network.depth
        layers = network.layers.enumerated().map { index, layer in
            LayerBuffers(
                output: Matrix(rows: layer.outputSize, columns: m), undropped: nil,
                saved: layer.savedShapes(examples: m).map { Matrix(shape: $0) },
                gradients: layer.gradientShapes(examples: m).map { Matrix(shape: $0) },
                outputGradient: index == L - 1 ? nil : Matrix(rows: layer.outputSize, columns: m))
        }
        self.inputGradient = inputGradient ? Matrix(rows: network.inputSize, columns: m) : nil
        gradients = Gradients(zerosLike: network.parameters)
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

    /// Forward pass over ``X``: every layer's output and saved tensors, dropout masks applied
    /// after each layer that has one.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func forward(_ network: Network<Scalar>, dropout: DropoutMasks<Scalar>?, mode: PassMode = .training) {
        self.dropout = dropout
        var buffers: [LayerBuffers<Scalar>] = []
        swap(&buffers, &layers)
        defer { swap(&buffers, &layers) }
        let X = self.X
        network.parameters.withViews { views in
            buffers.withUnsafeMutableBufferPointer { b in
                for (index, layer) in network.layers.enumerated() {
                    let parameters = views.layer(network.parameters.layerTensors[index])
                    let input = index == 0 ? X : b[index - 1].output
                    if let dropout, dropout.masks[index] != nil {
                        // g(Z) goes to its own buffer (the derivative needs it), A = g(Z) ⊙ D / p.
                        if b[index].undropped?.shape != b[index].output.shape { b[index].undropped = b[index].output }
                        layer.forward(input, parameters: parameters, mode: mode, saved: &b[index].saved, output: &b[index].undropped!)
                        dropout.apply(layer: index + 1, from: b[index].undropped!, into: &b[index].output)
                    } else {
                        b[index].undropped = nil
                        layer.forward(input, parameters: parameters, mode: mode, saved: &b[index].saved, output: &b[index].output)
                    }
                }
            }
        }
    }

    /// Backward pass from the loss on ``Y``: `dZ[L] = ∂L/∂Z[L] / seedDivisor` (``Loss``), then
    /// every layer down to the first. The parameter gradients are sums, divided by `seedDivisor`
    /// only (``Gradients/finalize(examples:convention:l2:parameters:)`` does the rest); returns
    /// `Σ L`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @discardableResult
    mutating func backward(_ network: Network<Scalar>, seedDivisor: Scalar) -> Double {
        let L = network.depth
        var buffers: [LayerBuffers<Scalar>] = []
        swap(&buffers, &layers)
        defer { swap(&buffers, &layers) }
        var inputGradient = self.inputGradient
        self.inputGradient = nil
        defer { self.inputGradient = inputGradient }
        let (X, Y, dropout) = (self.X, self.Y, self.dropout)
        summedLoss = network.loss.summedLoss(Z: buffers[L - 1].saved[0], A: buffers[L - 1].output, Y: Y)
        network.parameters.withViews { views in
            gradients.withMutableViews { gradientViews in
                buffers.withUnsafeMutableBufferPointer { b in
                    for l in stride(from: L, through: 1, by: -1) {
                        let layer = network.layers[l - 1]
                        let range = network.parameters.layerTensors[l - 1]
                        let seed: BackwardSeed<Scalar> = l == L
                            ? .loss(network.loss, labels: Y, divisor: seedDivisor)
                            : .outputGradient(b[l - 1].outputGradient!)
                        let input = l == 1 ? X : b[l - 2].output
                        let output = b[l - 1].activation
                        if l == 1 {
                            layer.backward(
                                seed, input: input, output: output, saved: b[0].saved, parameters: views.layer(range),
                                gradients: &b[0].gradients, parameterGradients: gradientViews.layer(range),
                                inputGradient: &inputGradient)
                        } else {
                            layer.backward(
                                seed, input: input, output: output, saved: b[l - 1].saved, parameters: views.layer(range),
                                gradients: &b[l - 1].gradients, parameterGradients: gradientViews.layer(range),
                                inputGradient: &b[l - 2].outputGradient)
                            // dA[l−1] ⊙ D[l−1] / p: the gradient reaches only the units kept.
                            if let dropout, dropout.masks[l - 2] != nil { dropout.apply(layer: l - 1, to: &b[l - 2].outputGradient!) }
                        }
                    }
                }
            }
        }
        return summedLoss
    }

    /// `A[L]`, the network's output.
    var output: Matrix<Scalar> { layers[layers.count - 1].output }

    /// The number of examples whose predicted class is the labelled one.
    func correctPredictions() -> Int { Metrics.correctCount(predictions: output, labels: Y) }
}
