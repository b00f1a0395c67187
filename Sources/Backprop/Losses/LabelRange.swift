/// Which labels a computation accepts.
///
/// Training takes only labels its loss is defined for (``Loss/validate(labels:source:range:)``
/// with ``loss``). The analysis commands — a ledger, a gradient check, a derivation check —
/// compute with any finite `Y` (``anyFinite``): the course's own early tests use
/// `Y = randn(…)`, and `∂L/∂Z = A − Y` holds for any `Y`.
public enum LabelRange: Sendable, Equatable {
    /// The loss's own range: BCE labels in [0, 1], CE columns non-negative summing to 1.
    case loss
    /// Any finite values.
    case anyFinite
}

extension Loss {
    /// A warning when `Y` is finite but outside what this loss expects (e.g. BCE labels
    /// outside [0, 1]); `nil` when the labels fit, or are not finite (which
    /// ``validate(labels:source:range:)`` refuses).
    public func labelWarning<T>(_ Y: Matrix<T>, source: String = "Y") -> String? {
        guard (try? validate(labels: Y, source: source, range: .anyFinite)) != nil else { return nil }
        do {
            try validate(labels: Y, source: source)
            return nil
        } catch {
            let what = self == .binaryCrossEntropy ? "binary cross-entropy expects labels in [0, 1]" : "\(self) expects other labels"
            return "\(what); computing with them as given (\(error))"
        }
    }
}
