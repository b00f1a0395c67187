/// An array from an IDX file (the format of MNIST and Fashion-MNIST): an element type, the
/// dimensions, and the raw big-endian data in row-major order.
public struct IDXArray: Sendable, Equatable {
    /// The element types the IDX format defines, by their type byte.
    public enum ElementType: UInt8, Sendable, CaseIterable {
        /// `0x08`, unsigned byte (MNIST's pixels and labels).
        case uint8 = 0x08
        /// `0x09`, signed byte.
        case int8 = 0x09
        /// `0x0B`, big-endian 16-bit integer.
        case int16 = 0x0B
        /// `0x0C`, big-endian 32-bit integer.
        case int32 = 0x0C
        /// `0x0D`, big-endian IEEE single.
        case float32 = 0x0D
        /// `0x0E`, big-endian IEEE double.
        case float64 = 0x0E

        /// The size of one element in bytes.
        public var byteCount: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }
    }

    /// The element type.
    public let elementType: ElementType
    /// The dimensions, outermost first: `[N, 28, 28]` for MNIST images, `[N]` for labels.
    public let dimensions: [Int]
    /// The data as stored: row-major, multi-byte types big-endian.
    public let bytes: [UInt8]

    /// The number of elements.
    public var count: Int { dimensions.reduce(1, *) }

    /// The elements converted to `Double`, row-major.
    public var doubleValues: [Double] {
        let size = elementType.byteCount
        return (0..<count).map { k in
            var bits: UInt64 = 0
            for b in 0..<size { bits = bits << 8 | UInt64(bytes[k * size + b]) }
            switch elementType {
            case .uint8: return Double(bits)
            case .int8: return Double(Int8(truncatingIfNeeded: bits))
            case .int16: return Double(Int16(truncatingIfNeeded: bits))
            case .int32: return Double(Int32(truncatingIfNeeded: bits))
            case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
            case .float64: return Double(bitPattern: bits)
            }
        }
    }
}
