import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way Backprop writes a file: the bytes go to a temporary file of our own naming in the
/// destination's folder, `.{name}.tmp-{pid}` (e.g. `.model.safetensors.tmp-4242`), are flushed to
/// disk (`fsync`), and the file is renamed over the destination, so a reader never sees half a
/// file and a crash never leaves an empty one.
///
/// The temporary file being written is recorded where a signal handler can reach it:
/// ``removeTemporaryFileInProgress()`` (async-signal-safe) deletes it, so a process ended by a
/// signal in the middle of a save leaves nothing behind. What a `kill -9` leaves has a name
/// ``isTemporaryName(_:)`` recognises, and ``removeStaleTemporaryFiles(in:)`` clears it.
public enum AtomicFile {
    /// The temporary file `write(_:to:)` uses for `url`: `.{name}.tmp-{pid}` beside it.
    public static func temporaryURL(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    }

    /// Whether `name` (a file name, no folder) is one of our temporary files: `.{name}.tmp-{digits}`.
    public static func isTemporaryName(_ name: String) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
              marker.lowerBound > name.index(after: name.startIndex)
        else { return false }
        let digits = name[marker.upperBound...]
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Writes `data` to `url` atomically.
    ///
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` naming `url` when it is a folder
    ///   or another non-regular file (a device, a pipe), when its folder is missing or not
    ///   writable, or when the disk is full ("no space left on device while writing …"); the
    ///   temporary file is removed in every case.
    public static func write(_ data: Data, to url: URL) throws {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: url.path, reason: reason) }
        var status = stat()
        if lstat(url.path, &status) == 0 {
            let kind = status.st_mode & S_IFMT
            if kind == S_IFDIR { throw fail("is a folder, not a file") }
            if kind != S_IFREG && kind != S_IFLNK { throw fail("is not a regular file (a device, pipe or socket); not replaced") }
        }
        let temporary = temporaryURL(for: url).path
        register(temporary)
        defer { unregister() }
        unlink(temporary)  // one left by an earlier process of the same number
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw BackpropError.writeFailure(path: url.path, errno: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        // On disk before the rename: a power cut must not leave an empty file under the name.
        if failure == 0 && fsync(descriptor) != 0 && errno != EINVAL { failure = errno }
        if close(descriptor) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, url.path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw BackpropError.writeFailure(path: url.path, errno: failure)
        }
    }

    /// Deletes the temporary files of our naming in `folder` (left by a process that was killed
    /// in a save) and returns their names. Call it only while no other process writes there.
    @discardableResult
    public static func removeStaleTemporaryFiles(in folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter(isTemporaryName).filter { unlink(folder.appendingPathComponent($0).path) == 0 }
    }

    /// Deletes the temporary file a ``write(_:to:)`` is writing now, if any. Async-signal-safe:
    /// a signal handler calls it before `_exit`.
    public static func removeTemporaryFileInProgress() {
        if inProgress != 0 { unlink(path) }
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    // The path being written, in a buffer allocated once, and a flag: plain memory a signal
    // handler may read. Only the main thread writes files.
    private static let capacity = Int(PATH_MAX) + 1
    nonisolated(unsafe) private static let path: UnsafeMutablePointer<CChar> = {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        buffer.initialize(repeating: 0, count: capacity)
        return buffer
    }()
    nonisolated(unsafe) private static var inProgress: sig_atomic_t = 0

    private static func register(_ temporary: String) {
        inProgress = 0
        let bytes = Array(temporary.utf8CString.prefix(capacity - 1))
        for (index, byte) in bytes.enumerated() { path[index] = byte }
        path[bytes.count] = 0
        inProgress = 1
    }

    private static func unregister() { inProgress = 0 }

    /// Makes the path buffer exist before any signal handler may read it.
    public static func prepareForSignals() { _ = path }
}

/// `write(2)`, named so the enum's own `write` does not hide it.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
