/// A layer whose ledger page shows more than its pass keeps: tensors worked out, for the
/// reader, from the buffers the pass wrote (a max pool's 0/1 mask from its argmax, an average
/// pool's spread from its `dA`). They are never inputs to the pass, and the same under both
/// conventions except where they are read from a gradient.
protocol DerivedLedgerEntries {
    /// The names of the derived entries, as ``entries(saved:outputGradient:)`` gives them.
    var derivedNames: [String] { get }
    /// The derived entries from the layer's saved tensors and its `dA` (`nil` for an output
    /// layer), each `(rows, m)` like the page's other entries.
    func entries<Scalar: BackpropScalar>(
        saved: [Matrix<Scalar>], outputGradient: Matrix<Scalar>?
    ) -> [(name: String, value: Matrix<Scalar>)]
}
