import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The folders one fuzz process works in: `/tmp/backprop-fuzz-<pid>/`, with the fixtures made
/// once at start and a `work/` folder emptied before every input. The process runs with its
/// current directory in `work/`, so a command's default output (`runs/…`) lands there too.
public enum Scratch {
    /// `/tmp/backprop-fuzz-<pid>`.
    public static let root: URL = {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("backprop-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Emptied before each input.
    public static var work: URL { root.appendingPathComponent("work") }

    /// Empties `work/` and makes it the current directory. Standard output goes to /dev/null
    /// (the commands print tables and progress; libFuzzer reports on standard error).
    public static func reset() {
        silenceStandardOutput
        let manager = FileManager.default
        _ = manager.changeCurrentDirectoryPath(root.path)
        try? manager.removeItem(at: work)
        try! manager.createDirectory(at: work, withIntermediateDirectories: true)
        _ = manager.changeCurrentDirectoryPath(work.path)
    }

    private static let silenceStandardOutput: Void = {
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, STDOUT_FILENO)
            dup2(null, STDIN_FILENO)  // nothing may wait on a terminal
            close(null)
        }
    }()
}
