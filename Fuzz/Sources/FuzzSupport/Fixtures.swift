import Backprop
@testable import BackpropCLI
import Foundation

/// Valid files the fuzz inputs can name, made once per process by the real commands, so an
/// input can pair a good model or checkpoint with a hostile data file (or the reverse).
public struct Fixtures: Sendable {
    /// `backprop train --data moons --epochs 3` (SGD): its model and its checkpoint.
    public var model: String
    public var checkpoint: String
    /// The same with Adam and mini-batches (moment buffers, several steps an epoch).
    public var adamModel: String
    public var adamCheckpoint: String
    /// A course parameters file (`W1, b1, W2, b2` of a 2-4-1 network) as NumPy saves it.
    public var courseNPZ: String
    /// Features `(2, 8)` and labels `(1, 8)` of the moons as `.npy` (for `grads`, `predict`).
    public var featuresNPY: String
    public var labelsNPY: String

    /// Made on first use.
    public static let shared: Fixtures = make()

    /// The placeholders an argument may hold, and their paths.
    public var tokens: [(token: String, path: String)] {
        [("@ADAMMODEL", adamModel), ("@ADAMCKPT", adamCheckpoint), ("@MODEL", model), ("@CKPT", checkpoint), ("@NPZMODEL", courseNPZ), ("@XNPY", featuresNPY), ("@YNPY", labelsNPY)]
    }

    private static func make() -> Fixtures {
        let folder = Scratch.root.appendingPathComponent("fixtures")
        func train(_ name: String, _ extra: [String]) -> URL {
            let run = folder.appendingPathComponent(name)
            var command = try! BackpropCommand.parseAsRoot(["train", "--data", "moons", "--epochs", "3", "--output-dir", run.path] + extra)
            silenced { try! command.run() }
            return run
        }
        let sgd = train("sgd", [])
        let adam = train("adam", ["--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "64", "--units", "3"])
        let network = try! Network<Double>(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, seed: 3)
        var arrays: [(name: String, matrix: Matrix<Double>)] = []
        for l in 1...network.depth {
            arrays.append(("W\(l)", network.layer(l).W))
            arrays.append(("b\(l)", network.layer(l).b))
        }
        let npz = folder.appendingPathComponent("course.npz")
        try! NPZ.write(arrays, to: npz)
        let moons: Dataset<Double> = Generators.moons(examples: 8, seed: 2)
        let x = folder.appendingPathComponent("x.npy"), y = folder.appendingPathComponent("y.npy")
        try! NPY.write(moons.X, to: x)
        try! NPY.write(moons.Y, to: y)
        return Fixtures(
            model: sgd.appendingPathComponent("model.safetensors").path,
            checkpoint: sgd.appendingPathComponent("checkpoint.safetensors").path,
            adamModel: adam.appendingPathComponent("model.safetensors").path,
            adamCheckpoint: adam.appendingPathComponent("checkpoint.safetensors").path,
            courseNPZ: npz.path, featuresNPY: x.path, labelsNPY: y.path)
    }

    private static func silenced(_ body: () -> Void) {
        Scratch.reset()
        body()
    }
}
