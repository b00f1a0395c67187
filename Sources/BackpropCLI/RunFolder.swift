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
        let probe = folder.appendingPathComponent(".write-test-\(getpid())")
        guard manager.createFile(atPath: probe.path, contents: Data()) else {
            throw BackpropError.invalidArgument("--output-dir \(folder.path): cannot write in the run folder (read-only or no permission)")
        }
        try? manager.removeItem(at: probe)
    }
}
