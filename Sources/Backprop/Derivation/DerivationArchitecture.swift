/// The network a derivation is written for: layer sizes, hidden and output activations, loss,
/// and whether each hidden layer is batch-normalized.
public struct DerivationArchitecture: Sendable, Equatable, CustomStringConvertible {
    /// `[n_x, n_1, …, n_L]`.
    public var sizes: [Int]
    /// The activation of layers `1 … L−1`.
    public var hidden: Activation
    /// The activation of layer `L`.
    public var output: Activation
    /// The loss on the output.
    public var loss: Loss
    /// Whether each hidden layer is batch-normalized, as in the course (C2W3):
    /// `Z[l] = W[l] A[l−1]` (no bias), `Z̃[l] = γ[l] Ẑ[l] + β[l]`, `A[l] = g(Z̃[l])`. The output
    /// layer stays `Z[L] = W[L] A[L−1] + b[L]`.
    public var batchNorm: Bool

    /// An architecture; `loss` defaults to the one the course pairs with `output`.
    /// - Throws: ``BackpropError`` when there are fewer than two sizes, a size is not positive,
    ///   the hidden activation is softmax, the loss does not suit the output, or `batchNorm`
    ///   is asked of a network without a hidden layer.
    public init(
        sizes: [Int], hidden: Activation = .tanh, output: Activation = .sigmoid, loss: Loss? = nil, batchNorm: Bool = false
    ) throws {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw BackpropError.invalidArgument("layer sizes must be two or more positive integers, e.g. 2,4,1; got \(sizes)")
        }
        guard hidden.isElementwise else {
            throw BackpropError.invalidArgument("softmax is an output activation; it cannot be the hidden activation")
        }
        guard !batchNorm || sizes.count >= 3 else {
            throw BackpropError.invalidArgument("batch norm needs a hidden layer to normalize; \(sizes.map(String.init).joined(separator: ",")) has none")
        }
        let loss = loss ?? Loss.natural(for: output)
        try loss.validate(output: output)
        self.sizes = sizes
        self.hidden = hidden
        self.output = output
        self.loss = loss
        self.batchNorm = batchNorm
    }

    /// `L`, the number of layers with parameters.
    public var depth: Int { sizes.count - 1 }

    /// `2-4-1 tanh → sigmoid + bce` (`…, batch norm` with batch norm).
    public var description: String {
        sizes.map(String.init).joined(separator: "-") + (depth > 1 ? " \(hidden) →" : "") + " \(output) + \(loss)"
            + (batchNorm ? ", batch norm" : "")
    }

    /// The fields a header comment may hold. `convention:` records which 1/m convention the
    /// author meant (deferred, absorbed or none); the checker finds the convention itself.
    public static let headerFields = ["layers", "hidden", "output", "loss", "batchnorm", "convention"]

    /// The architecture a file's header comment declares, e.g.
    /// `# layers: 2,4,1  hidden: tanh  output: sigmoid` (optionally `loss: bce`, and
    /// `batchnorm: yes` for batch norm after each hidden layer), or `nil` when the leading
    /// comment lines declare none. A missing `hidden:` is tanh, a missing `output:` sigmoid for
    /// one unit and softmax for several, a missing `batchnorm:` no; fields without `layers:`
    /// describe a 2-4-1 network.
    ///
    /// A leading comment line that names one of ``headerFields`` is a header line: it must
    /// hold only `field: value` pairs, each field known, given once, with a valid value. A line
    /// that starts with an unknown `word:` close to a field's name (`layer:`, `hiden:`) is a
    /// header line too. Other comment lines are prose.
    /// - Throws: ``BackpropError/invalidArgument(_:)`` naming the line and the field.
    public static func fromHeader(_ text: String) throws -> DerivationArchitecture? {
        var fields: [String: (value: String, line: Int)] = [:]
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).prefix(20).enumerated() {
            let number = index + 1
            let trimmed = String(line).trimmingWhitespace()
            guard trimmed.hasPrefix("#") else { if trimmed.isEmpty { continue } else { break } }
            let words = trimmed.dropFirst().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let keys = words.map { $0.lowercased() }
            guard keys.contains(where: { $0.hasSuffix(":") && headerFields.contains(String($0.dropLast())) })
                    || keys.first.map(isNearField) == true
            else { continue }
            var position = 0
            while position < words.count {
                let key = keys[position]
                let name = key.hasSuffix(":") ? String(key.dropLast()) : ""
                guard headerFields.contains(name) else {
                    let hint = nearestField(to: name).map { " (did you mean \($0):?)" } ?? ""
                    throw BackpropError.invalidArgument(
                        "line \(number): header field '\(excerpt(words[position]))' is not one of \(headerFields.map { $0 + ":" }.joined(separator: ", "))\(hint)")
                }
                guard position + 1 < words.count, !keys[position + 1].hasSuffix(":") else {
                    throw BackpropError.invalidArgument("line \(number): header field \(name): has no value")
                }
                if let earlier = fields[name] {
                    throw BackpropError.invalidArgument("line \(number): header field \(name): is given twice (also on line \(earlier.line))")
                }
                fields[name] = (words[position + 1], number)
                position += 2
            }
        }
        guard fields.keys.contains(where: { $0 != "convention" }) else { return nil }
        func invalid(_ name: String, _ expected: String) -> BackpropError {
            let field = fields[name]!
            return .invalidArgument("line \(field.line): header field \(name): '\(excerpt(field.value))' is not \(expected)")
        }
        var sizes = [2, 4, 1]
        if let layers = fields["layers"]?.value {
            let parsed = layers.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard parsed.count >= 2, parsed.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw invalid("layers", "two or more positive whole numbers separated by commas, e.g. 2,4,1")
            }
            sizes = parsed.map { $0 ?? 0 }
        }
        var hidden = Activation.tanh
        if let name = fields["hidden"]?.value {
            guard let parsed = Activation(name: name), parsed.isElementwise else {
                throw invalid("hidden", "a hidden activation (sigmoid, tanh, relu, leaky_relu[:slope], identity)")
            }
            hidden = parsed
        }
        var output: Activation = sizes[sizes.count - 1] > 1 ? .softmax : .sigmoid
        if let name = fields["output"]?.value {
            guard let parsed = Activation(name: name) else { throw invalid("output", "an output activation (sigmoid, softmax, identity)") }
            output = parsed
        }
        var loss: Loss?
        if let name = fields["loss"]?.value {
            guard let parsed = Loss(name: name) else { throw invalid("loss", "a loss (bce, ce, mse)") }
            loss = parsed
        }
        var batchNorm = false
        if let value = fields["batchnorm"]?.value {
            switch value.lowercased() {
            case "yes", "true": batchNorm = true
            case "no", "false": batchNorm = false
            default: throw invalid("batchnorm", "yes or no")
            }
        }
        if let name = fields["convention"]?.value, !["deferred", "absorbed", "none"].contains(name.lowercased()) {
            throw invalid("convention", "deferred, absorbed or none")
        }
        do {
            return try DerivationArchitecture(sizes: sizes, hidden: hidden, output: output, loss: loss, batchNorm: batchNorm)
        } catch {
            let line = (fields["loss"] ?? fields["output"] ?? fields["batchnorm"] ?? fields["layers"] ?? fields["hidden"])?.line ?? 1
            throw BackpropError.invalidArgument("line \(line): header: \(error)")
        }
    }

    /// Whether `word` (lower-cased) is an unknown `word:` within two edits of a field's name.
    private static func isNearField(_ word: String) -> Bool {
        word.hasSuffix(":") && !headerFields.contains(String(word.dropLast())) && nearestField(to: String(word.dropLast())) != nil
    }

    /// The field within two edits of `name`, if any.
    private static func nearestField(to name: String) -> String? {
        guard !name.isEmpty else { return nil }
        return headerFields.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    /// The Levenshtein distance between two non-empty words.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    private static func excerpt(_ text: String) -> String { BackpropError.excerpt(text) }
}
