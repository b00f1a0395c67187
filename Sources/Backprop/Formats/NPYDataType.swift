/// The element types Backprop reads from and writes to NumPy `.npy` files.
///
/// Files may store them little-endian (`<`), big-endian (`>`, swapped on reading) or, for the
/// one-byte type, without an order (`|`); Backprop always writes little-endian.
public enum NPYDataType: String, Sendable, CaseIterable {
    /// `float32`, NumPy `'<f4'`.
    case float32
    /// `float64`, NumPy `'<f8'`.
    case float64
    /// `uint8`, NumPy `'|u1'` (images, labels).
    case uint8
    /// `int32`, NumPy `'<i4'`.
    case int32
    /// `int64`, NumPy `'<i8'` (NumPy's default integer on most platforms).
    case int64

    /// The size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .uint8: return 1
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    /// The descriptor Backprop writes in the header: `'<f4'`, `'<f8'`, `'|u1'`, `'<i4'`, `'<i8'`.
    public var descriptor: String {
        switch self {
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .uint8: return "|u1"
        case .int32: return "<i4"
        case .int64: return "<i8"
        }
    }

    /// The type and byte order named by a NumPy descriptor such as `'<f8'` or `'>i4'`, or `nil`
    /// when Backprop does not read that type.
    static func parse(descriptor: String) -> (type: NPYDataType, bigEndian: Bool)? {
        guard let order = descriptor.first else { return nil }
        let code = descriptor.dropFirst()
        let bigEndian: Bool
        switch order {
        case "<", "=": bigEndian = false
        case ">": bigEndian = true
        case "|": bigEndian = false
        default: return nil
        }
        let type: NPYDataType
        switch code {
        case "f4": type = .float32
        case "f8": type = .float64
        case "u1": type = .uint8
        case "i4": type = .int32
        case "i8": type = .int64
        default: return nil
        }
        // `|` means "no byte order", which only a one-byte type may use.
        if order == "|" && type.byteCount != 1 { return nil }
        return (type, bigEndian)
    }
}
