import Foundation

/// Reading IDX files, raw or gzip-compressed (recognised by the magic bytes `1f 8b`).
///
/// An IDX file is a big-endian header — two zero bytes, a type byte (``IDXArray/ElementType``),
/// the number of dimensions, then one 32-bit size per dimension — followed by the data,
/// row-major. ``IDXDataset`` turns MNIST-style image and label files into a ``Dataset``.
public enum IDX {
    /// Reads the IDX file at `url`, decompressing it first if it is gzip; the data may take at
    /// most `budget` (a gzip stream is cut off there, whatever its trailer declares).
    public static func read(contentsOf url: URL, budget: MemoryBudget = .standard) throws -> IDXArray {
        let data = try BackpropError.contents(of: url)
        return try decode(data, source: url.path, budget: budget)
    }

    /// The element type and dimensions of the IDX file at `url`, read from its header alone
    /// (for a gzip file, from the first kilobyte inflated): what a loader checks against its
    /// budget before reading the data.
    public static func header(contentsOf url: URL, budget: MemoryBudget = .standard) throws
        -> (elementType: IDXArray.ElementType, dimensions: [Int])
    {
        let data = try BackpropError.contents(of: url)
        let source = url.path
        // 4 bytes of magic, then at most 255 dimensions of 4 bytes.
        let contents = Gzip.isCompressed(data) ? try Gzip.decompress(data, source: source, budget: budget, prefix: 1024) : data
        let header = try contents.withUnsafeBytes { try parseHeader($0, source: source, requireData: false) }
        return (header.type, header.dimensions)
    }

    /// Decodes the bytes of an IDX file (gzip-compressed or not); `source` names it in errors.
    ///
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` for a bad magic number, an
    ///   unsupported type, dimensions that overflow, or data shorter or longer than the
    ///   dimensions say; ``BackpropError/tooLarge(_:)`` when the data would pass `budget`.
    public static func decode(_ data: Data, source: String = "IDX data", budget: MemoryBudget = .standard) throws -> IDXArray {
        var contents = data
        if Gzip.isCompressed(data) {
            // The header first: a size the budget cannot hold is refused before inflating it.
            let prefix = try Gzip.decompress(data, source: source, budget: budget, prefix: 1024)
            let header = try prefix.withUnsafeBytes { try parseHeader($0, source: source, requireData: false) }
            try budget.require(bytes: header.byteCount, for: "\(source): dimensions \(header.shape) of \(header.type)")
            contents = try Gzip.decompress(
                data, source: source, budget: budget, declared: header.byteCount.addingReportingOverflow(header.size).partialValue)
        }
        return try contents.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> IDXArray in
            let header = try parseHeader(bytes, source: source)
            return IDXArray(elementType: header.type, dimensions: header.dimensions, bytes: [UInt8](bytes[header.size...]))
        }
    }

    /// The parsed header: type, dimensions, header length and data length.
    private struct Header {
        var type: IDXArray.ElementType
        var dimensions: [Int]
        var size: Int
        var byteCount: Int
        var shape: String { dimensions.map(String.init).joined(separator: " × ") }
    }

    /// Parses and checks the header in `bytes`; with `requireData`, the data after it must be
    /// exactly as long as the dimensions say.
    private static func parseHeader(_ bytes: UnsafeRawBufferPointer, source: String, requireData: Bool = true) throws -> Header {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        guard bytes.count >= 4 else {
            throw fail("truncated header: expected at least 4 bytes, found \(bytes.count)")
        }
        guard bytes[0] == 0, bytes[1] == 0, bytes[3] > 0 else {
            let found = bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
            throw fail("bad magic: expected 00 00 <type> <dimensions>, found \(found)")
        }
        guard let type = IDXArray.ElementType(rawValue: bytes[2]) else {
            throw fail("unsupported element type 0x\(String(bytes[2], radix: 16))"
                + " (IDX defines 08, 09, 0b, 0c, 0d, 0e)")
        }
        let rank = Int(bytes[3])
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw fail("truncated header: \(rank) dimensions need \(headerSize) bytes, found \(bytes.count)")
        }
        let dimensions = (0..<rank).map { d in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) } }
        let shape = dimensions.map(String.init).joined(separator: " × ")
        let byteCount: Int
        do {
            byteCount = try CheckedSize.product(dimensions + [type.byteCount], "dimensions \(shape) of \(type)")
        } catch {
            throw fail("truncated data: dimensions \(shape) of \(type) need more bytes than any file holds")
        }
        guard requireData else { return Header(type: type, dimensions: dimensions, size: headerSize, byteCount: byteCount) }
        let available = bytes.count - headerSize
        guard byteCount <= available else {
            throw fail("truncated data: dimensions \(shape) of \(type) need \(byteCount) bytes, found \(available)")
        }
        guard byteCount == available else {
            throw fail("\(available - byteCount) unexpected bytes after the \(byteCount) bytes of data"
                + " (dimensions \(shape) of \(type))")
        }
        return Header(type: type, dimensions: dimensions, size: headerSize, byteCount: byteCount)
    }
}
