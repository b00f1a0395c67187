import Foundation

/// The layer kinds a loader knows by name: the library's own, plus any an application adds.
public struct LayerKinds: Sendable {
    private var kinds: [String: any Layer.Type]

    /// The library's kinds.
    public static let builtIn = LayerKinds(kinds: [
        Dense.kind: Dense.self, BatchNorm.kind: BatchNorm.self,
        Conv2d.kind: Conv2d.self, Pooling.kind: Pooling.self, Flatten.kind: Flatten.self,
    ])

    private init(kinds: [String: any Layer.Type]) { self.kinds = kinds }

    /// These kinds and `kind`.
    public func adding(_ kind: any Layer.Type) -> LayerKinds {
        var copy = self
        copy.kinds[kind.kind] = kind
        return copy
    }

    /// The kind called `name`.
    public func kind(named name: String) -> (any Layer.Type)? { kinds[name] }

    /// A layer of kind `name` from its JSON configuration.
    func decode(kind name: String, configuration: Data) throws -> any Layer {
        guard let type = kinds[name] else {
            let known = kinds.keys.sorted().joined(separator: ", ")
            throw BackpropError.invalidArgument("unknown layer kind '\(name)' (known: \(known); pass its type in LayerKinds)")
        }
        return try Self.decode(type, configuration)
    }

    private static func decode<L: Layer>(_ type: L.Type, _ data: Data) throws -> any Layer {
        try JSONDecoder().decode(L.self, from: data)
    }
}
