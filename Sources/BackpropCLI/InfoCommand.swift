import ArgumentParser
import Backprop

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the version, the linear-algebra backend in use and its thread count.",
        discussion: """
            Examples:
              backprop info
              BACKPROP_BLAS=builtin backprop info
              BACKPROP_BLAS=/usr/lib/x86_64-linux-gnu/libblis.so.4 BACKPROP_THREADS=1 \\
                backprop info
            """
    )

    func run() throws {
        let backend = try requireBackend()
        print("backprop \(backpropVersion)")
        print("blas:     \(backend.name)")
        print("version:  \(backend.version)")
        if let location = backend.location { print("library:  \(location)") }
        print("threads:  \(backend.threadCount)")
    }
}
