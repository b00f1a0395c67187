import Foundation

/// The header of a `.npy` file: the Python dict literal
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }` that follows the magic string,
/// the version and the header length.
struct NPYHeader: Equatable {
    /// The NumPy dtype descriptor, e.g. `'<f8'`.
    var descriptor: String
    /// Whether the data are stored column-major.
    var fortranOrder: Bool
    /// The dimensions.
    var shape: [Int]

    /// The magic string every `.npy` file starts with: `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The header text NumPy would write, without the padding: keys in sorted order.
    var dictionaryLiteral: String {
        let order = fortranOrder ? "True" : "False"
        return "{'descr': '\(descriptor)', 'fortran_order': \(order), 'shape': \(NPYArray.describe(shape)), }"
    }

    /// The header's bytes from the magic string to the end of the padded dict: version 1.0
    /// when the header fits in 65,535 bytes, otherwise 2.0; padded with spaces and a newline
    /// so that the data start on a 64-byte boundary, as NumPy does.
    func encoded() -> [UInt8] {
        let text = Array(dictionaryLiteral.utf8)
        func layout(prefixLength: Int) -> (total: Int, headerLength: Int) {
            let total = (prefixLength + text.count + 1 + 63) / 64 * 64
            return (total, total - prefixLength)
        }
        var (total, headerLength) = layout(prefixLength: 10)
        let small = headerLength <= 0xFFFF
        if !small { (total, headerLength) = layout(prefixLength: 12) }
        let unpadded = (small ? 10 : 12) + text.count + 1
        var bytes = NPYHeader.magic
        if small {
            bytes += [1, 0, UInt8(headerLength & 0xFF), UInt8(headerLength >> 8)]
        } else {
            bytes += [2, 0]
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((headerLength >> shift) & 0xFF)) }
        }
        bytes += text
        bytes += Array(repeating: 0x20, count: total - unpadded)
        bytes.append(0x0A)
        return bytes
    }

    /// Parses the header at the start of `bytes`, returning it and the offset of the data.
    ///
    /// - Throws: a reason, one line, when the bytes are not a header Backprop understands.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(NPYHeaderError) -> (NPYHeader, dataOffset: Int) {
        guard !bytes.isEmpty, bytes.prefix(6).elementsEqual(magic.prefix(bytes.count)) else {
            let found = bytes.prefix(6).map(hex).joined(separator: " ")
            throw NPYHeaderError(
                "bad magic: expected 93 4e 55 4d 50 59 (\\x93NUMPY), found \(found.isEmpty ? "an empty file" : found)")
        }
        guard bytes.count >= 10 else {
            throw NPYHeaderError("truncated header: expected at least 10 bytes, found \(bytes.count)")
        }
        let major = bytes[6]
        let minor = bytes[7]
        let lengthStart = 8
        let lengthSize: Int
        switch major {
        case 1: lengthSize = 2
        case 2, 3: lengthSize = 4
        default: throw NPYHeaderError("unsupported format version \(major).\(minor) (expected 1.0, 2.0 or 3.0)")
        }
        guard bytes.count >= lengthStart + lengthSize else {
            throw NPYHeaderError("truncated header: expected \(lengthStart + lengthSize) bytes, found \(bytes.count)")
        }
        var headerLength = 0
        for k in 0..<lengthSize { headerLength |= Int(bytes[lengthStart + k]) << (8 * k) }
        let textStart = lengthStart + lengthSize
        guard bytes.count - textStart >= headerLength else {
            throw NPYHeaderError(
                "truncated header: expected \(textStart + headerLength) bytes, found \(bytes.count)")
        }
        let textBytes = UnsafeRawBufferPointer(rebasing: bytes[textStart..<(textStart + headerLength)])
        // Version 1 and 2 headers are Latin-1 (in practice ASCII); version 3 is UTF-8.
        let text = major == 3
            ? String(decoding: textBytes, as: UTF8.self)
            : String(textBytes.map { Character(Unicode.Scalar($0)) })
        var parser = PythonLiteralParser(text)
        let value: PythonLiteral
        do {
            value = try parser.parseValue()
        } catch {
            throw NPYHeaderError("header is not a dict: \(error.reason) in \(abbreviate(text))")
        }
        guard case let .dictionary(entries) = value else {
            throw NPYHeaderError("header is not a dict: \(abbreviate(text))")
        }
        func entry(_ key: String) throws(NPYHeaderError) -> PythonLiteral {
            guard let value = entries.first(where: { $0.key == key })?.value else {
                throw NPYHeaderError("header has no '\(key)' key: \(abbreviate(text))")
            }
            return value
        }
        let descriptor: String
        switch try entry("descr") {
        case let .string(string): descriptor = string
        case let other: throw NPYHeaderError("unsupported dtype \(other) (structured dtypes are not supported)")
        }
        guard case let .boolean(fortranOrder) = try entry("fortran_order") else {
            throw NPYHeaderError("header's 'fortran_order' is not True or False: \(abbreviate(text))")
        }
        guard case let .sequence(items) = try entry("shape") else {
            throw NPYHeaderError("header's 'shape' is not a tuple: \(abbreviate(text))")
        }
        var shape = [Int]()
        for item in items {
            guard case let .integer(dimension) = item, dimension >= 0 else {
                throw NPYHeaderError("header's 'shape' \(PythonLiteral.sequence(items)) is not a tuple of non-negative integers")
            }
            shape.append(dimension)
        }
        return (NPYHeader(descriptor: descriptor, fortranOrder: fortranOrder, shape: shape), textStart + headerLength)
    }

    /// A byte as two lower-case hexadecimal digits.
    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// The header text trimmed for an error message.
    private static func abbreviate(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = trimmed.count > 120 ? String(trimmed.prefix(120)) + "…" : trimmed
        return shown.debugDescription
    }
}

/// Why a `.npy` header could not be read, in one line (the caller adds the file name).
struct NPYHeaderError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
