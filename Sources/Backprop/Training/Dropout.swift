/// Inverted dropout masks for one forward pass: `A[l] = A[l] ⊙ D[l] / p[l]` forward and
/// `dA[l] = dA[l] ⊙ D[l] / p[l]` backward, for hidden layers only.
///
/// Drawing the masks is separate from using them, so a gradient check can hold one mask fixed
/// while it nudges the parameters.
public struct DropoutMasks<Scalar: BackpropScalar>: Sendable {
    /// `D[l]` for layers `1 … L` (index `l − 1`); `nil` where the layer keeps every unit.
    public let masks: [Matrix<Scalar>?]
    /// `p[l]`, the keep probability of each layer (1 where there is no mask).
    public let keepProbabilities: [Double]

    /// Draws masks for `network` on `m` examples: entry `D[l]_{ij} = 1` with probability `p`,
    /// taken as `uniform < p`, row-major within each layer, layer 1 first.
    ///
    /// - Parameters:
    ///   - keepProbabilities: `p` for each hidden layer (`L − 1` values), or one value
    ///     for all of them. A value of 1 means no dropout in that layer.
    ///   - network: the network whose hidden layers get masks.
    ///   - m: the number of examples (columns of each mask).
    ///   - generator: the uniform draws.
    public init(
        keepProbabilities: [Double], network: Network<Scalar>, examples m: Int,
        using generator: inout SeededGenerator
    ) throws {
        // The hidden layers are those that end in an activation: a linear layer before batch
        // norm is not one (the mask goes after the batch norm's activation).
        let hiddenLayers = network.hiddenActivationLayers
        let hidden = hiddenLayers.count
        let given = keepProbabilities.count == 1 ? Array(repeating: keepProbabilities[0], count: hidden) : keepProbabilities
        guard given.count == hidden else {
            throw BackpropError.invalidArgument("dropout needs one keep probability or \(hidden) (one per hidden layer), got \(keepProbabilities.count)")
        }
        if let bad = given.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw BackpropError.invalidArgument("a keep probability must be in (0, 1], not \(bad)")
        }
        var keep = Array(repeating: 1.0, count: network.depth)
        for (index, l) in hiddenLayers.enumerated() { keep[l - 1] = given[index] }
        var masks: [Matrix<Scalar>?] = []
        for l in 1...network.depth {
            guard keep[l - 1] < 1 else {
                masks.append(nil)
                continue
            }
            masks.append(Self.draw(rows: network.layers[l - 1].outputSize, columns: m, keep: keep[l - 1], using: &generator))
        }
        self.masks = masks
        self.keepProbabilities = keep
    }

    /// One layer's mask, drawn row by row (the documented order) into column-major storage.
    /// Writing each draw straight to its place would touch a new cache line every time (a
    /// column of a convolution's output is tens of KiB long); instead a band of rows is drawn
    /// into a small column-major tile, then each column's part of the band is copied at once.
    private static func draw(rows: Int, columns m: Int, keep: Double, using generator: inout SeededGenerator) -> Matrix<Scalar> {
        var D = Matrix<Scalar>(uninitializedRows: rows, columns: m)
        let band = Swift.max(1, Swift.min(rows, (1 << 15) / Swift.max(m, 1)))
        withUnsafeTemporaryAllocation(of: Scalar.self, capacity: band * m) { tile in
            D.withUnsafeMutableBufferPointer { d in
                for start in stride(from: 0, to: rows, by: band) {
                    let height = Swift.min(band, rows - start)
                    for i in 0..<height {
                        for j in 0..<m { tile[i + j * height] = generator.nextUniform() < keep ? 1 : 0 }
                    }
                    for j in 0..<m {
                        (d.baseAddress! + start + j * rows).update(from: tile.baseAddress! + j * height, count: height)
                    }
                }
            }
        }
        return D
    }

    /// Masks from given uniform draws, as the course writes them: `D[l] = (U[l] < p[l])`
    /// (`D1 = np.random.rand(…); D1 = (D1 < keep_prob).astype(int)`), so a learner's own draws
    /// give the course's digits.
    ///
    /// - Parameters:
    ///   - draws: `U[l]` for layers `1 … L` (index `l − 1`, `(n_l, m)`), `nil` for a layer without
    ///     dropout (the output layer always).
    ///   - keepProbabilities: `p[l]` for the same layers (ignored where `draws` is `nil`).
    /// - Throws: when the counts differ or a probability is not in (0, 1].
    public init(draws: [Matrix<Scalar>?], keepProbabilities: [Double]) throws {
        guard draws.count == keepProbabilities.count else {
            throw BackpropError.invalidArgument("dropout needs one keep probability per layer's draws: \(draws.count) draws, \(keepProbabilities.count) probabilities")
        }
        if let bad = keepProbabilities.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw BackpropError.invalidArgument("a keep probability must be in (0, 1], not \(bad)")
        }
        masks = zip(draws, keepProbabilities).map { U, p in
            U.map { U in
                var D = U
                D.withUnsafeMutableBufferPointer { d in
                    for i in d.indices { d[i] = Double(d[i]) < p ? 1 : 0 }
                }
                return D
            }
        }
        self.keepProbabilities = zip(draws, keepProbabilities).map { $0 == nil ? 1 : $1 }
    }

    init(masks: [Matrix<Scalar>?], keepProbabilities: [Double]) {
        self.masks = masks
        self.keepProbabilities = keepProbabilities
    }

    /// The same masks in another precision.
    public func converted<Other: BackpropScalar>(to _: Other.Type = Other.self) -> DropoutMasks<Other> {
        DropoutMasks<Other>(masks: masks.map { $0?.converted() }, keepProbabilities: keepProbabilities)
    }

    /// Writes `source ⊙ D[l] / p[l]` into `target` (same shape), reusing its storage.
    /// The masks of the examples (columns) `range` only: a shard of the batch.
    func columns(_ range: Range<Int>) -> DropoutMasks {
        DropoutMasks(masks: masks.map { $0?.columns(range) }, keepProbabilities: keepProbabilities)
    }

    func apply(layer l: Int, from source: Matrix<Scalar>, into target: inout Matrix<Scalar>) {
        guard let D = masks[l - 1] else { return }
        let scale = 1 / Scalar(keepProbabilities[l - 1])
        precondition(D.shape == source.shape && target.shape == source.shape,
            "shape mismatch in dropout: mask \(D.shape), \(source.shape) into \(target.shape)")
        target.withUnsafeMutableBufferPointer { a in
            source.withUnsafeBufferPointer { s in
                D.withUnsafeBufferPointer { d in
                    for i in a.indices { a[i] = s[i] * d[i] * scale }
                }
            }
        }
    }

    /// Applies `⊙ D[l] / p[l]` to `matrix` (an activation forward, a gradient backward).
    func apply(layer l: Int, to matrix: inout Matrix<Scalar>) {
        guard let D = masks[l - 1] else { return }
        let scale = 1 / Scalar(keepProbabilities[l - 1])
        precondition(D.shape == matrix.shape, "shape mismatch in dropout: mask \(D.shape) and \(matrix.shape)")
        matrix.withUnsafeMutableBufferPointer { a in
            D.withUnsafeBufferPointer { d in
                for i in a.indices { a[i] = a[i] * d[i] * scale }
            }
        }
    }
}

extension Network {
    /// The 1-based layers dropout may follow: every layer but the last that ends in an
    /// activation (for a dense network, layers `1 … L−1`; with batch norm, its layers, not the
    /// linear layers before them).
    var hiddenActivationLayers: [Int] {
        (1..<depth).filter { layers[$0 - 1].activation != nil }
    }
}
