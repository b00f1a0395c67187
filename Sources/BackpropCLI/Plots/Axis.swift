import Foundation

/// The domain and tick marks of one chart axis, either linear or logarithmic.
///
/// Linear axes place ticks at "nice" multiples of 1, 2 or 5 × 10ⁿ.
/// Logarithmic axes place major ticks at powers of ten, with unlabelled minor
/// ticks at 2…9 × 10ⁿ; when the axis spans at most two decades the 2 and 5
/// minor ticks are labelled as well.
struct Axis {
    /// One tick position on an axis.
    struct Tick {
        /// The data value at which the tick sits.
        var value: Double
        /// The text drawn next to the tick, or `nil` for an unlabelled grid line.
        var label: String?
        /// Major ticks get darker grid lines and a tick mark.
        var isMajor: Bool
    }

    /// The data value at the start (left or bottom) of the axis.
    let lower: Double
    /// The data value at the end (right or top) of the axis.
    let upper: Double
    /// Whether values are mapped through log₁₀.
    let isLogarithmic: Bool
    /// Ticks in increasing order, all within `lower...upper`.
    private(set) var ticks: [Tick]

    /// The ticks that carry a label.
    var labelledTicks: [Tick] { ticks.filter { $0.label != nil } }

    /// Maps a data value to its relative position along the axis (0 at
    /// `lower`, 1 at `upper`). Returns `nil` for values that cannot be placed:
    /// non-finite values, or non-positive values on a logarithmic axis.
    func fraction(of value: Double) -> Double? {
        guard value.isFinite else { return nil }
        if isLogarithmic {
            guard value > 0 else { return nil }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        }
        return (value - lower) / (upper - lower)
    }

    // MARK: - Linear axes

    /// Builds a linear axis covering `minimum...maximum`.
    ///
    /// Degenerate input is repaired so that something can always be drawn:
    /// non-finite bounds become `0...1`, and an empty range (a single value)
    /// is padded by 10 % of its magnitude (or ±1 around zero).
    ///
    /// - Parameters:
    ///   - minimum: Smallest data value.
    ///   - maximum: Largest data value.
    ///   - targetTickCount: Roughly how many ticks to aim for.
    ///   - extendToNiceBounds: When `true` the domain grows outwards to the
    ///     nearest tick on each side; when `false` it is exactly the (repaired) input range.
    ///   - integerSteps: Forces the tick step to be a whole number (for counts such as epochs).
    static func linear(
        minimum: Double, maximum: Double, targetTickCount: Int = 6,
        extendToNiceBounds: Bool = true, integerSteps: Bool = false
    ) -> Axis {
        var low = minimum.isFinite ? minimum : 0
        var high = maximum.isFinite ? maximum : (minimum.isFinite ? minimum : 1)
        if low > high { swap(&low, &high) }
        if high - low <= 1e-12 * max(1, abs(low), abs(high)) {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        var step = niceStep(span: high - low, targetCount: max(1, targetTickCount))
        if integerSteps { step = max(step, 1) }
        if extendToNiceBounds {
            low = (low / step + 1e-9).rounded(.down) * step
            high = (high / step - 1e-9).rounded(.up) * step
        }
        var values: [Double] = []
        let first = (low / step - 1e-9).rounded(.up)
        var index = 0.0
        while values.count < 1000 {
            var value = (first + index) * step
            if value > high + step * 1e-9 { break }
            if abs(value) < step * 1e-9 { value = 0 }
            values.append(value)
            index += 1
        }
        let labels = linearLabels(values, step: step).map(typographicMinus)
        let ticks = zip(values, labels).map { Tick(value: $0, label: $1, isMajor: true) }
        return Axis(lower: low, upper: high, isLogarithmic: false, ticks: ticks)
    }

    /// The 1-2-5 × 10ⁿ step that divides `span` into about `targetCount` intervals.
    static func niceStep(span: Double, targetCount: Int) -> Double {
        guard span.isFinite, span > 0 else { return 1 }
        let raw = span / Double(max(1, targetCount))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let normalized = raw / magnitude
        let factor: Double
        switch normalized {
        case ..<1.5: factor = 1
        case ..<3.5: factor = 2
        case ..<7.5: factor = 5
        default: factor = 10
        }
        return factor * magnitude
    }

    /// Labels for evenly spaced linear ticks: fixed-point with just enough
    /// decimals for `step`, or compact scientific notation (`2.5e-5`, `1e6`)
    /// for very large or very small values.
    static func linearLabels(_ values: [Double], step: Double) -> [String] {
        let decimals = max(0, -Int((log10(step) + 1e-9).rounded(.down)))
        let largest = values.map(abs).max() ?? 0
        let fixed = values.map { SVGDocument.format($0, decimals: decimals) }
        guard largest >= 1e6 || decimals > 4 else { return fixed }
        let scientific = values.map { scientificLabel($0, significantDecimals: 2) }
        return Set(scientific).count == scientific.count ? scientific : fixed
    }

    /// A `%g`-like label for an arbitrary value: plain decimals for moderate
    /// magnitudes (`0.001`, `2000`), scientific notation otherwise (`1e-5`).
    static func label(for value: Double) -> String {
        guard value.isFinite else { return String(value) }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 1e-3 && magnitude < 1e6 {
            let exponent = Int(log10(magnitude).rounded(.down))
            return SVGDocument.format(value, decimals: max(0, 3 - exponent))
        }
        return scientificLabel(value, significantDecimals: 3)
    }

    /// Formats `value` as `mantissa e exponent` without padding, e.g. `1e-5`, `2.5e6`.
    static func scientificLabel(_ value: Double, significantDecimals: Int) -> String {
        guard value != 0, value.isFinite else { return value == 0 ? "0" : String(value) }
        var exponent = Int(log10(abs(value)).rounded(.down))
        var mantissa = value / pow(10, Double(exponent))
        if abs(mantissa) >= 9.9999999 {
            mantissa /= 10
            exponent += 1
        }
        return "\(SVGDocument.format(mantissa, decimals: significantDecimals))e\(exponent)"
    }

    /// Replaces ASCII hyphens with the typographic minus sign (U+2212), which
    /// has the width of a digit and reads better in tick labels.
    static func typographicMinus(_ label: String) -> String {
        label.replacingOccurrences(of: "-", with: "\u{2212}")
    }

    // MARK: - Logarithmic axes

    /// Builds a base-10 logarithmic axis covering `minimum...maximum`, which
    /// should be positive. The domain is widened to whole decades; invalid
    /// input falls back to `1...10`, and a range within one power of ten is
    /// widened by a decade on each side.
    ///
    /// - Parameter maximumMajorTicks: When more decades than this are spanned,
    ///   only every k-th power of ten is labelled.
    static func logarithmic(minimum: Double, maximum: Double, maximumMajorTicks: Int = 8) -> Axis {
        var low = minimum, high = maximum
        if !(low.isFinite && low > 0) { low = high.isFinite && high > 0 ? high : 1 }
        if !(high.isFinite && high > 0) { high = low }
        if low > high { swap(&low, &high) }
        var first = Int((log10(low) + 1e-9).rounded(.down))
        var last = Int((log10(high) - 1e-9).rounded(.up))
        if last <= first {
            first -= 1
            last += 1
        }
        let stride = max(1, Int((Double(last - first) / Double(max(1, maximumMajorTicks))).rounded(.up)))
        if stride > 1 {
            first = Int((Double(first) / Double(stride)).rounded(.down)) * stride
            last = Int((Double(last) / Double(stride)).rounded(.up)) * stride
        }
        let decades = last - first
        let plain = first >= -4 && last <= 5
        let labelMinor = stride == 1 && decades <= 2
        var ticks: [Tick] = []
        for exponent in first...last {
            let power = pow(10, Double(exponent))
            let isMajor = (exponent - first) % stride == 0
            ticks.append(Tick(
                value: power,
                label: isMajor ? powerLabel(exponent, plain: plain) : nil,
                isMajor: isMajor
            ))
            guard exponent < last, stride == 1, decades <= 6 else { continue }
            for multiple in 2...9 {
                let showsLabel = labelMinor && (multiple == 2 || multiple == 5)
                let label = showsLabel ? multipleLabel(multiple, exponent: exponent, plain: plain) : nil
                ticks.append(Tick(value: Double(multiple) * power, label: label, isMajor: false))
            }
        }
        return Axis(
            lower: pow(10, Double(first)), upper: pow(10, Double(last)),
            isLogarithmic: true, ticks: ticks
        )
    }

    private static func powerLabel(_ exponent: Int, plain: Bool) -> String {
        if plain { return SVGDocument.format(pow(10, Double(exponent)), decimals: max(0, -exponent)) }
        return "10" + superscript(exponent)
    }

    private static func multipleLabel(_ multiple: Int, exponent: Int, plain: Bool) -> String {
        if plain {
            return SVGDocument.format(Double(multiple) * pow(10, Double(exponent)), decimals: max(0, -exponent))
        }
        return "\(multiple)×10" + superscript(exponent)
    }

    /// Writes an integer with Unicode superscript digits (`-4` → `⁻⁴`).
    static func superscript(_ number: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        var result = number < 0 ? "⁻" : ""
        for digit in String(abs(number)) {
            result.append(digits[Int(String(digit)) ?? 0])
        }
        return result
    }

    // MARK: - Fitting labels to the available space

    /// Whether any two consecutive labels are closer than `minimumDistance` pixels
    /// when the axis is drawn `length` pixels long.
    func hasCrowdedLabels(length: Double, minimumDistance: (Tick, Tick) -> Double) -> Bool {
        let labelled = labelledTicks
        for (a, b) in zip(labelled, labelled.dropFirst()) {
            guard let fa = fraction(of: a.value), let fb = fraction(of: b.value) else { continue }
            if (fb - fa) * length < minimumDistance(a, b) { return true }
        }
        return false
    }

    /// A copy with labels removed until neighbours are far enough apart:
    /// first all minor labels, then every other major label (repeatedly).
    func thinned(length: Double, minimumDistance: (Tick, Tick) -> Double) -> Axis {
        var copy = self
        if copy.hasCrowdedLabels(length: length, minimumDistance: minimumDistance) {
            for index in copy.ticks.indices where !copy.ticks[index].isMajor { copy.ticks[index].label = nil }
        }
        var keepEvery = 2
        while copy.hasCrowdedLabels(length: length, minimumDistance: minimumDistance), keepEvery < 1024 {
            var majorIndex = 0
            for index in copy.ticks.indices where copy.ticks[index].isMajor {
                copy.ticks[index].label = majorIndex % keepEvery == 0 ? ticks[index].label : nil
                majorIndex += 1
            }
            keepEvery *= 2
        }
        return copy
    }

    /// Minimum centre distance between two labels on a horizontal axis:
    /// half of each label's width plus a 10 px gap.
    static func horizontalLabelDistance(_ a: Tick, _ b: Tick) -> Double {
        (SVGDocument.estimatedTextWidth(a.label ?? "") + SVGDocument.estimatedTextWidth(b.label ?? "")) / 2 + 10
    }

    /// Minimum centre distance between two labels on a vertical axis (12 px text).
    static func verticalLabelDistance(_ a: Tick, _ b: Tick) -> Double { 16 }

    /// A linear axis whose labels fit in `length` pixels without crowding.
    ///
    /// Tries tick counts from about one per 50 px down to 2 and keeps the
    /// uncrowded candidate that wastes the least space beyond the data (when
    /// the domain is extended to nice bounds), preferring about one tick per
    /// 80 px (horizontal) or 48 px (vertical) among equally tight candidates.
    static func fitted(
        minimum: Double, maximum: Double, length: Double, horizontal: Bool,
        extendToNiceBounds: Bool = true, integerSteps: Bool = false
    ) -> Axis {
        let distance = horizontal ? horizontalLabelDistance : verticalLabelDistance
        let preferred = max(2, length / (horizontal ? 80 : 48))
        let dataSpan = max(abs(maximum - minimum), 1e-300)
        var best: (axis: Axis, waste: Double, mismatch: Double)?
        for target in (2...max(2, Int(length / (horizontal ? 50 : 30)))).reversed() {
            let axis = linear(
                minimum: minimum, maximum: maximum, targetTickCount: target,
                extendToNiceBounds: extendToNiceBounds, integerSteps: integerSteps
            )
            guard !axis.hasCrowdedLabels(length: length, minimumDistance: distance) else { continue }
            let waste = maximum > minimum ? (axis.upper - axis.lower) / dataSpan - 1 : 0
            let mismatch = abs(log(Double(max(axis.labelledTicks.count, 1)) / preferred))
            if let current = best {
                let tighter = waste < current.waste - 0.02
                let similar = abs(waste - current.waste) <= 0.02
                guard tighter || (similar && mismatch < current.mismatch) else { continue }
            }
            best = (axis, waste, mismatch)
        }
        if let best { return best.axis }
        return linear(
            minimum: minimum, maximum: maximum, targetTickCount: 2,
            extendToNiceBounds: extendToNiceBounds, integerSteps: integerSteps
        ).thinned(length: length, minimumDistance: distance)
    }
}
