/// Where an array in the interpreter came from: computed by a statement not yet bound, an
/// input the checker supplied (`X`, `W1`, a cache entry), or a recorded event of the trace.
enum Provenance: Equatable {
    case fresh
    case input(String)
    case event(Int)
}

/// A dictionary of the interpreted program (`parameters`, `grads`): shared by reference, as
/// in Python.
final class ProgramDictionary {
    var entries: [String: ProgramValue] = [:]
    var order: [String] = []
    /// Keys whose store failed: reading one fails quietly, as a consequence.
    var poisoned: Set<String> = []

    init(_ pairs: [(String, ProgramValue)] = []) {
        for (key, value) in pairs { self[key] = value }
    }

    subscript(key: String) -> ProgramValue? {
        get { entries[key] }
        set {
            if entries[key] == nil, newValue != nil { order.append(key) }
            entries[key] = newValue
            if newValue == nil { order.removeAll { $0 == key } }
        }
    }
}

/// A value of the interpreted program: a NumPy array or number with its provenance, a
/// string, `None`, a tuple or list, a dictionary, a function the file defines, or the course's
/// forward cache, whose entries are found by name (`cache["A1"]`, or unpacked into
/// `(Z1, A1, W1, b1, …) = cache`).
indirect enum ProgramValue {
    case array(DerivationValue, Provenance)
    case text(String)
    case none
    case sequence([ProgramValue], isTuple: Bool)
    case dictionary(ProgramDictionary)
    case function(String)
    case namedCache([String: DerivationValue])

    static func number(_ x: Double) -> ProgramValue { .array(.scalar(x), .fresh) }

    /// How the value reads in a message.
    var kindDescription: String {
        switch self {
        case let .array(value, _): value.shapeDescription == "()" ? "a number" : "an array of shape \(value.shapeDescription)"
        case .text: "a string"
        case .none: "None"
        case let .sequence(items, isTuple): "a \(isTuple ? "tuple" : "list") of \(items.count)"
        case .dictionary: "a dictionary"
        case let .function(name): "the function \(name)"
        case .namedCache: "the forward cache"
        }
    }

    /// `str(value)`, as Python prints it (whole numbers without `.0` when they came from ints).
    var text: String {
        switch self {
        case let .array(.scalar(x), _): x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
        case let .array(value, _): value.description
        case let .text(text): text
        case .none: "None"
        case let .sequence(items, isTuple):
            (isTuple ? "(" : "[") + items.map(\.text).joined(separator: ", ") + (isTuple ? ")" : "]")
        case .dictionary: "{…}"
        case let .function(name): "<function \(name)>"
        case .namedCache: "<cache>"
        }
    }
}
