import BackpropKernels

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
    /// The whole batch's moments of the input, for a layer that mixes examples (set by a
    /// training forward pass).
    var moments: BatchMoments? = nil

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
        if indices.count == data.count && Self.isIdentity(indices) {
            X = data.X
            Y = data.Y
            return
        }
        precondition(indices.allSatisfy { (0..<data.count).contains($0) }, "batch index outside the data (\(data.count) examples)")
        Self.gather(data.X, indices, into: &X)
        Self.gather(data.Y, indices, into: &Y)
    }

    /// Whether `indices` is 0, 1, 2, …: one loop without branches, as it runs every full-batch
    /// step (the generic `zip(…).allSatisfy` it replaces was 1.3% of a course-network step).
    private static func isIdentity(_ indices: ArraySlice<Int>) -> Bool {
        indices.withUnsafeBufferPointer { p in
            var differences = 0
            for i in 0..<p.count { differences |= p[i] ^ i }
            return differences == 0
        }
    }

    /// The columns `indices` (checked by the caller) of `source`, in order, into `target`:
    /// `bp_gather_columns`, which prefetches the columns a few places ahead (a shuffled batch's
    /// columns are scattered over a data set much larger than the caches).
    private static func gather(_ source: Matrix<Scalar>, _ indices: ArraySlice<Int>, into target: inout Matrix<Scalar>) {
        let bytes = source.rows * MemoryLayout<Scalar>.stride
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                indices.withUnsafeBufferPointer { i in
                    guard let from = s.baseAddress, let to = t.baseAddress, let first = i.baseAddress, bytes > 0 else { return }
                    bp_gather_columns(from, bytes, first, i.count, to)
                }
            }
        }
    }

    /// Forward pass over ``X``: every layer's output and saved tensors, dropout masks applied
    /// after each layer that has one. A layer that mixes examples (``BatchStatisticsLayer``)
    /// takes its input's moments, hands them to `combine` (which makes them the whole batch's,
    /// across processes), and normalizes with the result.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func forward(
        _ network: Network<Scalar>, dropout: DropoutMasks<Scalar>?, mode: PassMode = .training,
        combine: (inout BatchMoments) throws -> Void
    ) rethrows {
        self.dropout = dropout
        for index in layers.indices {
            if let mixing = Self.mixing(network, index, mode) {
                var moments = forwardMoments(index, mixing)
                try combine(&moments)
                forwardLayer(index, network, mode: mode, moments: moments)
            } else {
                forwardLayer(index, network, mode: mode)
            }
        }
    }

    /// The forward pass of one process: batch statistics are this pass's own.
    mutating func forward(_ network: Network<Scalar>, dropout: DropoutMasks<Scalar>?, mode: PassMode = .training) {
        forward(network, dropout: dropout, mode: mode, combine: { _ in })
    }

    /// Layer `index` (0-based) as a layer whose training passes need batch statistics, or `nil`.
    static func mixing(_ network: Network<Scalar>, _ index: Int, _ mode: PassMode) -> (any BatchStatisticsLayer)? {
        guard mode == .training, network.layers[index].mixesExamples else { return nil }
        return network.layers[index] as? any BatchStatisticsLayer
    }

    /// The moments of layer `index`'s input over this pass's examples.
    func forwardMoments(_ index: Int, _ layer: any BatchStatisticsLayer) -> BatchMoments {
        layer.moments(of: index == 0 ? X : layers[index - 1].output)
    }

    /// Layer `index`'s forward pass (0-based) from the previous layer's output, then its dropout
    /// mask; with `moments`, a layer that mixes examples normalizes with them (the whole batch's).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func forwardLayer(_ index: Int, _ network: Network<Scalar>, mode: PassMode, moments: BatchMoments? = nil) {
        let (X, dropout) = (self.X, self.dropout)
        let layer = network.layers[index]
        let mixing = moments == nil ? nil : layer as? any BatchStatisticsLayer
        withLayerBuffers { b in
            b[index].moments = moments
            network.parameters.withViews { views in
                let parameters = views.layer(network.parameters.layerTensors[index])
                let input = index == 0 ? X : b[index - 1].output
                func run(into output: inout Matrix<Scalar>) {
                    if let mixing, let moments {
                        mixing.forward(input, batch: moments, parameters: parameters, saved: &b[index].saved, output: &output)
                    } else {
                        layer.forward(input, parameters: parameters, mode: mode, saved: &b[index].saved, output: &output)
                    }
                }
                if let dropout, dropout.masks[index] != nil {
                    // g(Z) goes to its own buffer (the derivative needs it), A = g(Z) ⊙ D / p.
                    if b[index].undropped?.shape != b[index].output.shape { b[index].undropped = b[index].output }
                    run(into: &b[index].undropped!)
                    dropout.apply(layer: index + 1, from: b[index].undropped!, into: &b[index].output)
                } else {
                    b[index].undropped = nil
                    run(into: &b[index].output)
                }
            }
        }
    }

    /// Calls `body` with the layers' buffers, moved out of `self` for the call (so a layer can
    /// write one buffer while reading another without a copy).
    private mutating func withLayerBuffers<R>(_ body: (UnsafeMutableBufferPointer<LayerBuffers<Scalar>>) throws -> R) rethrows -> R {
        var buffers: [LayerBuffers<Scalar>] = []
        swap(&buffers, &layers)
        defer { swap(&buffers, &layers) }
        return try buffers.withUnsafeMutableBufferPointer { try body($0) }
    }

    /// Backward pass from the loss on ``Y``: `dZ[L] = ∂L/∂Z[L] / seedDivisor` (``Loss``), then
    /// every layer down to the first. The parameter gradients are sums, divided by `seedDivisor`
    /// only (``Gradients/finalize(examples:convention:l2:parameters:)`` does the rest); returns
    /// `Σ L`. A layer that mixes examples hands its per-unit sums to `combine` (which makes them
    /// the whole batch's) before finishing; `finished(l, gradients)` follows each layer `l`,
    /// whose parameter gradients are then complete.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    @discardableResult
    mutating func backward(
        _ network: Network<Scalar>, seedDivisor: Scalar, combine: (inout [Double]) throws -> Void,
        finished: (Int, Gradients<Scalar>) throws -> Void = { _, _ in }
    ) rethrows -> Double {
        beginBackward(network)
        for l in stride(from: network.depth, through: 1, by: -1) {
            if let mixing = Self.mixing(network, l - 1, .training), layers[l - 1].moments != nil {
                var sums = backwardSums(l, mixing, network, seedDivisor: seedDivisor)
                try combine(&sums)
                finishBackward(l, mixing, network, sums: sums)
            } else {
                backwardLayer(l, network, seedDivisor: seedDivisor)
            }
            // Layer l's parameter gradients are final: a data-parallel step sends them now.
            try finished(l, gradients)
        }
        return summedLoss
    }

    /// The backward pass of one process.
    @discardableResult
    mutating func backward(_ network: Network<Scalar>, seedDivisor: Scalar) -> Double {
        backward(network, seedDivisor: seedDivisor, combine: { _ in }, finished: { _, _ in })
    }

    /// The backward pass of one shard of a ``ShardedStep`` over layers that do not mix examples:
    /// a dense layer `l` with `wholeBatchWeights[l − 1]` leaves its `dW` out, for the step to
    /// compute once for the whole batch. Returns `Σ L`.
    mutating func backward(_ network: Network<Scalar>, seedDivisor: Scalar, wholeBatchWeights: [Bool]) -> Double {
        beginBackward(network)
        for l in stride(from: network.depth, through: 1, by: -1) {
            backwardLayer(l, network, seedDivisor: seedDivisor, weightGradient: !wholeBatchWeights[l - 1])
        }
        return summedLoss
    }

    /// `Σ L` over the batch, kept in ``summedLoss``.
    mutating func beginBackward(_ network: Network<Scalar>) {
        let last = layers[network.depth - 1]
        summedLoss = network.loss.summedLoss(Z: last.saved[0], A: last.output, Y: Y)
    }

    /// Where layer `l`'s backward pass starts: the loss for the output layer, `dA[l]` otherwise.
    private static func seed(
        _ l: Int, _ network: Network<Scalar>, _ b: UnsafeMutableBufferPointer<LayerBuffers<Scalar>>,
        labels Y: Matrix<Scalar>, divisor: Scalar
    ) -> BackwardSeed<Scalar> {
        l == network.depth ? .loss(network.loss, labels: Y, divisor: divisor) : .outputGradient(b[l - 1].outputGradient!)
    }

    /// Calls `body` with layer `l`'s input, its parameters and gradient views, the buffers, and
    /// where `dA[l−1]` goes (``inputGradient`` for the first layer, moved out for the call); then
    /// applies layer `l − 1`'s dropout mask to `dA[l−1]`.
    private mutating func withBackwardContext(
        _ l: Int, _ network: Network<Scalar>,
        _ body: (Matrix<Scalar>, ParameterViews<Scalar>, MutableParameterViews<Scalar>,
                 UnsafeMutableBufferPointer<LayerBuffers<Scalar>>, inout Matrix<Scalar>?) -> Void
    ) {
        var inputGradient = self.inputGradient
        self.inputGradient = nil
        defer { self.inputGradient = inputGradient }
        let (X, dropout) = (self.X, self.dropout)
        let range = network.parameters.layerTensors[l - 1]
        var gradients = Gradients<Scalar>(tensors: [], slab: [])
        swap(&gradients, &self.gradients)
        defer { swap(&gradients, &self.gradients) }
        withLayerBuffers { b in
            network.parameters.withViews { views in
                gradients.withMutableViews { gradientViews in
                    let input = l == 1 ? X : b[l - 2].output
                    if l == 1 {
                        body(input, views.layer(range), gradientViews.layer(range), b, &inputGradient)
                    } else {
                        body(input, views.layer(range), gradientViews.layer(range), b, &b[l - 2].outputGradient)
                        // dA[l−1] ⊙ D[l−1] / p: the gradient reaches only the units kept.
                        if let dropout, dropout.masks[l - 2] != nil { dropout.apply(layer: l - 1, to: &b[l - 2].outputGradient!) }
                    }
                }
            }
        }
    }

    /// Layer `l`'s whole backward pass (1-based).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func backwardLayer(_ l: Int, _ network: Network<Scalar>, seedDivisor: Scalar, weightGradient: Bool = true) {
        let (layer, Y) = (network.layers[l - 1], self.Y)
        let dense = weightGradient ? nil : layer as? Dense
        precondition(weightGradient || dense != nil, "only a dense layer's dW can be left to the whole batch")
        withBackwardContext(l, network) { input, parameters, gradientViews, b, inputGradient in
            if let dense {
                dense.backward(
                    Self.seed(l, network, b, labels: Y, divisor: seedDivisor), input: input, output: b[l - 1].activation,
                    saved: b[l - 1].saved, parameters: parameters, gradients: &b[l - 1].gradients,
                    parameterGradients: gradientViews, inputGradient: &inputGradient, weightGradient: false)
                return
            }
            layer.backward(
                Self.seed(l, network, b, labels: Y, divisor: seedDivisor), input: input, output: b[l - 1].activation,
                saved: b[l - 1].saved, parameters: parameters, gradients: &b[l - 1].gradients,
                parameterGradients: gradientViews, inputGradient: &inputGradient)
        }
    }

    /// The first half of a mixing layer's backward pass; returns the sums to combine.
    mutating func backwardSums(_ l: Int, _ layer: any BatchStatisticsLayer, _ network: Network<Scalar>, seedDivisor: Scalar) -> [Double] {
        var sums: [Double] = []
        let Y = self.Y
        withBackwardContext(l, network) { input, parameters, gradientViews, b, _ in
            sums = layer.backwardSums(
                Self.seed(l, network, b, labels: Y, divisor: seedDivisor), input: input, output: b[l - 1].activation,
                saved: b[l - 1].saved, parameters: parameters, gradients: &b[l - 1].gradients,
                parameterGradients: gradientViews)
        }
        return sums
    }

    /// The second half, with the whole batch's `sums`.
    mutating func finishBackward(_ l: Int, _ layer: any BatchStatisticsLayer, _ network: Network<Scalar>, sums: [Double]) {
        withBackwardContext(l, network) { input, parameters, _, b, inputGradient in
            let moments = b[l - 1].moments ?? layer.moments(of: input)
            layer.backward(
                sums: sums, batch: moments, input: input, saved: b[l - 1].saved, parameters: parameters,
                gradients: &b[l - 1].gradients, inputGradient: &inputGradient)
        }
    }

    /// `A[L]`, the network's output.
    var output: Matrix<Scalar> { layers[layers.count - 1].output }

    /// The number of examples whose predicted class is the labelled one.
    func correctPredictions() -> Int { Metrics.correctCount(predictions: output, labels: Y) }
}
