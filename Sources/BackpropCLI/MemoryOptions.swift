import ArgumentParser
import Backprop

/// `--max-memory`, shared by every command that allocates from its input: the budget each
/// size from a flag, a header or a file is checked against before anything is allocated.
struct MemoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Most memory an allocation from input may take, e.g. 4G, 512MB, 2GiB, 50% (default: 3/4 of the memory available to the process).",
        valueName: "size"))
    var maxMemory: String?

    func validate() throws { _ = try budget() }

    /// The budget: `--max-memory`, or ``MemoryBudget/standard`` naming how to change it.
    func budget() throws -> MemoryBudget {
        guard let maxMemory else {
            let available = MemoryBudget.availableMemory.map { " of \(MemoryBudget.text(bytes: $0))" } ?? ""
            return MemoryBudget(bytes: MemoryBudget.standard.bytes, origin: "3/4\(available) by default; raise it with --max-memory")
        }
        guard let budget = MemoryBudget(parsing: maxMemory, origin: "--max-memory") else {
            throw ValidationError("--max-memory '\(BackpropError.excerpt(maxMemory))' is not a size such as 4G, 512MB, 2GiB or 50%")
        }
        return budget
    }
}
