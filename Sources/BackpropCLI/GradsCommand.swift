import ArgumentParser
import Backprop
import Foundation

struct GradsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grads",
        abstract: "One forward and backward pass on given weights and data; write the whole ledger as NPZ.",
        discussion: """
            The NPZ holds the course's names Z1, A1, dZ1, dA0, dW1, db1, … (b and db as (n, 1); dA0 \
            is the gradient with respect to X) and cost, so a notebook can compare line by line:
              L = np.load("ledger.npz"); np.allclose(L["dW1"], grads["dW1"])
            X is (n_x, m) and Y is (n_y, m) as in the course: 0/1 labels for a sigmoid output, \
            one-hot columns for softmax.

            Examples:
              backprop grads --weights params.npz --hidden tanh --output sigmoid --x X.npy --y Y.npy
              backprop grads --weights runs/flower/model.safetensors --x X.npy --y Y.npy --convention absorbed --out ledger.npz
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @Option(help: "Features, a .npy of shape (n_x, m).")
    var x: String
    @Option(help: "Labels, a .npy of shape (n_y, m).")
    var y: String
    @Option(help: "Where 1/m goes: deferred (the course) or absorbed (PyTorch's mean).")
    var convention: Convention = .deferred
    @Option(help: "L2 strength λ.")
    var l2: Double = 0
    @Option(help: "Write the ledger to this .npz file.")
    var out: String?
    @Flag(help: "Write --out even when its extension is not .npz.")
    var force = false

    func validate() throws {
        guard l2 >= 0, l2.isFinite else { throw ValidationError("--l2 must be a finite number ≥ 0, not \(l2)") }
    }

    func run() throws {
        _ = try requireBackend()
        if let out {
            try OutputGuard.check(out, option: "--out", format: "NPZ", extensions: ["npz"],
                                  inputs: [("--weights", model.weights), ("--x", x), ("--y", y)], force: force)
        }
        Interrupt.installForWriting()
        switch model.precision {
        case .float: try grads(Float.self)
        case .double: try grads(Double.self)
        }
    }

    private func grads<S: BackpropScalar>(_: S.Type) throws {
        let budget = try memory.budget()
        let network: Network<S> = try model.load(S.self, budget: budget)
        let X = try readMatrix(x, as: S.self, option: "--x", budget: budget)
        let Y = try readMatrix(y, as: S.self, option: "--y", budget: budget)
        guard X.isFinite, Y.isFinite else { throw BackpropError.nonFinite("--x or --y holds NaN or infinity") }
        // The ledger keeps every Z, A, dZ, dA, and the NPZ copies them all once more.
        try NetworkFootprint(network).requirePasses(
            of: S.self, examples: try CheckedSize.multiply(X.columns, 2, "--x"), within: budget)
        let ledger = try network.gradients(X, Y, convention: convention, l2: l2)
        var arrays: [(name: String, array: NPYArray)] = []
        var table = TextTable(columns: ["name", "shape", "‖·‖", "max |·|"])
        for page in ledger.layers {
            let l = page.layer
            for (name, matrix) in [("Z\(l)", page.Z), ("A\(l)", page.A), ("dZ\(l)", page.dZ), ("dA\(l - 1)", page.dAPrevious),
                                   ("dW\(l)", page.dW), ("db\(l)", page.db)] {
                arrays.append((name, NPYArray(matrix)))
                table.add([name, matrix.shape.description, format(matrix.norm()), format(Double(matrix.maxAbs()))])
            }
        }
        arrays.append(("cost", NPYArray(scalar: Double(ledger.cost))))
        print("\(network.summary), m = \(X.columns), convention \(convention), \(S.dtypeName): cost J = \(ledger.cost)")
        print(table.render())
        if let out {
            try NPZ.write(arrays, to: URL(fileURLWithPath: out))
            print("wrote \(out)")
        }
    }
}
