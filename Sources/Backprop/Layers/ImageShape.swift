/// The shape of one image example, `C × H × W`, as a layer sees it.
///
/// Inside a network an image batch is a `(C·H·W, m)` matrix, one example per column, each
/// column in **C·H·W order** (channel-major: PyTorch's NCHW for that example). So
/// ``Flatten`` needs no copy of its own and orders its output as `nn.Flatten` does on NCHW,
/// `(c, h, w)`, and thread shards split images by columns as they split any batch.
/// The course's `(m, n_H, n_W, n_C)` arrays are converted at the edges (``NDArray``).
public struct ImageShape: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `n_C`, the channels.
    public var channels: Int
    /// `n_H`, the rows.
    public var height: Int
    /// `n_W`, the columns.
    public var width: Int

    /// `channels × height × width`.
    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// `C·H·W`, the rows of a batch matrix (`Int.max` when it overflows).
    public var featureCount: Int {
        let (hw, o1) = height.multipliedReportingOverflow(by: width)
        let (chw, o2) = hw.multipliedReportingOverflow(by: channels)
        return o1 || o2 ? Int.max : chw
    }

    /// `H·W`, the positions of one channel.
    var positions: Int { height * width }

    /// `1×28×28`.
    public var description: String { "\(channels)×\(height)×\(width)" }

    /// Parses `C×H×W` or `CxHxW`.
    public init?(text: String) {
        let parts = text.split(whereSeparator: { $0 == "x" || $0 == "×" }).map { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        self.init(channels: parts[0]!, height: parts[1]!, width: parts[2]!)
    }
}

/// The zero padding of a convolution: none (`valid`), enough to keep the size at stride 1
/// (`same`), or `p` rows and columns on every side.
public enum Padding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// No padding; the output size `(n − f)/s + 1` must then be a whole number.
    case valid
    /// `f − 1` in all, `⌊(f − 1)/2⌋` before and the rest after (PyTorch's `padding='same'`);
    /// stride 1 only.
    case same
    /// `p` on each side (the course's `pad`).
    case size(Int)

    /// Parses `valid`, `same` or a whole number.
    public init?(text: String) {
        switch text.lowercased() {
        case "valid": self = .valid
        case "same": self = .same
        default:
            guard let p = Int(text), p >= 0 else { return nil }
            self = p == 0 ? .valid : .size(p)
        }
    }

    public var description: String {
        switch self {
        case .valid: return "valid"
        case .same: return "same"
        case let .size(p): return "\(p)"
        }
    }

    /// The padding (before, after) for a kernel `f`.
    func amounts(kernel f: Int) -> (before: Int, after: Int) {
        switch self {
        case .valid: return (0, 0)
        case .same: return ((f - 1) / 2, f - 1 - (f - 1) / 2)
        case let .size(p): return (p, p)
        }
    }
}

/// Where an `f × f` window with stride `s` falls on a padded `C × H × W` input: the one place
/// the output size `n_H = ⌊(n_H_prev + pad_before + pad_after − f)/s⌋ + 1` is computed and
/// every bad combination refused, before anything is allocated.
struct WindowGeometry: Sendable, Hashable {
    let input: ImageShape
    let kernel: Int
    let stride: Int
    let padBefore: Int
    let padAfter: Int
    let outputHeight: Int
    let outputWidth: Int

    /// The geometry, or a one-line error naming `layer` and the shapes.
    init(layer: String, input: ImageShape, kernel f: Int, stride s: Int, padding: Padding, exact: Bool) throws(BackpropError) {
        func fail(_ reason: String) -> BackpropError { .invalidArgument("\(layer): \(reason)") }
        guard input.channels > 0, input.height > 0, input.width > 0, input.featureCount != Int.max else {
            throw fail("the input \(input) is not a positive image shape")
        }
        guard f > 0 else { throw fail("the window must be at least 1×1, not \(f)×\(f)") }
        guard s > 0 else { throw fail("stride \(s) must be at least 1") }
        if case let .size(p) = padding, p < 0 || p > 1 << 20 { throw fail("padding \(p) must be between 0 and 2^20") }
        if case .same = padding, s != 1 { throw fail("padding 'same' needs stride 1, not \(s) (give a whole-number padding)") }
        guard f <= 1 << 20, s <= 1 << 20 else { throw fail("window \(f) or stride \(s) is beyond 2^20") }
        let (before, after) = padding.amounts(kernel: f)
        let paddedHeight = input.height + before + after
        let paddedWidth = input.width + before + after
        guard f <= paddedHeight, f <= paddedWidth else {
            throw fail("the \(f)×\(f) window is larger than the padded input \(input.channels)×\(paddedHeight)×\(paddedWidth) (input \(input), padding \(padding))")
        }
        if exact, padding == .valid, (paddedHeight - f) % s != 0 || (paddedWidth - f) % s != 0 {
            throw fail("under 'valid' padding, (\(input.height)×\(input.width) − \(f))/\(s) + 1 is not a whole number of positions; change the stride or pad")
        }
        self.input = input
        self.kernel = f
        self.stride = s
        self.padBefore = before
        self.padAfter = after
        self.outputHeight = (paddedHeight - f) / s + 1
        self.outputWidth = (paddedWidth - f) / s + 1
    }

    /// `n_H · n_W`.
    var outputPositions: Int { outputHeight * outputWidth }
    /// `C · f · f`, one example's window length (a row of the im2col matrix).
    var windowLength: Int { input.channels * kernel * kernel }

    /// The output positions `o` of one axis whose input index `o·s + offset − pad` is inside
    /// `0 ..< size`.
    func validRange(offset: Int, size: Int, outputs: Int) -> Range<Int> {
        // o·s ≥ pad − offset and o·s ≤ size − 1 + pad − offset.
        let low = padBefore - offset
        let high = size - 1 + padBefore - offset
        let first = low <= 0 ? 0 : (low + stride - 1) / stride
        let last = high < 0 ? -1 : high / stride
        let lower = Swift.min(first, outputs)
        return lower..<Swift.max(lower, Swift.min(last + 1, outputs))
    }
}
