/// A layer whose output for one example depends on the whole batch through per-unit
/// statistics (batch normalization), with its training passes in halves so that the statistics
/// are the whole batch's even when the batch is split across thread shards or processes:
///
/// 1. forward: each part takes the ``BatchMoments`` of its input (``moments(of:)``); the parts'
///    moments are combined (Chan's formula, in part order, then across processes); each part
///    finishes with the combined ones (``forward(_:batch:parameters:saved:output:)``);
/// 2. backward: each part computes its gradients as far as the per-unit sums and returns them
///    (``backwardSums(_:input:output:saved:parameters:gradients:parameterGradients:)``); the
///    sums are added across parts; each part finishes (``backward(sums:batch:input:saved:parameters:gradients:inputGradient:)``);
/// 3. after the optimizer step, the layer updates its running state once from the batch's
///    moments (``updateState(batch:state:)``).
///
/// One part, one process: the halves simply run back to back (what ``Layer/forward(_:parameters:mode:saved:output:)``
/// and ``Layer/backward(_:input:output:saved:parameters:gradients:parameterGradients:inputGradient:)``
/// do for such a kind). Inference uses the running state and needs no statistics.
public protocol BatchStatisticsLayer: Layer {
    /// The per-unit moments of this part's input.
    func moments<Scalar: BackpropScalar>(of input: Matrix<Scalar>) -> BatchMoments

    /// The training forward pass of this part with the whole batch's `moments`.
    func forward<Scalar: BackpropScalar>(
        _ input: Matrix<Scalar>, batch moments: BatchMoments, parameters: ParameterViews<Scalar>,
        saved: inout [Matrix<Scalar>], output: inout Matrix<Scalar>)

    /// The first half of the backward pass: this part's gradients up to the per-unit sums over
    /// its examples, written to `gradients` and (as this part's sums) to `parameterGradients`;
    /// returns the sums the second half needs over the whole batch.
    func backwardSums<Scalar: BackpropScalar>(
        _ seed: BackwardSeed<Scalar>, input: Matrix<Scalar>, output: Matrix<Scalar>,
        saved: [Matrix<Scalar>], parameters: ParameterViews<Scalar>,
        gradients: inout [Matrix<Scalar>], parameterGradients: MutableParameterViews<Scalar>) -> [Double]

    /// The second half: with the whole batch's `sums` and `moments`, the remaining intermediate
    /// gradients and, when `inputGradient` is not `nil`, the gradient with respect to the input.
    func backward<Scalar: BackpropScalar>(
        sums: [Double], batch moments: BatchMoments, input: Matrix<Scalar>, saved: [Matrix<Scalar>],
        parameters: ParameterViews<Scalar>, gradients: inout [Matrix<Scalar>], inputGradient: inout Matrix<Scalar>?)

    /// Updates the running state (not trained, see ``ParameterSpec/state(name:symbol:shape:isVector:)``)
    /// from one training batch's moments.
    func updateState<Scalar: BackpropScalar>(batch moments: BatchMoments, state: MutableParameterViews<Scalar>)
}

extension BatchStatisticsLayer {
    public var mixesExamples: Bool { true }
}
