import ArgumentParser
import Backprop

/// Built-in data for commands that need only a few examples (gradient checks, ledgers).
struct BuiltInDataOptions: ParsableArguments {
    @Option(help: "Built-in data: random (features N(0,1), labels shaped for the loss) or flower (needs n_x = 2, n_y = 1).")
    var data: String = "random"

    @Option(help: "Number of examples m (not a power of two by default, so rounding shows).")
    var examples: Int = 37

    func validate() throws {
        guard examples > 0 else { throw ValidationError("--examples must be positive, not \(examples)") }
        guard ["random", "flower"].contains(data) else {
            throw ValidationError("--data '\(data)' is not built in (random, flower)")
        }
    }

    /// The examples for `network`, once its passes over them (both ledgers' worth) are known
    /// to fit `budget`.
    func dataset<S: BackpropScalar>(for network: Network<S>, seed: UInt64, budget: MemoryBudget) throws -> Dataset<S> {
        let columns = try CheckedSize.multiply(examples, 2, "--examples")
        do {
            try NetworkFootprint(network).requirePasses(of: S.self, examples: columns, within: budget)
        } catch {
            throw BackpropError.tooLarge("--examples \(examples): \(error)")
        }
        if data == "flower" {
            guard network.inputSize == 2, network.outputSize == 1 else {
                throw ValidationError("--data flower has 2 features and 1 label row; --layers must start with 2 and end with 1")
            }
            return Generators.flower(examples: examples, seed: seed)
        }
        return Generators.random(
            inputs: network.inputSize, outputs: network.outputSize, examples: examples,
            loss: network.loss, seed: seed &+ 1)
    }
}
