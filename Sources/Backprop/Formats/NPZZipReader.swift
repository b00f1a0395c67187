import Foundation
import ZIPFoundation

/// A reader for the zip archives `.npz` files are, that trusts nothing in them.
///
/// ZIPFoundation's `Archive` reads entries at whatever offsets the central directory names:
/// an offset past the end of the data traps in its in-memory reader, and 64-bit offsets and
/// sizes near `UInt64.max` overflow its arithmetic. This reader walks the end-of-central-directory
/// record (and its ZIP64 form, which `np.savez` writes for large arrays), the central directory
/// and each local header itself, checks every offset and size against the real length before
/// reading, and leaves only inflating to ZIPFoundation, with the output capped at the declared
/// size. Stored and deflated entries are read; the CRC-32 and size of each are checked.
struct NPZZipReader {
    /// One file in the archive, as its central-directory record describes it.
    struct Entry {
        var name: String
        var method: UInt16
        var flags: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    /// Why the archive could not be read, in one line.
    struct Failure: Error {
        var entry: String?
        var reason: String
    }

    private let bytes: [UInt8]

    init(_ data: Data) { bytes = [UInt8](data) }

    // MARK: Little-endian fields, bounds-checked

    private func u16(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, offset <= bytes.count - 2 else { throw Failure(reason: "truncated record at byte \(offset)") }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    private func u32(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, offset <= bytes.count - 4 else { throw Failure(reason: "truncated record at byte \(offset)") }
        return (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }

    /// A 64-bit field, which must fit in an `Int` (no real file is larger).
    private func u64(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, offset <= bytes.count - 8 else { throw Failure(reason: "truncated record at byte \(offset)") }
        let value = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        guard value <= UInt64(Int.max) else { throw Failure(reason: "a 64-bit size or offset \(value) is beyond any file") }
        return Int(value)
    }

    private func hasSignature(_ signature: UInt32, at offset: Int) -> Bool {
        guard offset >= 0, offset <= bytes.count - 4 else { return false }
        return (0..<4).allSatisfy { bytes[offset + $0] == UInt8(truncatingIfNeeded: signature >> (8 * UInt32($0))) }
    }

    /// `a + b`, or a failure when it overflows or passes the end of the data.
    private func end(_ start: Int, _ length: Int, _ what: String) throws(Failure) -> Int {
        let (sum, overflow) = start.addingReportingOverflow(length)
        guard start >= 0, length >= 0, !overflow, sum <= bytes.count else {
            throw Failure(reason: "\(what) (bytes \(start)..<\(overflow ? "overflow" : String(sum))) lies outside the \(bytes.count)-byte file")
        }
        return sum
    }

    // MARK: Directory

    /// The archive's file entries (directories skipped), in central-directory order.
    func entries() throws(Failure) -> [Entry] {
        let recordSize = 22
        guard bytes.count >= recordSize else {
            throw Failure(reason: "too short for a zip archive (\(bytes.count) bytes)")
        }
        // The end-of-central-directory record: the last one, within 64 KiB of comment of the end.
        let lowest = max(0, bytes.count - recordSize - 0xFFFF)
        guard let eocd = stride(from: bytes.count - recordSize, through: lowest, by: -1)
            .first(where: { hasSignature(0x0605_4B50, at: $0) })
        else { throw Failure(reason: "no end-of-central-directory record (not a zip archive)") }
        var count = try u16(eocd + 10)
        var directorySize = try u32(eocd + 12)
        var directoryOffset = try u32(eocd + 16)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator just before the record points at the 64-bit record.
            let locator = eocd - 20
            guard hasSignature(0x0706_4B50, at: locator) else {
                throw Failure(reason: "ZIP64 sizes without a ZIP64 end-of-central-directory locator")
            }
            let record = try u64(locator + 8)
            guard hasSignature(0x0606_4B50, at: record), (try? end(record, 56, "")) != nil else {
                throw Failure(reason: "ZIP64 end-of-central-directory record missing at byte \(record)")
            }
            count = try u64(record + 32)
            directorySize = try u64(record + 40)
            directoryOffset = try u64(record + 48)
        }
        let directoryEnd = try end(directoryOffset, directorySize, "the central directory")
        let fixedSize = 46
        guard count <= directorySize / fixedSize else {
            throw Failure(reason: "the central directory claims \(count) entries in \(directorySize) bytes")
        }

        var entries: [Entry] = []
        var offset = directoryOffset
        for index in 0..<count {
            guard hasSignature(0x0201_4B50, at: offset), offset + fixedSize <= directoryEnd else {
                throw Failure(reason: "central-directory entry \(index + 1) of \(count) is missing at byte \(offset)")
            }
            let flags = try u16(offset + 8)
            let method = try u16(offset + 10)
            let crc = try u32(offset + 16)
            var compressed = try u32(offset + 20)
            var uncompressed = try u32(offset + 24)
            let nameLength = try u16(offset + 28)
            let extraLength = try u16(offset + 30)
            let commentLength = try u16(offset + 32)
            var local = try u32(offset + 42)
            let nameStart = offset + fixedSize
            let extraStart = try end(nameStart, nameLength, "entry \(index + 1)'s name")
            let extraEnd = try end(extraStart, extraLength, "entry \(index + 1)'s extra field")
            let next = try end(extraEnd, commentLength, "entry \(index + 1)'s comment")
            guard next <= directoryEnd else {
                throw Failure(reason: "central-directory entry \(index + 1) runs past the directory's end")
            }
            let name = String(decoding: bytes[nameStart..<extraStart], as: UTF8.self)
            // ZIP64 extra field (id 1): the 64-bit forms of the fields saturated at 0xFFFFFFFF.
            var field = extraStart
            while field + 4 <= extraEnd {
                let id = try u16(field)
                let size = try u16(field + 2)
                let dataEnd = try end(field + 4, size, "entry \(index + 1)'s extra field")
                guard dataEnd <= extraEnd else { break }
                if id == 1 {
                    var cursor = field + 4
                    func next64() throws(Failure) -> Int {
                        guard cursor + 8 <= dataEnd else {
                            throw Failure(entry: name, reason: "ZIP64 extra field too short")
                        }
                        defer { cursor += 8 }
                        return try u64(cursor)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next64() }
                    if compressed == 0xFFFF_FFFF { compressed = try next64() }
                    if local == 0xFFFF_FFFF { local = try next64() }
                }
                field = dataEnd
            }
            entries.append(Entry(
                name: name, method: UInt16(method), flags: UInt16(flags), crc32: UInt32(crc),
                compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: local))
            offset = next
        }
        return entries.filter { !$0.name.hasSuffix("/") }
    }

    // MARK: Contents

    /// The entry's bytes: the local header is checked, the data must lie inside the file, and
    /// inflating stops at the declared size.
    func contents(of entry: Entry) throws(Failure) -> Data {
        func fail(_ reason: String) -> Failure { Failure(entry: entry.name, reason: reason) }
        guard entry.flags & 0x0001 == 0 else { throw fail("entry is encrypted") }
        let header = entry.localHeaderOffset
        guard hasSignature(0x0403_4B50, at: header), (try? end(header, 30, "")) != nil else {
            throw fail("local header missing at byte \(header)")
        }
        let nameLength = try u16(header + 26)
        let extraLength = try u16(header + 28)
        let dataStart = try end(header + 30, nameLength + extraLength, "the local header of '\(entry.name)'")
        let dataEnd: Int
        do { dataEnd = try end(dataStart, entry.compressedSize, "the data of '\(entry.name)'") } catch {
            throw fail(error.reason)
        }
        let output: Data
        let crc: UInt32
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw fail("stored entry of \(entry.compressedSize) bytes claims to hold \(entry.uncompressedSize)")
            }
            output = Data(bytes[dataStart..<dataEnd])
            crc = output.crc32(checksum: 0)
        case 8:
            let length = dataEnd - dataStart
            var inflated = Data()
            // The declared size is untrusted: deflate expands at most ~1032:1; reserve at most 64 MiB.
            inflated.reserveCapacity(min(entry.uncompressedSize, length * 1032, 1 << 26))
            do {
                crc = try Data.decompress(
                    size: Int64(length), bufferSize: 1 << 16, skipCRC32: false,
                    provider: { position, size in
                        // As in `Gzip`: ZIPFoundation's zlib path always asks for `size` bytes, so
                        // pad the last chunk; a stream that runs past its end asks again and fails.
                        let start = dataStart + Int(position)
                        guard start < dataEnd else { throw fail("deflate stream does not end within its \(length) bytes") }
                        var chunk = Data(bytes[start..<min(start + size, dataEnd)])
                        if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
                        return chunk
                    },
                    consumer: { chunk in
                        inflated.append(chunk)
                        if inflated.count > entry.uncompressedSize {
                            throw fail("entry inflates to more than its declared \(entry.uncompressedSize) bytes")
                        }
                    })
            } catch let failure as Failure {
                throw failure
            } catch {
                throw fail("corrupt deflate data (\(error))")
            }
            output = inflated
        default:
            throw fail("unsupported compression method \(entry.method) (only stored and deflate)")
        }
        guard output.count == entry.uncompressedSize else {
            throw fail("size mismatch: the directory says \(entry.uncompressedSize) bytes, found \(output.count)")
        }
        guard crc == entry.crc32 else {
            throw fail("CRC-32 mismatch (stored \(entry.crc32), computed \(crc))")
        }
        return output
    }
}
