/// The model for frameworks that take raw features: the standardisation folded into the first
/// dense layer.
extension Model {
    /// The network with ``standardizer`` folded in, so it takes raw features and gives what
    /// ``predict(_:)`` gives (to rounding).
    ///
    /// With `x' = (x − μ) / σ`, the first layer's `W x' + b` is `W' x + b'` where
    /// `W'[i, j] = W[i, j] / σ_j` and `b' = b − W' μ`. A first dense layer without a bias must be
    /// followed by batch norm, whose running mean takes the shift instead (`μ_running' =
    /// μ_running + W' μ`, exact in evaluation mode). Computed in `Double`, then rounded once.
    /// Without a standardiser the network is returned as it is.
    /// - Throws: when the first layer is not dense, or has no bias and no batch norm after it.
    public func foldedNetwork() throws -> Network<Scalar> {
        guard let standardizer else { return network }
        guard let first = network.layers.first as? Dense else {
            throw BackpropError.invalidArgument("the standardisation can only be folded into a first dense layer, and layer 1 is \(network.layers[0])")
        }
        let (mu, sigma) = (standardizer.means, standardizer.standardDeviations)
        let tensors = network.parameters.tensors(layer: 1)
        let W = network.parameters.matrix(tensors[tensors.startIndex])
        var folded = Matrix<Scalar>(rows: W.rows, columns: W.columns)
        var shift = [Double](repeating: 0, count: W.rows)
        for i in 0..<W.rows {
            for j in 0..<W.columns {
                let w = Double(W[i, j]) / sigma[j]
                folded[i, j] = Scalar(w)
                shift[i] += w * mu[j]
            }
        }
        var result = network
        try result.parameters.set(tensors[tensors.startIndex], to: folded)
        if first.hasBias {
            let bias = tensors[tensors.startIndex + 1]
            let b = network.parameters.matrix(bias)
            try result.parameters.set(bias, to: Matrix(rows: b.rows, columns: 1, columnMajor: ContiguousArray((0..<b.rows).map { Scalar(Double(b[$0, 0]) - shift[$0]) })))
        } else if network.depth > 1, network.layers[1] is BatchNorm,
                  let running = network.parameters.tensors(layer: 2).first(where: { $0.name.hasSuffix(".running_mean") }) {
            let mean = network.parameters.matrix(running)
            try result.parameters.set(running, to: Matrix(rows: mean.rows, columns: 1, columnMajor: ContiguousArray((0..<mean.rows).map { Scalar(Double(mean[$0, 0]) + shift[$0]) })))
        } else {
            throw BackpropError.invalidArgument("the first dense layer has no bias and no batch norm after it, so the standardisation's shift has nowhere to go")
        }
        return result
    }

    /// The model as PyTorch takes it: ``foldedNetwork()`` with no standardiser, the class names,
    /// task and run kept. Its file loads with `nn.Sequential(...).load_state_dict(...)` and
    /// takes raw features.
    public func folded() throws -> Model {
        var model = self
        model.network = try foldedNetwork()
        model.standardizer = nil
        return model
    }
}
