import Backprop
import Foundation

/// The `FuzzCheckpointResume` input format: edits to a valid checkpoint, one a line.
///
/// - `adam` (first line only): start from the Adam checkpoint instead of the SGD one;
/// - `KEY=VALUE`: set metadata field KEY (`optimizer_step`, `configuration`, `history`,
///   `layers`, `input_means`, …) to VALUE, usually JSON;
/// - `-KEY`: delete metadata field KEY;
/// - `!NAME`: delete tensor NAME;
/// - `:NAME=DTYPE;DIMS;VALUES`: set tensor NAME (added if new) to dtype `F32` or `F64`, shape
///   DIMS (`3,2`; empty for a scalar) and VALUES (numbers, `nan`, `inf`; repeated to fill the
///   shape, which is capped at 65,536 elements);
/// - `--OPTION …`: more arguments for the resuming `train` command, split at spaces.
///
/// The edited checkpoint is written to `work/checkpoint.safetensors` and resumed with
/// `train --resume … --data moons --output-dir work/out` and the extra arguments, through
/// ``CommandRunner`` (so its caps apply).
public struct CheckpointEdits {
    public var file: SafeTensors.File
    public var extraArguments: [String] = []

    public init?(_ data: Data) {
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let base = lines.first == "adam" ? Fixtures.shared.adamCheckpoint : Fixtures.shared.checkpoint
        if lines.first == "adam" { lines.removeFirst() }
        guard var file = try? SafeTensors.read(contentsOf: URL(fileURLWithPath: base)) else { return nil }
        for line in lines {
            if line.hasPrefix("--") {
                let words = line.split(separator: " ").map(String.init)
                guard !words.contains(where: { $0.contains("/") || $0.contains("..") || $0.hasPrefix("~") }) else { return nil }
                extraArguments += words
            } else if line.hasPrefix("-") {
                file.metadata[String(line.dropFirst())] = nil
            } else if line.hasPrefix("!") {
                file.tensors.removeAll { $0.name == line.dropFirst() }
            } else if line.hasPrefix(":"), let equals = line.firstIndex(of: "=") {
                let name = String(line[line.index(after: line.startIndex)..<equals])
                guard let tensor = Self.tensor(line[line.index(after: equals)...]) else { return nil }
                if let index = file.tensors.firstIndex(where: { $0.name == name }) {
                    file.tensors[index].tensor = tensor
                } else {
                    file.tensors.append((name, tensor))
                }
            } else if let equals = line.firstIndex(of: "=") {
                file.metadata[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
        }
        self.file = file
    }

    /// `DTYPE;DIMS;VALUES`, or `nil` when it does not parse or is over 65,536 elements.
    static func tensor(_ text: Substring) -> SafeTensors.Tensor? {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "F32" || parts[0] == "F64" else { return nil }
        let dims = parts[1].isEmpty ? [] : parts[1].split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard dims.allSatisfy({ $0 != nil && $0! >= 0 }), dims.count <= 4 else { return nil }
        var count = 1
        for d in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: d!)
            guard !overflow, product <= 65_536 else { return nil }
            count = product
        }
        let values = parts[2].split(separator: ",").compactMap { Double($0) }
        let filled = values.isEmpty ? [Double](repeating: 0, count: count) : (0..<count).map { values[$0 % values.count] }
        return SafeTensors.Tensor(shape: dims.map { $0! }, dtype: String(parts[0]), values: filled)
    }

    /// Writes the checkpoint and the arguments that resume it.
    public func prepare() -> [String]? {
        let path = Scratch.work.appendingPathComponent("checkpoint.safetensors")
        guard (try? SafeTensors.write(file.tensors, metadata: file.metadata, to: path)) != nil else { return nil }
        return ["train", "--resume", path.path, "--data", "moons", "--output-dir", Scratch.work.appendingPathComponent("out").path] + extraArguments
    }
}
