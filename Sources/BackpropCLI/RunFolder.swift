import Backprop
import Foundation

/// The folder one training run writes into.
enum RunFolder {
    /// Creates `folder` (and its parents) and proves it is writable, so a bad `--output-dir`
    /// fails before any training time is spent.
    static func prepare(_ folder: URL) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw BackpropError.invalidArgument("--output-dir \(folder.path) is a file, not a folder")
        }
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw BackpropError.invalidArgument("cannot create run folder \(folder.path): \(error.localizedDescription)")
        }
        let probe = folder.appendingPathComponent(".write-test-\(getpid())")
        guard manager.createFile(atPath: probe.path, contents: Data()) else {
            throw BackpropError.invalidArgument("cannot write in run folder \(folder.path) (read-only or no permission)")
        }
        try? manager.removeItem(at: probe)
    }
}
