import Foundation

/// Reading IDX files, raw or gzip-compressed (recognised by the magic bytes `1f 8b`).
///
/// An IDX file is a big-endian header — two zero bytes, a type byte (``IDXArray/ElementType``),
/// the number of dimensions, then one 32-bit size per dimension — followed by the data,
/// row-major. ``IDXDataset`` turns MNIST-style image and label files into a ``Dataset``.
public enum IDX {
    /// Reads the IDX file at `url`, decompressing it first if it is gzip.
    public static func read(contentsOf url: URL) throws -> IDXArray {
        let data = try BackpropError.contents(of: url)
        return try decode(data, source: url.path)
    }

    /// Decodes the bytes of an IDX file (gzip-compressed or not); `source` names it in errors.
    ///
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` for a bad magic number, an
    ///   unsupported type, dimensions that overflow, or data shorter or longer than the
    ///   dimensions say.
    public static func decode(_ data: Data, source: String = "IDX data") throws -> IDXArray {
        let contents = Gzip.isCompressed(data) ? try Gzip.decompress(data, source: source) : data
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        return try contents.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws -> IDXArray in
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
            var dimensions = [Int]()
            var byteCount = type.byteCount
            var overflow = false
            for d in 0..<rank {
                let start = 4 + 4 * d
                let size = (0..<4).reduce(0) { $0 << 8 | Int(bytes[start + $1]) }
                dimensions.append(size)
                if !overflow { (byteCount, overflow) = byteCount.multipliedReportingOverflow(by: size) }
            }
            let shape = dimensions.map(String.init).joined(separator: " × ")
            let available = bytes.count - headerSize
            guard !overflow, byteCount <= available else {
                let needed = overflow ? "more bytes than any file holds" : "\(byteCount) bytes"
                throw fail("truncated data: dimensions \(shape) of \(type) need \(needed), found \(available)")
            }
            guard byteCount == available else {
                throw fail("\(available - byteCount) unexpected bytes after the \(byteCount) bytes of data"
                    + " (dimensions \(shape) of \(type))")
            }
            return IDXArray(elementType: type, dimensions: dimensions, bytes: [UInt8](bytes[headerSize...]))
        }
    }
}
