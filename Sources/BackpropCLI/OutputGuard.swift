import Backprop
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks a command's output path before anything is computed: it must not be one of the
/// command's inputs (after symlinks, `..` and hard links: the same device and inode), and its
/// extension must say what is written unless `--force` is given.
enum OutputGuard {
    /// An input of the command: the option that named it and its path.
    typealias Input = (option: String, path: String)

    /// - Parameters:
    ///   - output: the output path; `option` is the flag that gave it.
    ///   - format: what is written, e.g. "CSV"; `extensions` are the names that say so (first
    ///     the one to suggest).
    ///   - inputs: the files the command reads.
    ///   - force: accept an extension that does not match.
    static func check(_ output: String, option: String, format: String, extensions: [String], inputs: [Input], force: Bool) throws {
        if let input = inputs.first(where: { sameFile(output, $0.path) }) {
            throw BackpropError.invalidArgument(
                "\(option) \(output) is the same file as \(input.option) \(input.path); writing it would destroy the input, so choose another file")
        }
        let found = URL(fileURLWithPath: output).pathExtension.lowercased()
        guard force || extensions.contains(found) else {
            let said = found.isEmpty ? "has no extension" : "has the extension .\(found)"
            throw BackpropError.invalidArgument(
                "\(option) \(output) \(said), but \(format) is written; name it .\(extensions[0]) or pass --force")
        }
    }

    /// Refuses a run folder whose files (model, checkpoint, report, metrics, plots) would
    /// overwrite one of the run's inputs; resuming from the folder's own checkpoint is allowed.
    static func checkRunFolder(_ folder: URL, inputs: [Input]) throws {
        let written = ["model.safetensors", "checkpoint.safetensors", "metrics.csv", "report.json", "report.md",
                       "loss.svg", "accuracy.svg", "gradients.svg", "boundary.svg"]
        for name in written {
            let path = folder.appendingPathComponent(name).path
            for input in inputs where sameFile(path, input.path) {
                if input.option == "--resume" && name == "checkpoint.safetensors" { continue }
                throw BackpropError.invalidArgument(
                    "\(input.option) \(input.path) is the run's \(name) in --output-dir \(folder.path), which the run overwrites; choose another folder")
            }
        }
    }

    /// Whether both paths name one existing regular file.
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat()
        var second = stat()
        guard !a.isEmpty, !b.isEmpty, stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return (first.st_mode & S_IFMT) == S_IFREG && first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
