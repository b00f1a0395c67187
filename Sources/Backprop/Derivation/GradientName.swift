/// A name the reference ledger can answer for: `dZ2`, `dA1`, `dW1`, `db1`, and the forward
/// quantities `Z1`, `A1` (a file may recompute its forward pass). `dZL`, `dAL`, `AL`, … name
/// the output layer.
struct GradientName: Hashable, Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case dZ, dA, dW, db, Z, A
    }

    let kind: Kind
    let layer: Int

    /// Parses `name` for a network of depth `L`; `nil` for any other name or a layer the
    /// network does not have (`dA` runs from 0 to L, the rest from 1 to L).
    init?(_ name: String, depth L: Int) {
        for kind in [Kind.dZ, .dA, .dW, .db, .Z, .A] where name.hasPrefix(kind.rawValue) {
            var rest = Substring(name.dropFirst(kind.rawValue.count))
            if rest.first == "_" || rest.first == "[" { rest = rest.dropFirst() }
            if rest.last == "]" { rest = rest.dropLast() }
            let layer: Int
            if rest == "L" {
                layer = L
            } else if let number = Int(rest), !rest.isEmpty, rest.allSatisfy(\.isWholeNumber) {
                layer = number
            } else {
                continue
            }
            let lowest = kind == .dA ? 0 : 1
            guard (lowest...L).contains(layer) else { return nil }
            self.kind = kind
            self.layer = layer
            return
        }
        return nil
    }

    /// Whether the two 1/m conventions give this quantity different values (`dZ`, `dA`).
    var dependsOnConvention: Bool { kind == .dZ || kind == .dA }

    /// The course's spelling, e.g. `dZ2`.
    var spelling: String { "\(kind.rawValue)\(layer)" }
}
