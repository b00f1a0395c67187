import Backprop
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder one training run writes into.
enum RunFolder {
    /// The lock file every writer holds an exclusive `flock` on; it holds the writer's PID.
    static let lockName = ".backprop-run.lock"

    /// The files a run writes; a folder holding one of them holds a run.
    static let runFiles = ["model.safetensors", "checkpoint.safetensors", "metrics.csv", "report.json", "report.md"]

    /// Makes a new folder named `base`, or `base-2`, `base-3`, … when that is taken: `mkdir`
    /// either creates a name or fails, so two runs started in the same second never share one.
    static func makeUnique(base: String) throws -> URL {
        let parent = URL(fileURLWithPath: base).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        for suffix in 1...10_000 {
            let path = suffix == 1 ? base : "\(base)-\(suffix)"
            if mkdir(path, 0o755) == 0 { return URL(fileURLWithPath: path) }
            guard errno == EEXIST else { return URL(fileURLWithPath: path) }  // prepare() names the problem
        }
        throw BackpropError.invalidArgument("cannot find a free run folder name after \(base)-10000; pass --output-dir")
    }

    /// Creates `folder` (and its parents), proves it is writable, locks it for this process and
    /// clears temporary files a killed run left, so a bad `--output-dir` fails before any
    /// training time is spent and two runs never write into one folder. A folder that already
    /// holds a run's files is refused unless `overwrite`.
    static func prepare(_ folder: URL, overwrite: Bool = false) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw BackpropError.invalidArgument("--output-dir \(folder.path) is a file, not a folder")
        }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            // Foundation's message can be a bare "error 512": name the part of the path at fault.
            var ancestor = folder.deletingLastPathComponent()
            while ancestor.path != "/" && !manager.fileExists(atPath: ancestor.path) { ancestor = ancestor.deletingLastPathComponent() }
            var ancestorIsFolder: ObjCBool = false
            let reason = manager.fileExists(atPath: ancestor.path, isDirectory: &ancestorIsFolder) && !ancestorIsFolder.boolValue
                ? "\(ancestor.path) is a file, not a folder"
                : !manager.isWritableFile(atPath: ancestor.path)
                ? "\(ancestor.path) is read-only or not writable"
                : error.localizedDescription
            throw BackpropError.invalidArgument("--output-dir \(folder.path): cannot create the run folder: \(reason)")
        }
        let probe = folder.appendingPathComponent(".write-test-\(getpid())").path
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BackpropError.invalidArgument("--output-dir \(folder.path): cannot write in the run folder (read-only or no permission)")
        }
        close(descriptor)
        unlink(probe)
        try lock(folder)
        if !overwrite, let found = runFiles.first(where: { manager.fileExists(atPath: folder.appendingPathComponent($0).path) }) {
            throw BackpropError.invalidArgument(
                "--output-dir \(folder.path) already holds a run (\(found)); choose another folder, or pass --overwrite to replace it")
        }
        AtomicFile.removeStaleTemporaryFiles(in: folder)
        let names = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix(".write-test-") { try? manager.removeItem(at: folder.appendingPathComponent(name)) }
    }

    /// Takes an exclusive `flock` on the folder's lock file and writes this process's PID into
    /// it; the lock is held until the process exits (the descriptor is never closed).
    /// - Throws: naming the PID of the run that holds it.
    private static func lock(_ folder: URL) throws {
        let path = folder.appendingPathComponent(lockName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BackpropError.invalidArgument("--output-dir \(folder.path): cannot create the lock file \(lockName): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            guard code == EWOULDBLOCK else {
                throw BackpropError.invalidArgument("--output-dir \(folder.path): cannot lock \(lockName): \(String(cString: strerror(code)))")
            }
            let text = String(decoding: buffer.prefix(Swift.max(count, 0)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let holder = Int(text).map { "PID \($0)" } ?? "a process"
            throw BackpropError.invalidArgument(
                "--output-dir \(folder.path) is in use: another backprop run (\(holder)) is writing into it; wait for it to end or choose another folder")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }
}
