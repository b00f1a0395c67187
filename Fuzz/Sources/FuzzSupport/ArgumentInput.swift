import Foundation

/// The `FuzzCommandLine` input format: an argument vector, one argument a line (no program
/// name; the first is the subcommand), then optionally a NUL byte and the bytes of a file.
///
/// Placeholders in an argument are replaced by paths:
/// - `@FILE<suffix>` → `work/in<suffix>`, holding the file part (the suffix, up to 12 of
///   `A-Za-z0-9._-`, picks the format by extension: `@FILE.csv`, `@FILE.safetensors`);
/// - `@DIR` → `work/out` (absent), `@OUT<suffix>` → `work/out<suffix>` (absent);
/// - `@MODEL`, `@CKPT`, `@ADAMMODEL`, `@ADAMCKPT`, `@NPZMODEL`, `@XNPY`, `@YNPY` → the ``Fixtures``.
///
/// An argument holding `..`, `~` or a `/` of its own is refused (the input is skipped), so no
/// input can name a path outside `work/` and the fixtures.
public struct ArgumentInput {
    public var arguments: [String]
    /// Files to write before running: path → bytes.
    public var files: [(path: String, bytes: Data)]

    public init?(_ data: Data) {
        let split = data.firstIndex(of: 0)
        let head = data[..<(split ?? data.endIndex)]
        let file = split.map { data[data.index(after: $0)...] } ?? Data()
        var lines = String(decoding: head, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty, lines.count <= 64 else { return nil }
        let work = Scratch.work.path
        var files: [(String, Data)] = []
        var arguments: [String] = []
        for line in lines {
            guard !line.contains(".."), !line.hasPrefix("~"), !line.contains("/") else { return nil }
            var argument = ""
            var rest = Substring(line)
            while let at = rest.firstIndex(of: "@") {
                argument += rest[..<at]
                rest = rest[at...]
                if rest.hasPrefix("@FILE") || rest.hasPrefix("@OUT") {
                    let isFile = rest.hasPrefix("@FILE")
                    rest = rest.dropFirst(isFile ? 5 : 4)
                    let suffix = String(rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }.prefix(12))
                    rest = rest.dropFirst(suffix.count)
                    let path = "\(work)/\(isFile ? "in" : "out")\(suffix)"
                    if isFile && !files.contains(where: { $0.0 == path }) { files.append((path, Data(file))) }
                    argument += path
                } else if rest.hasPrefix("@DIR") {
                    rest = rest.dropFirst(4)
                    argument += "\(work)/out"
                } else if let fixture = Fixtures.shared.tokens.first(where: { rest.hasPrefix($0.token) }) {
                    rest = rest.dropFirst(fixture.token.count)
                    argument += fixture.path
                } else {
                    argument += "@"
                    rest = rest.dropFirst()
                }
            }
            arguments.append(argument + rest)
        }
        self.arguments = arguments
        self.files = files
    }

    /// Writes the files into `work/`.
    public func writeFiles() {
        for (path, bytes) in files { _ = FileManager.default.createFile(atPath: path, contents: bytes) }
    }
}
