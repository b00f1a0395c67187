import ArgumentParser
import Backprop
import Foundation

struct GradsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grads",
        abstract: "One forward and backward pass on given weights and data; write the whole ledger as NPZ.",
        discussion: """
            The NPZ holds every entry of the ledger's pages under the course's names Z1, A1, dZ1, \
            dA0, dW1, db1, … (b and db as (n, 1); dA0 is the gradient with respect to X), a batch-norm \
            layer's Z̃[l], μ[l], σ²[l], Ẑ[l], dZ̃[l], dẐ[l], dσ²[l], dμ[l], dγ[l], dβ[l] (train mode), \
            every trainable tensor's gradient under its PyTorch state_dict name and in its layout as \
            grad.<name> (grad.0.weight (out, in), grad.1.bias (out,), …), and cost, so a notebook can compare line by line:
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
        var written = Set<String>()
        var table = TextTable(columns: ["name", "shape", "‖·‖", "max |·|"])
        func add(_ name: String, _ matrix: Matrix<S>, vector: Bool = false) throws {
            // Batch norm's dA_prev is the dense layer's dZ below it, already on that page.
            guard written.insert(name).inserted else { return }
            arrays.append((name, vector ? try NPYArray(vector: matrix) : NPYArray(matrix)))
            table.add([name, vector ? "(\(matrix.count),)" : matrix.shape.description, format(matrix.norm()), format(Double(matrix.maxAbs()))])
        }
        // Image layers' entries in the course's layout: (m, n_H, n_W, n_C), W (f, f, n_C_prev, n_C).
        func add(_ name: String, _ array: NDArray<S>) throws {
            guard written.insert(name).inserted else { return }
            let values = array.elements.map { Double($0) }
            arrays.append((name, try NPYArray(shape: array.shape, elements: S.self == Double.self ? .float64(values) : .float32(values.map { Float($0) }))))
            let matrix = Matrix(rows: array.count, columns: 1, columnMajor: array.elements)
            table.add([name, array.shapeDescription, format(matrix.norm()), format(Double(matrix.maxAbs()))])
        }
        for page in ledger.layers {
            for (name, matrix) in page.entries {
                let label = LedgerCommand.label(name, layer: page.layer, kind: page.kind)
                if let course = page.courseArray(name) { try add(label, course) } else { try add(label, matrix) }
            }
        }
        // In the state_dict's layout: a weight (out, in) or (out_c, in_c, kH, kW), a bias or scale (out,).
        for tensor in ledger.gradients.tensors where tensor.isTrainable {
            if tensor.fileShape.count > 2 {
                try add("grad.\(tensor.name)", NDArray(shape: tensor.fileShape, elements: ledger.gradients.matrix(tensor).rowMajorElements))
            } else {
                try add("grad.\(tensor.name)", ledger.gradients.matrix(tensor), vector: tensor.fileShape.count == 1)
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
