/// The course's `parameters` dictionary — `{"W1": W1, "b1": b1, …, "WL": WL, "bL": bL}` — as a
/// list of `(W[l], b[l])` per layer that also reads and writes like the dictionary.
///
/// `W[l]` is `(n_l, n_{l−1})` and `b[l]` is `(n_l, 1)`. Layers are numbered from 1, as the
/// course numbers them: `parameters["W1"]`, `parameters.W(1)` and `parameters.layers[0].W` are
/// the same matrix.
///
/// ```swift
/// var parameters: CourseParameters<Double> = ["W1": W1, "b1": b1, "W2": W2, "b2": b2]
/// parameters["W2"] = W2 - 0.1 * grads["dW2"]!
/// ```
///
/// Course 1, Week 4, `parameters` as returned by `initialize_parameters_deep` and read by
/// `L_model_forward`.
public struct CourseParameters<Scalar: BackpropScalar>: Sendable, Equatable {
    /// One layer's weights and bias.
    public struct Layer: Sendable, Equatable {
        /// `W[l]`, `(n_l, n_{l−1})`.
        public var W: Matrix<Scalar>
        /// `b[l]`, `(n_l, 1)`.
        public var b: Matrix<Scalar>

        /// A layer from its weights and bias.
        ///
        /// - Precondition: `b` is `(W.rows, 1)`.
        public init(W: Matrix<Scalar>, b: Matrix<Scalar>) {
            precondition(b.shape == Shape(W.rows, 1),
                "b must be (\(W.rows), 1) for a W of shape \(W.shape), not \(b.shape)")
            self.W = W
            self.b = b
        }
    }

    /// Layers `1 … L`, stored at indices `0 … L−1`.
    public var layers: [Layer]

    /// Parameters from layers `1 … L` in order.
    public init(_ layers: [Layer]) {
        self.layers = layers
    }

    /// Parameters from `(W, b)` pairs for layers `1 … L` in order.
    public init(_ pairs: [(W: Matrix<Scalar>, b: Matrix<Scalar>)]) {
        self.init(pairs.map { Layer(W: $0.W, b: $0.b) })
    }

    /// Parameters from the course's dictionary: keys `W1, b1, …, WL, bL` and no others.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` naming a missing or unexpected key.
    public init(_ dictionary: [String: Matrix<Scalar>]) throws {
        let L = dictionary.count / 2
        var layers: [Layer] = []
        for l in stride(from: 1, through: L, by: 1) {
            guard let W = dictionary["W\(l)"], let b = dictionary["b\(l)"] else {
                throw BackpropError.invalidArgument("parameters need W\(l) and b\(l) (keys \(Self.keys(L).joined(separator: ", ")))")
            }
            guard b.shape == Shape(W.rows, 1) else {
                throw BackpropError.invalidArgument("b\(l) must be (\(W.rows), 1) for W\(l) of shape \(W.shape), not \(b.shape)")
            }
            layers.append(Layer(W: W, b: b))
        }
        for key in dictionary.keys.sorted() where (Self.parse(key).map { $0.layer > L } ?? true) {
            throw BackpropError.invalidArgument("unexpected key '\(key)' in parameters (keys \(Self.keys(L).joined(separator: ", ")))")
        }
        self.init(layers)
    }

    /// `L`, the number of layers with parameters (`len(parameters) // 2` in the course).
    public var L: Int { layers.count }

    /// `W[l]` for `1 ≤ l ≤ L`.
    public func W(_ l: Int) -> Matrix<Scalar> { layers[l - 1].W }

    /// `b[l]` for `1 ≤ l ≤ L`.
    public func b(_ l: Int) -> Matrix<Scalar> { layers[l - 1].b }

    /// The keys in the course's order: `W1, b1, W2, b2, …` (that of `dictionary_to_vector`).
    public var keys: [String] { Self.keys(L) }

    private static func keys(_ L: Int) -> [String] { (0..<L).flatMap { ["W\($0 + 1)", "b\($0 + 1)"] } }

    /// The course's dictionary.
    public var dictionary: [String: Matrix<Scalar>] {
        var result: [String: Matrix<Scalar>] = [:]
        for (index, layer) in layers.enumerated() {
            result["W\(index + 1)"] = layer.W
            result["b\(index + 1)"] = layer.b
        }
        return result
    }

    /// `parameters["W1"]`, `parameters["b2"]`: the matrix under a course key, or `nil` for a key
    /// that names no layer. Setting needs an existing key and a matrix of the same shape.
    public subscript(key: String) -> Matrix<Scalar>? {
        get {
            guard let (isWeight, l) = Self.parse(key), l <= L else { return nil }
            return isWeight ? layers[l - 1].W : layers[l - 1].b
        }
        set {
            guard let (isWeight, l) = Self.parse(key), l <= L else {
                preconditionFailure("no parameter '\(key)' in layers 1…\(L)")
            }
            guard let newValue else { preconditionFailure("parameters['\(key)'] cannot be removed") }
            let old = isWeight ? layers[l - 1].W : layers[l - 1].b
            precondition(newValue.shape == old.shape,
                "parameters['\(key)'] is \(old.shape); cannot set a \(newValue.shape) matrix")
            if isWeight { layers[l - 1].W = newValue } else { layers[l - 1].b = newValue }
        }
    }

    /// `("W7", …)` → `(true, 7)`, `"b2"` → `(false, 2)`, anything else → `nil`.
    private static func parse(_ key: String) -> (isWeight: Bool, layer: Int)? {
        guard let first = key.first, first == "W" || first == "b",
              let l = Int(key.dropFirst()), l >= 1, String(l) == key.dropFirst() else { return nil }
        return (first == "W", l)
    }
}

extension CourseParameters: ExpressibleByDictionaryLiteral {
    /// `["W1": W1, "b1": b1, …]`, as the course writes the dictionary.
    ///
    /// - Precondition: the keys are exactly `W1, b1, …, WL, bL` with matching shapes (the
    ///   throwing `init(_ dictionary:)` says which key is wrong).
    public init(dictionaryLiteral elements: (String, Matrix<Scalar>)...) {
        var dictionary: [String: Matrix<Scalar>] = [:]
        for (key, value) in elements {
            precondition(dictionary.updateValue(value, forKey: key) == nil, "duplicate key '\(key)' in parameters")
        }
        do {
            try self.init(dictionary)
        } catch {
            preconditionFailure("\(error)")
        }
    }
}
