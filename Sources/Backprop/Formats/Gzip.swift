import Foundation
import ZIPFoundation

/// Reading gzip files (RFC 1952): the header with its optional fields, the raw deflate stream
/// (inflated by ZIPFoundation), and the trailer's CRC-32 and size, both checked.
///
/// Only single-member files are read, as `gzip` and Python's `gzip` module write them.
enum Gzip {
    /// Whether `data` starts with the gzip magic bytes `1f 8b`.
    static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed contents of the gzip file `data`; `source` names it in errors.
    ///
    /// Inflating stops with ``BackpropError/tooLarge(_:)`` once the output passes `budget`,
    /// whatever the trailer declares. With `prefix`, only the first `prefix` bytes are inflated
    /// and returned (unchecked: the CRC and size need the whole stream), to read a header.
    /// With `declared`, the size a header inside the data gave, inflating stops just past it.
    static func decompress(
        _ data: Data, source: String, budget: MemoryBudget, prefix: Int? = nil, declared: Int? = nil
    ) throws -> Data {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: "gzip: \(reason)") }

        guard bytes.count >= 18 else {
            throw fail("truncated: a gzip file needs at least 18 bytes, found \(bytes.count)")
        }
        guard bytes[0] == 0x1F, bytes[1] == 0x8B else {
            throw fail("bad magic \(hex(bytes[0])) \(hex(bytes[1])) (expected 1f 8b)")
        }
        guard bytes[2] == 8 else { throw fail("unsupported compression method \(bytes[2]) (expected 8, deflate)") }
        let flags = bytes[3]
        guard flags & 0xE0 == 0 else { throw fail("reserved header flags set (\(hex(flags)))") }
        var offset = 10
        let trailerStart = bytes.count - 8
        if flags & 0x04 != 0 {  // FEXTRA: a little-endian length, then that many bytes
            guard offset + 2 <= trailerStart else { throw fail("truncated header (extra field)") }
            offset += 2 + (Int(bytes[offset]) | Int(bytes[offset + 1]) << 8)
        }
        for (flag, field) in [(UInt8(0x08), "file name"), (UInt8(0x10), "comment")] where flags & flag != 0 {
            // FNAME, FCOMMENT: zero-terminated Latin-1 strings
            guard offset < trailerStart,
                  let end = bytes[offset..<trailerStart].firstIndex(of: 0)
            else { throw fail("truncated header (\(field))") }
            offset = end + 1
        }
        if flags & 0x02 != 0 {  // FHCRC: the low 16 bits of the CRC-32 of the header so far
            guard offset + 2 <= trailerStart else { throw fail("truncated header (header CRC)") }
            let stored = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
            let computed = UInt16(truncatingIfNeeded: Data(bytes[0..<offset]).crc32(checksum: 0))
            guard stored == computed else {
                throw fail("header CRC mismatch (stored \(stored), computed \(computed))")
            }
            offset += 2
        }
        guard offset < trailerStart else { throw fail("truncated: no compressed data after the header") }

        let storedCRC = readLittleEndian32(bytes, at: trailerStart)
        let storedSize = readLittleEndian32(bytes, at: trailerStart + 4)
        let streamStart = offset
        let streamLength = trailerStart - streamStart
        var output = Data()
        // ISIZE is untrusted: deflate expands at most ~1032:1; reserve at most 64 MiB.
        output.reserveCapacity(min(Int(storedSize), streamLength.multipliedReportingOverflow(by: 1032).partialValue, budget.bytes, 1 << 26))
        let computedCRC: UInt32
        let limit = prefix.map { Swift.min($0, budget.bytes) } ?? budget.bytes
        do {
            computedCRC = try Data.decompress(
                size: Int64(streamLength), bufferSize: 1 << 20, skipCRC32: false,
                provider: { position, size in
                    // ZIPFoundation's zlib path always offers `size` bytes to inflate, so pad the
                    // last chunk with zeros; a stream that runs past its end asks again and fails.
                    let start = streamStart + Int(position)
                    guard start < trailerStart else {
                        throw fail("truncated data: the deflate stream does not end within the \(streamLength) compressed bytes")
                    }
                    var chunk = Data(bytes[start..<min(start + size, trailerStart)])
                    if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
                    return chunk
                },
                consumer: { chunk in
                    output.append(chunk)
                    if let prefix, output.count >= prefix { throw PrefixRead() }
                    if output.count > limit {
                        throw BackpropError.tooLarge("\(source): the gzip data inflate to more than \(MemoryBudget.text(bytes: limit)); \(budget)")
                    }
                    if let declared, output.count > declared {
                        throw fail("the data inflate to more than the \(declared) bytes the header declares")
                    }
                })
        } catch is PrefixRead {
            return output.prefix(prefix ?? output.count)
        } catch let error as BackpropError {
            throw error
        } catch {
            throw fail("corrupt deflate data (\(error))")
        }
        if prefix != nil { return output }
        guard UInt32(truncatingIfNeeded: output.count) == storedSize else {
            throw fail("size mismatch: the trailer says \(storedSize) bytes, inflated \(output.count)"
                + " (truncated, corrupt, or several gzip members, which are not supported)")
        }
        guard computedCRC == storedCRC else {
            throw fail("CRC-32 mismatch: the trailer says \(hex32(storedCRC)), the data give \(hex32(computedCRC))")
        }
        return output
    }

    /// Thrown by the consumer to stop inflating once a prefix is in hand.
    private struct PrefixRead: Error {}

    private static func readLittleEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    private static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}
