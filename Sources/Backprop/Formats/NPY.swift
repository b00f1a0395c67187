import Foundation

/// Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Supported element types are those of ``NPYDataType`` — `'<f4'`, `'<f8'`, `'|u1'`, `'<i4'`,
/// `'<i8'` and their big-endian forms, which are byte-swapped on reading — in C or Fortran
/// order, with any number of dimensions (a ``Matrix`` takes up to two).
///
/// ```swift
/// try NPY.write(weights, to: url)                       // (rows, columns), C order, float32/64
/// let W: Matrix<Float> = try NPY.read(contentsOf: url).matrix()
/// ```
///
/// Every problem with a file throws ``BackpropError/malformedFile(path:reason:)`` whose
/// message names the file and the problem: a bad magic string, an unsupported dtype, a header
/// that is not a dict, data shorter than the shape needs. The shape is checked against the file
/// size before anything is allocated.
public enum NPY {
    /// Reads the `.npy` file at `url`.
    public static func read(contentsOf url: URL) throws -> NPYArray {
        let data = try BackpropError.contents(of: url)
        return try decode(data, source: url.path)
    }

    /// What to say about an object array: a notebook's dictionary saved with `np.save`.
    public static let pickledObjectAdvice = "holds a pickled Python object (dtype '|O'), not an array: a dictionary saved with np.save('p.npy', params)?"
        + " Save the dictionary's arrays by name with np.savez('p.npz', **params)"

    /// Decodes the bytes of a `.npy` file; `source` names them in error messages.
    public static func decode(_ data: Data, source: String = "NPY data") throws -> NPYArray {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> NPYArray in
            let header: NPYHeader
            let offset: Int
            do {
                (header, offset) = try NPYHeader.parse(bytes)
            } catch let error as NPYHeaderError {
                throw BackpropError.malformedFile(path: source, reason: error.reason)
            }
            guard let (type, bigEndian) = NPYDataType.parse(descriptor: header.descriptor) else {
                if header.descriptor == "|O" { throw BackpropError.malformedFile(path: source, reason: NPY.pickledObjectAdvice) }
                throw BackpropError.malformedFile(
                    path: source,
                    reason: "unsupported dtype '\(BackpropError.excerpt(header.descriptor))' (Backprop reads '<f4', '<f8', '|u1', '<i4', '<i8' and their '>' forms)")
            }
            let shapeText = NPYArray.describe(header.shape)
            guard let count = NPYArray.elementCount(of: header.shape),
                  case let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteCount), !overflow
            else {
                throw BackpropError.malformedFile(
                    path: source, reason: "shape \(shapeText) claims more elements than any file can hold")
            }
            let available = bytes.count - offset
            guard byteCount <= available else {
                throw BackpropError.malformedFile(
                    path: source,
                    reason: "truncated data: shape \(shapeText) of '\(header.descriptor)' needs \(byteCount) bytes, found \(available)")
            }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + byteCount)])
            let elements: NPYArray.Elements
            switch type {
            case .float32:
                elements = .float32(load(UInt32.self, count, payload, bigEndian).map { Float(bitPattern: $0) })
            case .float64:
                elements = .float64(load(UInt64.self, count, payload, bigEndian).map { Double(bitPattern: $0) })
            case .uint8: elements = .uint8(load(UInt8.self, count, payload, false))
            case .int32: elements = .int32(load(Int32.self, count, payload, bigEndian))
            case .int64: elements = .int64(load(Int64.self, count, payload, bigEndian))
            }
            return try NPYArray(shape: header.shape, order: header.fortranOrder ? .fortran : .c, elements: elements)
        }
    }

    /// The bytes of a `.npy` file holding `array`: a version 1.0 header (2.0 if the header is
    /// too long for 1.0), little-endian data.
    public static func encode(_ array: NPYArray) -> Data {
        let header = NPYHeader(
            descriptor: array.dataType.descriptor, fortranOrder: array.order == .fortran, shape: array.shape)
        var data = Data(header.encoded())
        switch array.elements {
        case let .float32(values): append(values.map { $0.bitPattern }, to: &data)
        case let .float64(values): append(values.map { $0.bitPattern }, to: &data)
        case let .uint8(values): data.append(contentsOf: values)
        case let .int32(values): append(values, to: &data)
        case let .int64(values): append(values, to: &data)
        }
        return data
    }

    /// The bytes of a `.npy` file holding `matrix` as a 2-D `(rows, columns)` array of
    /// `float32` or `float64` (after its scalar type), in `order` (C by default, as NumPy writes).
    public static func encode<T: BackpropScalar>(_ matrix: Matrix<T>, order: NPYArray.MemoryOrder = .c) -> Data {
        encode(NPYArray(matrix, order: order))
    }

    /// Writes `array` to `url` as a `.npy` file, atomically (``AtomicFile``).
    public static func write(_ array: NPYArray, to url: URL) throws {
        try AtomicFile.write(encode(array), to: url)
    }

    /// Writes `matrix` to `url` as a 2-D `(rows, columns)` `.npy` file in `order`, atomically.
    /// For a 1-D `(n,)` file use `write(NPYArray(vector: matrix), to: url)`.
    public static func write<T: BackpropScalar>(
        _ matrix: Matrix<T>, to url: URL, order: NPYArray.MemoryOrder = .c
    ) throws {
        try write(NPYArray(matrix, order: order), to: url)
    }

    /// `count` fixed-width integers read from `bytes`, swapped from big-endian if asked.
    private static func load<I: FixedWidthInteger>(
        _: I.Type, _ count: Int, _ bytes: UnsafeRawBufferPointer, _ bigEndian: Bool
    ) -> [I] {
        [I](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            }
            initialized = count
            if bigEndian != (1.bigEndian == 1) {
                for k in 0..<count { buffer[k] = buffer[k].byteSwapped }
            }
        }
    }

    /// Appends `values` little-endian.
    private static func append<I: FixedWidthInteger>(_ values: [I], to data: inout Data) {
        if 1.littleEndian == 1 {
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        } else {
            values.map { $0.littleEndian }.withUnsafeBytes { data.append(contentsOf: $0) }
        }
    }
}
