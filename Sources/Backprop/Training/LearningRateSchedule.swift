import RealModule

/// How the learning rate α changes with the epoch (0-based), as the course writes the decays.
public enum LearningRateSchedule: Hashable, Sendable, CustomStringConvertible {
    /// `α = α₀` throughout.
    case constant
    /// `α = α₀ · factor^⌊epoch / every⌋`.
    case step(every: Int, factor: Double)
    /// `α = α₀ · rate^epoch` (the course's `0.95^epoch_num · α₀`).
    case exponential(rate: Double)
    /// `α = α₀ / (1 + decayRate · ⌊epoch / interval⌋)` (the course's `schedule_lr_decay`;
    /// `interval = 1` is plain inverse-time decay).
    case inverseTime(decayRate: Double, interval: Int)
    /// `α = α_min + ½ (α₀ − α_min)(1 + cos(π · epoch / epochs))`.
    case cosine(epochs: Int, minimum: Double)

    /// The learning rate for `epoch` (0-based) from the initial rate `initial`.
    public func rate(initial: Double, epoch: Int) -> Double {
        switch self {
        case .constant:
            return initial
        case let .step(every, factor):
            return initial * Double.pow(factor, Double(epoch / Swift.max(every, 1)))
        case let .exponential(rate):
            return initial * Double.pow(rate, Double(epoch))
        case let .inverseTime(decayRate, interval):
            return initial / (1 + decayRate * Double(epoch / Swift.max(interval, 1)))
        case let .cosine(epochs, minimum):
            let progress = Double(Swift.min(epoch, epochs)) / Double(Swift.max(epochs, 1))
            return minimum + 0.5 * (initial - minimum) * (1 + Double.cos(Double.pi * progress))
        }
    }

    /// Parses `constant`, `step:EVERY:FACTOR`, `exponential:RATE`, `inverse:RATE[:INTERVAL]`,
    /// `cosine` (over the run's epochs, minimum 0) or `cosine:MIN`.
    public init?(name: String, epochs: Int) {
        let parts = name.lowercased().split(separator: ":").map(String.init)
        let numbers = parts.dropFirst().map { Double($0) }
        guard numbers.allSatisfy({ $0 != nil && $0!.isFinite }) else { return nil }
        let values = numbers.map { $0! }
        switch (parts.first ?? "", values.count) {
        case ("constant", 0), ("none", 0): self = .constant
        case ("step", 2) where values[0] >= 1: self = .step(every: Int(values[0]), factor: values[1])
        case ("exponential", 1), ("exp", 1): self = .exponential(rate: values[0])
        case ("inverse", 1), ("inverse-time", 1): self = .inverseTime(decayRate: values[0], interval: 1)
        case ("inverse", 2) where values[1] >= 1, ("inverse-time", 2) where values[1] >= 1:
            self = .inverseTime(decayRate: values[0], interval: Int(values[1]))
        case ("cosine", 0): self = .cosine(epochs: epochs, minimum: 0)
        case ("cosine", 1): self = .cosine(epochs: epochs, minimum: values[0])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .constant: "constant"
        case let .step(every, factor): "step:\(every):\(factor)"
        case let .exponential(rate): "exponential:\(rate)"
        case let .inverseTime(rate, interval): "inverse:\(rate):\(interval)"
        case let .cosine(_, minimum): "cosine:\(minimum)"
        }
    }
}
