/// An opaque sRGB colour for charts, plus the colour-blind-safe palette that
/// all plots share.
struct PlotColor: Equatable {
    /// Red, green and blue channels in `0...255`.
    var red: Int, green: Int, blue: Int

    /// Creates a colour from channel values, clamped to `0...255`.
    init(red: Int, green: Int, blue: Int) {
        self.red = min(max(red, 0), 255)
        self.green = min(max(green, 0), 255)
        self.blue = min(max(blue, 0), 255)
    }

    /// Creates a colour from a 24-bit value such as `0x0072B2`.
    init(_ rgb: UInt32) {
        self.init(red: Int((rgb >> 16) & 0xFF), green: Int((rgb >> 8) & 0xFF), blue: Int(rgb & 0xFF))
    }

    static let white = PlotColor(0xFFFFFF)

    /// The colour as a CSS hex string, e.g. `"#0072b2"`.
    var hex: String {
        let digits = Array("0123456789abcdef")
        var result = "#"
        for channel in [red, green, blue] {
            result.append(digits[channel / 16])
            result.append(digits[channel % 16])
        }
        return result
    }

    /// Linear blend towards `other`: `amount` 0 gives `self`, 1 gives `other`.
    func mixed(with other: PlotColor, amount: Double) -> PlotColor {
        let t = min(max(amount, 0), 1)
        func blend(_ a: Int, _ b: Int) -> Int { Int((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return PlotColor(red: blend(red, other.red), green: blend(green, other.green), blue: blend(blue, other.blue))
    }

    /// The Okabe–Ito palette (Okabe & Ito, 2008), distinguishable under the
    /// common forms of colour-vision deficiency. Ordered so that the first
    /// colours have the strongest contrast on white; yellow comes late.
    static let palette: [PlotColor] = [
        PlotColor(0x0072B2), // blue
        PlotColor(0xD55E00), // vermillion
        PlotColor(0x009E73), // bluish green
        PlotColor(0xE69F00), // orange
        PlotColor(0xCC79A7), // reddish purple
        PlotColor(0x56B4E9), // sky blue
        PlotColor(0x000000), // black
        PlotColor(0xF0E442), // yellow
    ]

    /// The palette colour for the `index`-th series or class (cycling).
    static func categorical(_ index: Int) -> PlotColor {
        let count = palette.count
        return palette[((index % count) + count) % count]
    }
}
