/// What a dense network takes in memory, estimated from its layer sizes before anything is
/// allocated, and checked against a ``MemoryBudget``.
///
/// ```swift
/// let footprint = try NetworkFootprint(sizes: [784, 256, 10])
/// try footprint.requireWeights(of: Float.self, within: budget)
/// try footprint.requirePasses(of: Float.self, examples: 128, optimizer: .adam(...), within: budget)
/// ```
public struct NetworkFootprint: Sendable, Equatable {
    /// `[n_x, n_1, …, n_L]`.
    public let sizes: [Int]
    /// The number of weights and biases, `Σ n_l (n_{l−1} + 1)`.
    public let parameterCount: Int
    /// `Σ_{l ≥ 1} n_l`, the units a forward pass computes per example.
    public let unitCount: Int

    /// The footprint of a dense network of `sizes`.
    ///
    /// - Throws: ``BackpropError/tooLarge(_:)`` when the parameter count overflows.
    public init(sizes: [Int]) throws(BackpropError) {
        self.sizes = sizes
        let name = "the network \(Self.name(sizes))"
        var parameters = 0
        for l in sizes.indices.dropFirst() {
            let inputs = try CheckedSize.add(sizes[l - 1], 1, name)
            let layer = try CheckedSize.multiply(sizes[l], inputs, name)
            parameters = try CheckedSize.add(parameters, layer, name)
        }
        parameterCount = parameters
        unitCount = try CheckedSize.sum(sizes.dropFirst(), name)
    }

    /// `2-4-1`, the sizes joined by dashes (at most 12 of them shown).
    static func name(_ sizes: [Int]) -> String {
        let shown = sizes.prefix(12).map(String.init).joined(separator: "-")
        return sizes.count > 12 ? shown + "-…" : shown
    }

    /// Checks that the weights and biases, in `T`, fit the budget: "the network 2-1000000000-1
    /// needs 32 GB for its weights; the memory budget is 12 GB".
    public func requireWeights<T>(of _: T.Type, within budget: MemoryBudget) throws(BackpropError) {
        try budget.require(elements: parameterCount, of: T.self, for: "the network \(Self.name(sizes))", purpose: "its weights")
    }

    /// Checks that forward and backward passes over `examples` columns at once fit the budget:
    /// the weights, their gradients, `optimizer`'s moment buffers, and for every layer its
    /// `Z`, `A`, `dZ`, `dA` of `(n_l, examples)` plus the input batch.
    public func requirePasses<T>(
        of _: T.Type, examples: Int, optimizer: OptimizerAlgorithm = .gradientDescent, within budget: MemoryBudget
    ) throws(BackpropError) {
        let what = "running the network \(Self.name(sizes)) forward and backward on \(examples) examples at a time"
        let elements: Int
        do {
            let parameterCopies = 2 + Self.stateCopies(optimizer)
            let parameters = try CheckedSize.multiply(parameterCount, parameterCopies, what)
            let perExample = try CheckedSize.add(try CheckedSize.multiply(unitCount, 4, what), sizes.first ?? 0, what)
            let activations = try CheckedSize.multiply(perExample, examples, what)
            elements = try CheckedSize.add(parameters, activations, what)
        } catch {
            throw BackpropError.tooLarge("\(what) needs more memory than any machine has; \(budget)")
        }
        try budget.require(elements: elements, of: T.self, for: what, purpose: "weights, gradients, optimizer state and activations")
    }

    /// How many parameter-sized moment buffers `optimizer` keeps.
    private static func stateCopies(_ optimizer: OptimizerAlgorithm) -> Int {
        switch optimizer {
        case .gradientDescent: return 0
        case .momentum, .rmsProp: return 1
        case .adam, .adamW: return 2
        }
    }
}

extension NetworkFootprint {
    /// The footprint of an existing network of any layer kinds: its sizes and its real
    /// parameter count.
    public init<S: BackpropScalar>(_ network: Network<S>) {
        sizes = network.sizes
        parameterCount = network.parameterCount
        unitCount = network.sizes.dropFirst().reduce(0) { $0.addingReportingOverflow($1).partialValue }
    }
}
