import ArgumentParser
import Backprop
import Foundation

/// The `backprop` command line: its subcommands are the tools (train, evaluate, predict, …).
/// `Sources/BackpropMain` runs it; the fuzz targets in `Fuzz/` parse argument vectors with it.
public struct BackpropCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Neural networks trained by backpropagation, with every derivative in plain sight.",
        discussion: """
            Shapes follow the course: X is (n_x, m) with one example per column, W[l] is \
            (n_l, n_{l-1}) like PyTorch's nn.Linear, b[l] is (n_l, 1).

            Environment: BACKPROP_BLAS picks the BLAS (a library path, or 'builtin'); \
            BACKPROP_THREADS sets its thread count.
            """,
        version: backpropVersion,
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, ExportCommand.self, SummaryCommand.self, GradsCommand.self, InfoCommand.self, GradcheckCommand.self, LedgerCommand.self, ExplainCommand.self, CheckCommand.self, BenchCommand.self]
    )

    public init() {}

    /// Runs the command; every error is printed here, as one `Error:` line (newlines and
    /// control characters escaped, length capped), followed for a usage error by
    /// ArgumentParser's usage block. Public, so `BackpropMain` calls this one and not
    /// ArgumentParser's own `main()`.
    public static func main() {
        // Line-buffered even when piped (`train … | tee log` shows each line as it is printed).
        lineBufferStandardOutput()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
            DistributedJob.finish()
        } catch {
            let message = Self.message(for: error)
            let code = exitCode(for: error)
            guard !message.isEmpty, code != .success else {
                DistributedJob.finish()
                exit(withError: error)
            }
            let full = fullMessage(for: error)
            let prefix = "Error: " + message
            let usage = full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : ""
            FileHandle.standardError.write(Data(("Error: " + DistributedJob.prefix + BackpropError.singleLine(message) + usage + "\n").utf8))
            // One rank's error must not leave the others waiting in a collective.
            DistributedJob.abort(code: code.rawValue)
            Foundation.exit(code.rawValue)
        }
    }
}

/// Stops with the backend search's error when `BACKPROP_BLAS` named something unusable.
func requireBackend() throws -> any LinearAlgebraBackend {
    try KernelInstructionSet.validateEnvironment()
    switch LinearAlgebra.selection {
    case let .success(backend): return backend
    case let .failure(error): throw error
    }
}

