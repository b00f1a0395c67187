import Foundation

/// The safetensors format: an 8-byte little-endian header length `N`, `N` bytes of JSON
/// (`{"name": {"dtype": "F32", "shape": [out, in], "data_offsets": [begin, end]}, …,
/// "__metadata__": {"key": "value"}}`), then the raw little-endian tensor bytes, row-major.
/// It is what PyTorch's `safetensors.torch.load_file` and NumPy's `safetensors.numpy` read.
///
/// Reading never trusts the file: the header length, every shape and every offset are checked
/// against the file's real size before anything is allocated from them.
public enum SafeTensors {
    /// One tensor: its shape (row-major, as PyTorch sees it) and values.
    public struct Tensor: Sendable, Equatable {
        /// The PyTorch shape, e.g. `[out, in]` for a weight, `[out]` for a bias.
        public var shape: [Int]
        /// `F32` or `F64`.
        public var dtype: String
        /// The values in row-major (C) order, widened to `Double`.
        public var values: [Double]

        /// A tensor; `values.count` must equal the product of `shape`.
        public init(shape: [Int], dtype: String, values: [Double]) {
            precondition(values.count == shape.reduce(1, *), "values do not fill the shape")
            self.shape = shape
            self.dtype = dtype
            self.values = values
        }

        /// A 2-D weight `(rows, columns)` from a matrix, row-major as PyTorch stores it.
        public init<T: BackpropScalar>(matrix: Matrix<T>) {
            self.init(shape: [matrix.rows, matrix.columns], dtype: T.safeTensorsDType,
                      values: matrix.rowMajorElements.map(Double.init))
        }

        /// A 1-D vector `(n,)` from an `(n, 1)` column (a bias).
        public init<T: BackpropScalar>(vector: Matrix<T>) {
            self.init(shape: [vector.count], dtype: T.safeTensorsDType, values: vector.elements.map(Double.init))
        }

        /// The tensor as a matrix: `[r, c]` → `(r, c)`, `[n]` → `(n, 1)`.
        public func matrix<T: BackpropScalar>(_: T.Type = T.self) -> Matrix<T>? {
            switch shape.count {
            case 1: return Matrix(rows: shape[0], columns: 1, columnMajor: values.map { T($0) })
            case 2: return Matrix(rows: shape[0], columns: shape[1], rowMajor: values.map { T($0) })
            default: return nil
            }
        }
    }

    /// A parsed file: tensors by name in file order, and the metadata strings.
    public struct File: Sendable {
        /// The tensors in the order of their data in the file.
        public var tensors: [(name: String, tensor: Tensor)]
        /// The `__metadata__` strings (Backprop keeps the architecture here).
        public var metadata: [String: String]

        /// The tensor called `name`.
        public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }
    }

    /// Encodes tensors (in the given order) and metadata.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        var body = Data()
        for (name, tensor) in tensors {
            guard let size = Self.elementSize(tensor.dtype) else {
                throw BackpropError.invalidArgument("safetensors tensor '\(name)': dtype \(tensor.dtype) cannot be written; use F32, F64 or I64")
            }
            let bytes = tensor.values.count * size
            header[name] = ["dtype": tensor.dtype, "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            body.reserveCapacity(offset + bytes)
            if tensor.dtype == "F64" {
                for v in tensor.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            } else if tensor.dtype == "I64" {
                for v in tensor.values {
                    guard let count = Int64(exactly: v) else {
                        throw BackpropError.invalidArgument("safetensors tensor '\(name)': \(v) is not a whole number for I64")
                    }
                    withUnsafeBytes(of: count.littleEndian) { body.append(contentsOf: $0) }
                }
            } else {
                for v in tensor.values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { body.append(contentsOf: $0) } }
            }
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }  // pad with spaces to 8-byte alignment
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(body)
        return data
    }

    /// Writes the file atomically (``AtomicFile``): a temporary file in the same folder, then a
    /// rename, so a crash never leaves half a model where the old one was.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to url: URL) throws {
        try AtomicFile.write(try encode(tensors, metadata: metadata), to: url)
    }

    /// Bytes per element of the dtypes Backprop reads and writes: `F32`, `F64`, and `I64` (for
    /// counts such as batch norm's `num_batches_tracked`).
    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F32": 4
        case "F64", "I64": 8
        default: nil
        }
    }

    /// Reads and validates a file.
    public static func read(contentsOf url: URL) throws -> File {
        let data = try BackpropError.contents(of: url)
        return try decode(data, source: url.path)
    }

    /// Parses safetensors bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String = "safetensors data") throws -> File {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw fail("too short for a safetensors header (\(bytes.count) bytes)") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length")
        }
        let bodyStart = 8 + Int(headerLength)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes[8..<bodyStart]))
        } catch {
            throw fail("header is not valid JSON")
        }
        guard let header = parsed as? [String: Any] else { throw fail("header is not a JSON object") }
        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let strings = meta as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
            metadata = strings
        }
        let bodySize = bytes.count - bodyStart
        var tensors: [(name: String, tensor: Tensor, begin: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw fail("tensor '\(name)' needs dtype, shape and data_offsets") }
            guard let size = Self.elementSize(dtype) else {
                throw fail("tensor '\(name)' has dtype \(dtype); only F32, F64 and I64 are supported")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor '\(name)' has a negative dimension in \(shape)") }
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= bodySize / size + 1 else {
                    throw fail("tensor '\(name)' shape \(shape) is larger than the file")
                }
                count = product
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= bodySize else {
                throw fail("tensor '\(name)' offsets [\(begin), \(end)] lie outside the \(bodySize)-byte data section")
            }
            guard end - begin == count * size else {
                throw fail("tensor '\(name)' has \(end - begin) bytes for shape \(shape) of \(dtype) (needs \(count * size))")
            }
            var values = [Double](repeating: 0, count: count)
            let base = bodyStart + begin
            for i in 0..<count {
                var bits: UInt64 = 0
                for b in 0..<size { bits |= UInt64(bytes[base + i * size + b]) << (8 * UInt64(b)) }
                switch dtype {
                case "F64": values[i] = Double(bitPattern: bits)
                case "I64": values[i] = Double(Int64(bitPattern: bits))
                default: values[i] = Double(Float(bitPattern: UInt32(bits)))
                }
            }
            tensors.append((name, Tensor(shape: shape, dtype: dtype, values: values), begin))
        }
        tensors.sort { $0.begin < $1.begin }
        return File(tensors: tensors.map { ($0.name, $0.tensor) }, metadata: metadata)
    }
}

extension BackpropScalar {
    /// The safetensors dtype name: `F32` or `F64`.
    public static var safeTensorsDType: String { Self.self == Double.self ? "F64" : "F32" }
}
