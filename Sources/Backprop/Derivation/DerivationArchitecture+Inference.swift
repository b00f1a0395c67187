import Foundation

extension DerivationArchitecture {
    /// The architecture a formula file implies by itself, and what it was read from: the
    /// number of layers from the names and keys it uses (`W2`, `parameters["W2"]`, a cache
    /// unpacked into `(Z1, A1, W1, b1, Z2, …)`; three for the C1W4 `L_model_backward`, which
    /// works for any depth), the hidden activation from its derivative or its forward pass
    /// (`Z1 <= 0` or `"relu"`, `1 - np.power(A1, 2)` or `np.tanh`), and the output (softmax
    /// where the file names it, else sigmoid). The sizes are the checker's choice. `nil` when
    /// the file names no layer at all.
    public static func inferred(from source: String) -> (architecture: DerivationArchitecture, reason: String)? {
        guard let tokens = try? DerivationLexer.tokenize(source) else { return nil }
        var depth = 0
        var anyDepth = false
        var words = Set<String>()
        for token in tokens {
            let word: String
            switch token.kind {
            case let .name(name): word = name
            case let .string(text, _): word = text
            default: continue
            }
            words.insert(word)
            if word == "caches" { anyDepth = true }
            for prefix in ["dW", "db", "dZ", "W", "b", "Z", "A"] where word.hasPrefix(prefix) {
                let rest = word.dropFirst(prefix.count)
                if let layer = Int(rest), rest.allSatisfy(\.isWholeNumber), layer < 100 { depth = max(depth, layer) }
            }
        }
        if depth == 0 && anyDepth { depth = 3 }
        // C1W2's logistic regression, propagate(w, b, X, Y): no hidden layer, `dw` and `db`.
        let logistic = depth == 0 && words.contains("dw") && words.contains("w")
        if logistic { depth = 1 }
        guard depth > 0 else { return nil }
        let text = source
        func line(matching pattern: String) -> Int? {
            guard let range = text.range(of: pattern, options: .regularExpression) else { return nil }
            return text[..<range.lowerBound].filter(\.isNewline).count + 1
        }
        var hidden = Activation.tanh
        var hiddenReason = "the default, tanh"
        if let n = line(matching: #"[ZA][0-9]*\s*(<=|>)\s*0|["']relu["']|def relu"#) ?? (words.contains("relu") ? 1 : nil) {
            hidden = .relu
            hiddenReason = "relu (line \(n))"
        } else if let n = line(matching: #"1\s*-\s*(np\.power\(\s*A[0-9]*\s*,\s*2\s*\)|A[0-9]*\s*\*\*\s*2|np\.square\(\s*A[0-9]*\s*\))|np\.tanh"#) {
            hiddenReason = "tanh (line \(n))"
        }
        let softmax = words.contains("softmax") || text.contains("\"softmax\"")
        let output: Activation = softmax ? .softmax : .sigmoid
        let widths = [5, 4, 3, 2, 6, 7, 8]
        var sizes: [Int]
        switch depth {
        case 1: sizes = [3, 1]
        case 2: sizes = [2, 4, 1]
        default: sizes = Array(widths.prefix(depth)) + [1]
        }
        if softmax { sizes[sizes.count - 1] = 3 }
        // With dropout, hidden layers of one width: a mask of the wrong layer then fits, and
        // is named, instead of failing to broadcast.
        let dropout = words.contains("keep_prob")
        if dropout, depth > 2 { sizes = [sizes[0]] + Array(repeating: sizes[1], count: depth - 1) + [sizes[depth]] }
        guard let architecture = try? DerivationArchitecture(sizes: sizes, hidden: depth > 1 ? hidden : .tanh, output: output) else { return nil }
        let layers = anyDepth && depth == 3 ? "3 layers (the file works for any depth)"
            : logistic ? "logistic regression, 1 layer (from w, b, dw, db: dw is dW1ᵀ, db a number)"
            : "\(depth) layer\(depth == 1 ? "" : "s") (from the names it uses)"
        let reason = "inferred from the file: " + layers + (depth > 1 ? ", hidden \(hiddenReason)" : "")
            + ", output \(output)" + (dropout && depth > 2 ? ", hidden layers of one width (the file uses dropout)" : "")
            + "; sizes \(sizes.map(String.init).joined(separator: ",")) are the checker's choice (--layers sets them)"
        return (architecture, reason)
    }
}
