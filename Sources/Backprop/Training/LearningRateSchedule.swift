import RealModule

/// How the learning rate α changes with the epoch (0-based), as the course writes the decays.
public enum LearningRateSchedule: Hashable, Sendable, Codable, CustomStringConvertible {
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

    /// Parses `constant`, `step:EVERY:FACTOR` (EVERY a whole number ≥ 1), `exponential:RATE`, `inverse:RATE[:INTERVAL]`,
    /// `cosine` (over the run's epochs, minimum 0) or `cosine:MIN`.
    public init?(name: String, epochs: Int) {
        let parts = name.lowercased().split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let arguments = Array(parts.dropFirst())
        func real(_ i: Int) -> Double? { Double(arguments[i]).flatMap { $0.isFinite ? $0 : nil } }
        func count(_ i: Int) -> Int? { Int(arguments[i]).flatMap { $0 >= 1 ? $0 : nil } }
        switch (parts[0], arguments.count) {
        case ("constant", 0), ("none", 0): self = .constant
        case ("step", 2):
            guard let every = count(0), let factor = real(1) else { return nil }
            self = .step(every: every, factor: factor)
        case ("exponential", 1), ("exp", 1):
            guard let rate = real(0) else { return nil }
            self = .exponential(rate: rate)
        case ("inverse", 1), ("inverse-time", 1):
            guard let rate = real(0) else { return nil }
            self = .inverseTime(decayRate: rate, interval: 1)
        case ("inverse", 2), ("inverse-time", 2):
            guard let rate = real(0), let interval = count(1) else { return nil }
            self = .inverseTime(decayRate: rate, interval: interval)
        case ("cosine", 0): self = .cosine(epochs: epochs, minimum: 0)
        case ("cosine", 1):
            guard let minimum = real(0) else { return nil }
            self = .cosine(epochs: epochs, minimum: minimum)
        default: return nil
        }
    }

    /// Why the schedule would make a rate that is not positive and finite, or `nil` when it
    /// cannot: a step factor or exponential rate outside (0, 1], an inverse-time rate that is not
    /// positive, a cosine minimum below 0, or a count below 1.
    public var problem: String? {
        switch self {
        case .constant: return nil
        case let .step(every, factor):
            if every < 1 { return "EVERY must be at least 1, not \(every)" }
            if !(factor > 0 && factor <= 1) { return "the factor must be in (0, 1], not \(factor)" }
        case let .exponential(rate):
            if !(rate > 0 && rate <= 1) { return "the rate (a factor per epoch) must be in (0, 1], not \(rate)" }
        case let .inverseTime(decayRate, interval):
            if !(decayRate > 0 && decayRate.isFinite) { return "the rate must be a positive finite number, not \(decayRate)" }
            if interval < 1 { return "the interval must be at least 1, not \(interval)" }
        case let .cosine(epochs, minimum):
            if epochs < 0 { return "the epoch count must be ≥ 0, not \(epochs)" }
            if !(minimum >= 0 && minimum.isFinite) { return "the minimum must be a finite number ≥ 0, not \(minimum)" }
        }
        return nil
    }

    /// Throws ``problem``, naming the schedule.
    public func validate() throws {
        if let problem { throw BackpropError.invalidArgument("schedule \(description): \(problem)") }
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
