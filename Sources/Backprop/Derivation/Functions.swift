import RealModule

/// The NumPy functions a formula file may call, with NumPy's argument names and semantics.
extension DerivationEvaluator {
    /// The functions ``call(_:_:)`` knows (after dropping `np.`).
    static let functionNames: Set<String> = [
        "dot", "matmul", "multiply", "add", "subtract", "divide", "sum", "mean", "exp", "log",
        "log1p", "tanh", "sqrt", "abs", "square", "power", "maximum", "minimum", "where",
        "transpose", "sigmoid", "relu", "softmax", "astype", "reshape", "ones_like", "zeros_like",
        "sign", "shape", "float", "var", "std", "array", "asarray", "copy", "squeeze", "int64", "int32", "int_",
        "float64", "float32", "floor_divide", "mod",
    ]

    /// Calls `function` with NumPy's semantics.
    func call(_ function: String, _ arguments: [DerivationArgument]) throws -> DerivationValue {
        switch function {
        case "dot", "matmul":
            let a = try bind(function, arguments, ["a", "b"])
            return try Self.product(
                evaluate(a["a"]!), evaluate(a["b"]!), operation: "np.\(function)", allowScalars: function == "dot")
        case "array", "asarray", "copy", "squeeze", "float64", "float32":
            // `np.array(dA, copy=True)`: a copy; `np.squeeze` of a 1×1 cost: the number.
            guard let first = arguments.first, first.label == nil else { throw DerivationEvaluationError("\(function)() needs a value") }
            let value = try evaluate(first.value)
            if function == "squeeze", value.storage.count == 1 { return .scalar(value.storage.elements[0]) }
            return value
        case "int64", "int32", "int_":
            // `np.int64(A2 > 0)`: 0/1 from a mask; other values truncated toward zero, as NumPy casts.
            let a = try bind(function, arguments, ["x"])
            return try evaluate(a["x"]!).map { $0.rounded(.towardZero) }
        case "floor_divide", "mod":
            let a = try bind(function, arguments, ["x1", "x2"])
            return try DerivationValue.elementwise([evaluate(a["x1"]!), evaluate(a["x2"]!)], operation: function == "mod" ? "'%'" : "'//'") {
                function == "mod" ? $0[0] - ($0[0] / $0[1]).rounded(.down) * $0[1] : ($0[0] / $0[1]).rounded(.down)
            }
        case "multiply", "add", "subtract", "divide", "maximum", "minimum", "power":
            let a = try bind(function, arguments, ["x1", "x2"])
            let (x, y) = (try evaluate(a["x1"]!), try evaluate(a["x2"]!))
            let combine: ([Double]) -> Double
            switch function {
            case "multiply": combine = { $0[0] * $0[1] }
            case "add": combine = { $0[0] + $0[1] }
            case "subtract": combine = { $0[0] - $0[1] }
            case "divide": combine = { $0[0] / $0[1] }
            case "maximum": combine = { $0[0].isNaN || $0[1].isNaN ? .nan : Swift.max($0[0], $0[1]) }
            case "minimum": combine = { $0[0].isNaN || $0[1].isNaN ? .nan : Swift.min($0[0], $0[1]) }
            default: combine = { Self.power($0[0], $0[1]) }
            }
            return try DerivationValue.elementwise([x, y], operation: "np.\(function)", combine)
        case "exp", "log", "log1p", "tanh", "sqrt", "abs", "square", "sigmoid", "relu", "sign":
            let a = try bind(function, arguments, ["x"])
            let transform: (Double) -> Double
            switch function {
            case "exp": transform = { Double.exp($0) }
            case "log": transform = { Double.log($0) }
            case "log1p": transform = { Double.log(onePlus: $0) }
            case "tanh": transform = { Double.tanh($0) }
            case "sqrt": transform = { $0.squareRoot() }
            case "abs": transform = { Swift.abs($0) }
            case "square": transform = { $0 * $0 }
            case "sigmoid": transform = { Activation.sigmoid($0) }
            case "relu": transform = { $0 > 0 ? $0 : 0 }
            default: transform = { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
            }
            return try evaluate(a["x"]!).map(transform)
        case "sum", "mean":
            let a = try bind(function, arguments, ["a", "axis", "keepdims"], required: 1)
            let keepdims = try a["keepdims"].map { try truth(evaluate($0), "keepdims") } ?? false
            return try reduce(evaluate(a["a"]!), axis: axis(a["axis"]), keepdims: keepdims, mean: function == "mean")
        case "var", "std":
            let a = try bind(function, arguments, ["a", "axis", "dtype", "out", "ddof", "keepdims"], required: 1)
            guard a["out"] == nil else { throw DerivationEvaluationError("\(function)() does not take out=") }
            let keepdims = try a["keepdims"].map { try truth(evaluate($0), "keepdims") } ?? false
            let ddof = try a["ddof"].map { try integer(evaluate($0), "ddof") } ?? 0
            return try spread(evaluate(a["a"]!), axis: axis(a["axis"]), ddof: ddof, keepdims: keepdims, root: function == "std")
        case "where":
            let a = try bind(function, arguments, ["condition", "x", "y"])
            return try DerivationValue.elementwise(
                [evaluate(a["condition"]!), evaluate(a["x"]!), evaluate(a["y"]!)], operation: "np.where"
            ) { $0[0] != 0 ? $0[1] : $0[2] }
        case "transpose":
            let a = try bind(function, arguments, ["a"])
            let value = try evaluate(a["a"]!)
            if case let .matrix(matrix) = value { return .matrix(matrix.transposed()) }
            return value
        case "softmax":
            let a = try bind(function, arguments, ["x", "axis"], required: 1)
            let value = try evaluate(a["x"]!)
            let axis = try axis(a["axis"]) ?? 0
            switch value {
            case .scalar: return .scalar(1)
            case let .vector(row): return .vector(Activation.softmax(row.transposed()).transposed())
            case let .matrix(matrix):
                return .matrix(axis == 0 ? Activation.softmax(matrix) : Activation.softmax(matrix.transposed()).transposed())
            }
        case "astype", "float":
            guard let first = arguments.first, first.label == nil else {
                throw DerivationEvaluationError("\(function)() needs a value")
            }
            return try evaluate(first.value)
        case "ones_like", "zeros_like":
            let a = try bind(function, arguments, ["a"])
            let fill: Double = function == "ones_like" ? 1 : 0
            return try evaluate(a["a"]!).map { _ in fill }
        case "reshape":
            return try reshape(arguments)
        case "shape":
            let a = try bind(function, arguments, ["a", "index"])
            let value = try evaluate(a["a"]!)
            let index = try integer(evaluate(a["index"]!), "a shape index")
            let dimensions: [Int]
            switch value {
            case .scalar: dimensions = []
            case let .vector(row): dimensions = [row.columns]
            case let .matrix(matrix): dimensions = [matrix.rows, matrix.columns]
            }
            let position = index < 0 ? index + dimensions.count : index
            guard dimensions.indices.contains(position) else {
                throw DerivationEvaluationError("shape index \(index) out of range for shape \(value.shapeDescription)")
            }
            return .scalar(Double(dimensions[position]))
        default:
            throw DerivationEvaluationError("unknown function '\(function)'")
        }
    }

    /// Matches positional and keyword arguments to `parameters`, as Python does.
    private func bind(
        _ function: String, _ arguments: [DerivationArgument], _ parameters: [String], required: Int? = nil
    ) throws -> [String: DerivationExpression] {
        let required = required ?? parameters.count
        var bound: [String: DerivationExpression] = [:]
        for (index, argument) in arguments.enumerated() {
            let name: String
            if let label = argument.label {
                guard parameters.contains(label) else {
                    throw DerivationEvaluationError("\(function)() got an unexpected keyword argument '\(label)'")
                }
                name = label
            } else {
                guard index < parameters.count else {
                    throw DerivationEvaluationError("\(function)() takes at most \(parameters.count) arguments, got \(arguments.count)")
                }
                name = parameters[index]
            }
            guard bound[name] == nil else {
                throw DerivationEvaluationError("\(function)() got two values for '\(name)'")
            }
            bound[name] = argument.value
        }
        for parameter in parameters.prefix(required) where bound[parameter] == nil {
            throw DerivationEvaluationError("\(function)() is missing its argument '\(parameter)'")
        }
        return bound
    }

    /// `axis=` as 0 or 1 (`-1` means 1, `None` means all axes).
    private func axis(_ expression: DerivationExpression?) throws -> Int? {
        guard let expression, expression != .name("None") else { return nil }
        let value = try integer(evaluate(expression), "axis")
        guard (-2...1).contains(value) else { throw DerivationEvaluationError("axis \(value) is out of range for a 2-D array") }
        return value < 0 ? value + 2 : value
    }

    private func integer(_ value: DerivationValue, _ what: String) throws -> Int {
        guard case let .scalar(x) = value, x == x.rounded(), abs(x) < 1e9 else {
            throw DerivationEvaluationError("\(what) must be an integer, not \(value.shapeDescription == "()" ? value.description : "an array \(value.shapeDescription)")")
        }
        return Int(x)
    }

    private func truth(_ value: DerivationValue, _ what: String) throws -> Bool {
        guard case let .scalar(x) = value else { throw DerivationEvaluationError("\(what) must be True or False") }
        return x != 0
    }

    /// `np.sum` / `np.mean` with NumPy's `axis` and `keepdims`: without `keepdims` an axis
    /// reduction of a 2-D array is 1-D.
    private func reduce(_ value: DerivationValue, axis: Int?, keepdims: Bool, mean: Bool) throws -> DerivationValue {
        switch value {
        case let .scalar(x):
            return .scalar(x)
        case let .vector(row):
            // A 1-D array has one axis: 0 and -1 both name it.
            let total = mean ? row.mean() : row.sum()
            return keepdims ? .vector([total]) : .scalar(total)
        case let .matrix(matrix):
            guard let axis else {
                let total = mean ? matrix.mean() : matrix.sum()
                return keepdims ? .matrix(Matrix(rows: 1, columns: 1, repeating: total)) : .scalar(total)
            }
            let reduced = mean ? matrix.mean(axis: axis) : matrix.sum(axis: axis)
            if keepdims { return .matrix(reduced) }
            return .vector(axis == 1 ? reduced.transposed() : reduced)
        }
    }

    /// `np.var` (`np.std` with `root`): `Σ (x − mean)² / (N − ddof)` over `axis`, N the count
    /// reduced over, as NumPy computes it.
    private func spread(_ value: DerivationValue, axis: Int?, ddof: Int, keepdims: Bool, root: Bool) throws -> DerivationValue {
        let mean = try reduce(value, axis: axis, keepdims: true, mean: true)
        let squares = try DerivationValue.elementwise([value, mean], operation: "np.var") { ($0[0] - $0[1]) * ($0[0] - $0[1]) }
        let total = try reduce(squares, axis: axis, keepdims: keepdims, mean: false)
        let count: Int
        switch value {
        case .scalar: count = 1
        case let .vector(row): count = row.columns
        case let .matrix(matrix): count = axis.map { $0 == 0 ? matrix.rows : matrix.columns } ?? matrix.count
        }
        let divisor = Double(count - ddof)
        return total.map { root ? ($0 / divisor).squareRoot() : $0 / divisor }
    }

    /// `x.reshape(r, c)`, `x.reshape((r, c))`, `np.reshape(x, (r, c))`, `-1` inferred, C order.
    private func reshape(_ arguments: [DerivationArgument]) throws -> DerivationValue {
        guard let first = arguments.first else { throw DerivationEvaluationError("reshape() needs a value") }
        let value = try evaluate(first.value)
        var dimensionExpressions = Array(arguments.dropFirst().map(\.value))
        if dimensionExpressions.count == 1, case let .tuple(items) = dimensionExpressions[0] { dimensionExpressions = items }
        var dimensions = try dimensionExpressions.map { try integer(evaluate($0), "a reshape dimension") }
        let count = value.storage.count
        // The product of the dimensions (skipping `except`), or nil when it overflows: the
        // dimensions come from the formula file and may be up to 1e9 each.
        func product(except: Int? = nil) -> Int? {
            var total = 1
            for (index, dimension) in dimensions.enumerated() where index != except {
                let (next, overflow) = total.multipliedReportingOverflow(by: dimension)
                if overflow { return nil }
                total = next
            }
            return total
        }
        if let unknown = dimensions.firstIndex(of: -1) {
            guard let known = product(except: unknown), known > 0, count % known == 0 else {
                throw DerivationEvaluationError("cannot reshape an array of size \(count) into \(dimensions)")
            }
            dimensions[unknown] = count / known
        }
        guard dimensions.count <= 2, dimensions.allSatisfy({ $0 >= 0 }), product() == count else {
            throw DerivationEvaluationError("cannot reshape an array of size \(count) into shape \(dimensions)")
        }
        let entries = value.storage.rowMajorElements
        switch dimensions.count {
        case 0: return .scalar(entries.first ?? 0)
        case 1: return .vector(entries)
        default: return .matrix(Matrix(rows: dimensions[0], columns: dimensions[1], rowMajor: entries))
        }
    }
}
