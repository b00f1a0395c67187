/// A pooling page of the ledger shows what the backward pass does with `dA`, in the course's
/// terms: max pooling's **mask** (``create_mask_from_window(_:)`` for every window at once,
/// laid over the input: 1 at each window's winner, 0 elsewhere) and average pooling's
/// **spread** (``distribute_value(_:_:)``: the share `dA/(f·f)` each entry of the window gets).
///
/// The mask is read from the argmax the forward pass kept, so it shows the very positions the
/// backward pass routed `dA` to: on a tie, the first maximum in row-major order (PyTorch's
/// rule; the course's `x == max(x)` would mark every tie). Where windows overlap (stride < f)
/// an input that wins several windows is still marked 1; the per-window argmax says which.
extension Pooling: DerivedLedgerEntries {
    var derivedNames: [String] { mode == .max ? ["mask"] : ["spread"] }

    func entries<Scalar: BackpropScalar>(
        saved: [Matrix<Scalar>], outputGradient: Matrix<Scalar>?
    ) -> [(name: String, value: Matrix<Scalar>)] {
        switch mode {
        case .max:
            guard let winners = saved.first, winners.rows == outputSize else { return [] }
            var mask = Matrix<Scalar>(rows: inputSize, columns: winners.columns)
            for e in 0..<winners.columns {
                for k in 0..<outputSize { mask[Int(winners[k, e]), e] = 1 }
            }
            return [("mask", mask)]
        case .average:
            guard let dA = outputGradient else { return [] }
            let share = 1 / Scalar(window * window)
            return [("spread", dA.map { $0 * share })]
        }
    }

    /// The argmax the forward pass kept (each output's winner as its index in the example's
    /// C·H·W column) as the winner's place in its own window, `di·f + dj` (row-major, as
    /// `np.unravel_index(k, (f, f))` reads it back): the course's per-window view.
    func windowOffsets<Scalar: BackpropScalar>(_ winners: Matrix<Scalar>) -> Matrix<Scalar> {
        let g = geometry
        let (H, W, nH, nW) = (g.input.height, g.input.width, g.outputHeight, g.outputWidth)
        var offsets = Matrix<Scalar>(rows: winners.rows, columns: winners.columns)
        for e in 0..<winners.columns {
            for k in 0..<winners.rows {
                let (c, position) = k.quotientAndRemainder(dividingBy: nH * nW)
                let (oh, ow) = position.quotientAndRemainder(dividingBy: nW)
                let (row, column) = (Int(winners[k, e]) - c * H * W).quotientAndRemainder(dividingBy: W)
                offsets[k, e] = Scalar((row - oh * stride) * window + column - ow * stride)
            }
        }
        return offsets
    }
}
