import Foundation
import ArgumentParser
import Backprop

/// The options that describe a network, shared by every command that builds one.
struct ArchitectureOptions: ParsableArguments {
    @Option(help: "Layer sizes n_x,n_1,...,n_L, e.g. 2,4,1.")
    var layers: String = "2,4,1"

    @Option(help: "Hidden activation: sigmoid, tanh, relu, leaky_relu[:slope], identity.")
    var hidden: String = "tanh"

    @Option(help: "Output activation: sigmoid (BCE), softmax (CE) or identity (MSE).")
    var output: String = "sigmoid"

    @Option(help: "Loss: bce, ce or mse (default: the one the output activation implies).")
    var loss: String?

    @Option(help: "Weight initialiser: he, xavier, glorot, normal[:scale], zeros (default: he for ReLU, else xavier).")
    var initializer: String?

    @Option(help: "Seed for weights and built-in data.")
    var seed: UInt64 = 1

    @Option(help: "Precision of the model: float or double.")
    var precision: Precision = .double

    enum Precision: String, ExpressibleByArgument, CaseIterable {
        case float, double
    }

    func validate() throws {
        _ = try sizes()
        _ = try activations()
        _ = try resolvedLoss()
        _ = try resolvedInitializer()
    }

    func sizes() throws -> [Int] {
        let parts = layers.split(separator: ",", omittingEmptySubsequences: false)
        let sizes = parts.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count >= 2, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--layers '\(layers)' must be two or more positive integers separated by commas, e.g. 2,4,1")
        }
        return sizes.map { $0! }
    }

    func activations() throws -> (hidden: Activation, output: Activation) {
        guard let h = Activation(name: hidden), h.isElementwise else {
            throw ValidationError("--hidden '\(hidden)' is not a hidden activation (sigmoid, tanh, relu, leaky_relu, identity)")
        }
        guard let o = Activation(name: output) else {
            throw ValidationError("--output '\(output)' is not an activation (sigmoid, softmax, identity, tanh, relu)")
        }
        return (h, o)
    }

    func resolvedLoss() throws -> Loss {
        let output = try activations().output
        let chosen: Loss
        if let loss {
            guard let parsed = Loss(name: loss) else {
                throw ValidationError("--loss '\(loss)' is not a loss (bce, ce, mse)")
            }
            chosen = parsed
        } else {
            chosen = Loss.natural(for: output)
        }
        do { try chosen.validate(output: output) } catch { throw ValidationError("--loss: \(error)") }
        return chosen
    }

    func resolvedInitializer() throws -> Initializer? {
        guard let initializer else { return nil }
        guard let parsed = Initializer(name: initializer) else {
            throw ValidationError("--initializer '\(initializer)' is not one of he, xavier, glorot, normal[:scale], zeros")
        }
        return parsed
    }

    func makeNetwork<S: BackpropScalar>(_: S.Type) throws -> Network<S> {
        let (h, o) = try activations()
        return try Network(
            sizes: sizes(), hidden: h, output: o, loss: resolvedLoss(),
            initializer: resolvedInitializer(), seed: seed)
    }

    /// A short description such as `2-4-1 tanh → sigmoid + bce`.
    var summary: String {
        let loss = (try? resolvedLoss())?.description ?? "?"
        return "\(layers.replacingOccurrences(of: ",", with: "-")) \(hidden) → \(output) + \(loss)"
    }
}

extension Convention: ExpressibleByArgument {}
