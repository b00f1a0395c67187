import ArgumentParser
import Backprop
import Foundation

/// `--distributed`: data-parallel training across the ranks of an MPI job
/// (`mpirun -np N backprop train …`).
///
/// Inferred: under a launcher that starts more than one rank (Open MPI's `OMPI_COMM_WORLD_SIZE`,
/// or `PMI_SIZE` / `PMIX_SIZE`), a run is distributed unless `--no-distributed` says to
/// train each rank on its own; a run started without a launcher is a single process unless
/// `--distributed` is given (then MPI starts as a singleton, one rank).
struct DistributedOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Train data-parallel across the MPI ranks that mpirun started (default: yes under mpirun with more than one rank).")
    var distributed: Bool?
    @Option(help: "How ranks add their sums: allreduce (the MPI library's, fast) or rank-order (gathered and added in rank order: bit for bit a process's thread shards).")
    var reduce: MPIReducer.Order = .allreduce
    @Flag(inversion: .prefixedNo, help: "Send each layer's gradients while the layers below are computed (default), or all after the backward pass.")
    var overlap = true

    /// The launcher's variables that give the number of ranks, in the order they are read.
    static let sizeVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"]

    /// Whether the run is distributed, and why (for the banner).
    func decision(environment: [String: String] = ProcessInfo.processInfo.environment) -> (on: Bool, reason: String) {
        let launcher = Self.sizeVariables.lazy.compactMap { name in environment[name].flatMap(Int.init).map { (name, $0) } }.first
        if let distributed {
            return (distributed, distributed ? "--distributed" : "--no-distributed")
        }
        if let (name, size) = launcher, size > 1 {
            return (true, "inferred from \(name)=\(size); --no-distributed trains each rank on its own")
        }
        return (false, "")
    }

    /// The ranks' reducer when the run is distributed (MPI loaded and initialized), else `nil`.
    /// - Throws: a one-line error naming the libraries tried when MPI cannot be loaded.
    func start() throws -> MPIReducer? {
        guard decision().on else { return nil }
        let library: MPILibrary
        do {
            library = try MPILibrary.load()
        } catch let BackpropError.backendUnavailable(reason) {
            throw BackpropError.backendUnavailable("distributed training needs MPI: \(reason)")
        }
        return try MPIReducer(library: library, order: reduce)
    }
}

extension MPIReducer.Order: ExpressibleByArgument {}

/// The MPI job this process belongs to, if any: set once by a distributed `train`, so that an
/// error anywhere ends every rank (`MPI_Abort`) instead of leaving the others waiting in a
/// collective, and a normal exit finalizes MPI.
enum DistributedJob {
    /// Set by the main thread before training starts, read by it at exit.
    nonisolated(unsafe) static var reducer: MPIReducer?

    /// Whether this process is a rank other than 0 of a distributed run (it writes nothing).
    static var isQuietRank: Bool { (reducer?.rank ?? 0) != 0 }

    /// `rank r of N: ` in a distributed run's error lines, empty otherwise.
    static var prefix: String {
        guard let reducer, reducer.participants > 1 else { return "" }
        return "rank \(reducer.rank) of \(reducer.participants): "
    }

    /// `MPI_Finalize` after a normal end (including an interruption every rank agreed on).
    static func finish() {
        reducer?.library.finalize()
    }

    /// `MPI_Abort` after an error on this rank, which ends every rank of the job.
    static func abort(code: Int32) {
        guard let reducer else { return }
        if reducer.participants > 1 { reducer.library.abort(code: code) }
        reducer.library.finalize()
    }
}
