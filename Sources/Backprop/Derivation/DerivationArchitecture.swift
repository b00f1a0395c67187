/// The network a derivation is written for: layer sizes, hidden and output activations, loss.
public struct DerivationArchitecture: Sendable, Equatable, CustomStringConvertible {
    /// `[n_x, n_1, …, n_L]`.
    public var sizes: [Int]
    /// The activation of layers `1 … L−1`.
    public var hidden: Activation
    /// The activation of layer `L`.
    public var output: Activation
    /// The loss on the output.
    public var loss: Loss

    /// An architecture; `loss` defaults to the one the course pairs with `output`.
    /// - Throws: ``BackpropError`` when there are fewer than two sizes, a size is not positive,
    ///   the hidden activation is softmax, or the loss does not suit the output.
    public init(sizes: [Int], hidden: Activation = .tanh, output: Activation = .sigmoid, loss: Loss? = nil) throws {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw BackpropError.invalidArgument("layer sizes must be two or more positive integers, e.g. 2,4,1; got \(sizes)")
        }
        guard hidden.isElementwise else {
            throw BackpropError.invalidArgument("softmax is an output activation; it cannot be the hidden activation")
        }
        let loss = loss ?? Loss.natural(for: output)
        try loss.validate(output: output)
        self.sizes = sizes
        self.hidden = hidden
        self.output = output
        self.loss = loss
    }

    /// `L`, the number of layers with parameters.
    public var depth: Int { sizes.count - 1 }

    /// `2-4-1 tanh → sigmoid + bce`.
    public var description: String {
        sizes.map(String.init).joined(separator: "-") + (depth > 1 ? " \(hidden) →" : "") + " \(output) + \(loss)"
    }

    /// The architecture a file's header comment declares, e.g.
    /// `# layers: 2,4,1  hidden: tanh  output: sigmoid` (optionally `loss: bce`), or `nil` when
    /// the first comment lines declare none. Unknown or missing fields take the defaults
    /// (tanh hidden, sigmoid output for one unit, softmax for several).
    public static func fromHeader(_ text: String) -> DerivationArchitecture? {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline).prefix(20) {
            let trimmed = String(line).trimmingWhitespace()
            guard trimmed.hasPrefix("#") else { if trimmed.isEmpty { continue } else { break } }
            let words = trimmed.dropFirst().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var index = 0
            while index < words.count {
                let word = words[index].lowercased()
                if word.hasSuffix(":"), ["layers:", "hidden:", "output:", "loss:"].contains(word), index + 1 < words.count {
                    fields[String(word.dropLast())] = words[index + 1]
                    index += 2
                } else {
                    index += 1
                }
            }
            if fields["layers"] != nil { break }
        }
        guard let layers = fields["layers"] else { return nil }
        let sizes = layers.split(separator: ",").compactMap { Int($0) }
        guard sizes.count >= 2 else { return nil }
        let hidden = fields["hidden"].flatMap(Activation.init(name:)) ?? .tanh
        let output = fields["output"].flatMap(Activation.init(name:)) ?? (sizes.last! > 1 ? .softmax : .sigmoid)
        let loss = fields["loss"].flatMap(Loss.init(name:))
        return try? DerivationArchitecture(sizes: sizes, hidden: hidden, output: output, loss: loss)
    }
}
