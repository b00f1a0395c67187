import ArgumentParser
import Backprop

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the version, the linear-algebra backend in use, its thread count, and the MPI library a distributed run would use.",
        discussion: """
            Examples:
              backprop info
              BACKPROP_BLAS=builtin backprop info
              BACKPROP_BLAS=/usr/lib/x86_64-linux-gnu/libblis.so.4 BACKPROP_THREADS=1 \\
                backprop info
              BACKPROP_MPI=/opt/openmpi/lib/libmpi.so.40 backprop info
            """
    )

    func run() throws {
        let backend = try requireBackend()
        print("backprop \(backpropVersion)")
        print("blas:     \(backend.name)")
        print("version:  \(backend.version)")
        if let location = backend.location { print("library:  \(location)") }
        if let note = backend.note { print("note:     \(note)") }
        print("threads:  \(backend.threadCount)")
        let kernels = KernelInstructionSet.current, best = KernelInstructionSet.supported
        print("kernels:  \(kernels)" + (kernels == best ? "" : " (this CPU supports \(best); BACKPROP_KERNELS lowered it)"))
        // MPI is only loaded for a distributed run; say here whether one could start.
        do {
            let mpi = try MPILibrary.load()
            print("mpi:      \(mpi.version) (\(mpi.location))")
        } catch let BackpropError.backendUnavailable(reason) {
            print("mpi:      not available: \(BackpropError.singleLine(reason))")
        }
    }
}
