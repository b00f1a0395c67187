/// The layer outputs of an inference pass, kept from one call to the next.
///
/// ``Network/predict(_:)`` allocates every layer's output on each call. For a large batch
/// those are big blocks (256 × 1,024 floats is 1 MiB), which the C allocator maps fresh from
/// the kernel and returns to it on every call: on an AMD EPYC (Zen 4) the page faults took a
/// quarter to a half of an MNIST MLP's batch-1024 inference (4.0–6.2 ms a call against
/// 2.9–3.2 ms with the allocator told to keep its memory). A loop that predicts batch after batch keeps
/// one value of this type and passes it to ``Network/predict(_:reusing:)``, so each layer
/// writes into the block it wrote last time.
///
/// The buffers fit whichever network and batch size used them last; another shape simply
/// replaces them. They hold no state that affects a result. They do hold every layer's output
/// (the layers' widths added, times the batch size, in numbers), where a one-off
/// ``Network/predict(_:)`` keeps at most two layers' outputs alive at a time.
public struct InferenceBuffers<Scalar: BackpropScalar>: Sendable {
    /// Layer `l`'s output at index `l − 1`.
    var outputs: [Matrix<Scalar>] = []

    /// Empty buffers; the first call sizes them.
    public init() {}

    /// Makes room for `count` layers' outputs, keeping those already there.
    mutating func prepare(layers count: Int) {
        if outputs.count < count {
            outputs.append(contentsOf: repeatElement(Matrix(rows: 0, columns: 0), count: count - outputs.count))
        }
    }
}
