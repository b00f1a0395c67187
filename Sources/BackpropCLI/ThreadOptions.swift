import ArgumentParser
import Backprop

/// `--threads` for the commands that only run inference (`evaluate`, `predict`): the BLAS's
/// thread count. (`train` has its own, which also sets how many shards a batch is split into
/// and is checked against a resumed run's.)
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for the BLAS (default: the library's choice, or BACKPROP_THREADS).")
    var threads: Int?

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, not \(threads)") }
    }

    /// Sets ``LinearAlgebra/threadCount`` when `--threads` was given.
    func apply() {
        if let threads { LinearAlgebra.setThreadCount(threads) }
    }
}
