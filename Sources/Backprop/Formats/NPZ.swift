import Foundation
import ZIPFoundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and writing NumPy `.npz` files: a zip archive of `name.npy` entries, stored (as
/// `np.savez` writes them) or deflated (`np.savez_compressed`).
///
/// ```swift
/// try NPZ.write([("W1", W1), ("b1", b1)], to: url)
/// let archive = try NPZ.read(contentsOf: url)
/// let W1: Matrix<Float> = try archive.matrix(named: "W1")
/// ```
public enum NPZ {
    /// Reads every array in the `.npz` file at `url`; the arrays together may take at most
    /// `budget` (each member's declared size is checked before it is inflated, and inflating
    /// stops at the declared size).
    public static func read(contentsOf url: URL, budget: MemoryBudget = .standard) throws -> NPZArchive {
        let data = try BackpropError.contents(of: url)
        return try decode(data, source: url.path, budget: budget)
    }

    /// Decodes the bytes of a `.npz` file; `source` names them in error messages.
    ///
    /// The zip structure is read by Backprop's own zip reader, which checks every offset and size against
    /// the data before using it (ZIPFoundation's reader traps on offsets past the end).
    public static func decode(_ data: Data, source: String = "NPZ data", budget: MemoryBudget = .standard) throws -> NPZArchive {
        let reader = NPZZipReader(data)
        let entries: [NPZZipReader.Entry]
        do {
            entries = try reader.entries()
        } catch {
            throw BackpropError.malformedFile(path: source, reason: "not a readable zip archive (\(error.reason))")
        }
        var names = [String]()
        var arrays = [String: NPYArray]()
        var total = 0
        for entry in entries {
            let entrySource = "\(source) [\(BackpropError.excerpt(entry.name))]"
            // Inflated, then decoded into an array of about the same size.
            total = try CheckedSize.add(total, entry.uncompressedSize, "\(source): the members' sizes")
            try budget.require(
                bytes: try CheckedSize.multiply(total, 2, "\(source): the members' sizes"),
                for: "\(entrySource) (declared \(entry.uncompressedSize) bytes, read and decoded)")
            let bytes: Data
            do {
                bytes = try reader.contents(of: entry)
            } catch {
                throw BackpropError.malformedFile(path: entrySource, reason: "cannot extract (\(error.reason))")
            }
            let name = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            if arrays[name] == nil { names.append(name) }
            do {
                arrays[name] = try NPY.decode(bytes, source: entrySource)
            } catch let BackpropError.malformedFile(_, reason) where reason == NPY.pickledObjectAdvice && name.hasPrefix("arr_") {
                // `np.savez(f, params)`: the dictionary went in positionally, pickled as arr_0.
                throw BackpropError.malformedFile(path: source, reason: "holds a pickled dictionary saved positionally as \(name)"
                    + " (np.savez(f, params)); save its arrays by name with np.savez('p.npz', **params)")
            }
        }
        return NPZArchive(source: source, names: names, arrays: arrays)
    }

    /// Writes `arrays` to `url` as a `.npz` file, in the given order, each as `name.npy`;
    /// deflated when `compressed` (like `np.savez_compressed`), stored otherwise (like
    /// `np.savez`). The archive is built in memory and written with ``AtomicFile`` (a temporary
    /// file in the same folder, then a rename), so a reader never sees half a file.
    public static func write(_ arrays: [(name: String, array: NPYArray)], to url: URL, compressed: Bool = false) throws {
        var seen = Set<String>()
        for (name, _) in arrays {
            guard !name.isEmpty, seen.insert(name).inserted else {
                throw BackpropError.invalidArgument("NPZ \(url.path): array name '\(name)' is empty or repeated")
            }
        }
        let data: Data
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (name, array) in arrays {
                let bytes = NPY.encode(array)
                try archive.addEntry(
                    with: name + ".npy", type: .file, uncompressedSize: Int64(bytes.count),
                    modificationDate: Date(timeIntervalSince1970: 946_684_800),
                    compressionMethod: compressed ? .deflate : .none,
                    bufferSize: 1 << 20
                ) { position, size in
                    let start = Int(position)
                    return bytes.subdata(in: start..<min(start + size, bytes.count))
                }
            }
            guard let built = archive.data else { throw BackpropError.invalidArgument("the archive was not built in memory") }
            data = built
        } catch {
            throw BackpropError.invalidArgument("cannot write NPZ \(url.path): \(error)")
        }
        try AtomicFile.write(data, to: url)
    }

    /// Writes matrices to `url` as a `.npz` file of 2-D `(rows, columns)` C-order arrays; see
    /// the `NPYArray` form of `write(_:to:compressed:)`.
    public static func write<T: BackpropScalar>(
        _ matrices: [(name: String, matrix: Matrix<T>)], to url: URL, compressed: Bool = false
    ) throws {
        try write(matrices.map { (name: $0.name, array: NPYArray($0.matrix)) }, to: url, compressed: compressed)
    }
}
