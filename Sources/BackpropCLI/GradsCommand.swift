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

            --compare mine.npz compares a notebook's gradients (np.savez('mine.npz', **grads), with the \
            course's names dW1, db1, dZ1, dA0, … — C1W4's dA{l} included) with the ledger: per tensor the \
            relative difference, the worst entries with their indices, and the diagnosis (factor m, 1/m, \
            sign, transpose, wrong axis, …) from the same diagnoser as backprop check. Exit 0 only if all agree.

            Labels outside what the loss expects (Y = randn(…), as in one of the course's early tests) are \
            used as given, with a warning; train refuses them.

            Examples:
              backprop grads --weights params.npz --hidden tanh --output sigmoid \\
                --x X.npy --y Y.npy
              backprop grads --weights params.npz --x X.npy --y Y.npy \\
                --compare mine.npz
              backprop grads --weights runs/flower/model.safetensors --x X.npy \\
                --y Y.npy --convention absorbed --out ledger.npz
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
    @Option(help: "Compare with a notebook's gradients: an .npz of dW1, db1, … (np.savez('mine.npz', **grads)).")
    var compare: String?

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
        let Y = try NotebookFiles.labels(y, as: S.self, option: "--y", outputs: network.outputSize, examples: X.columns, budget: budget)
        guard X.isFinite, Y.isFinite else { throw BackpropError.nonFinite("--x or --y holds NaN or infinity") }
        NotebookFiles.warnAboutLabels(Y, loss: network.loss, option: "--y")
        // The ledger keeps every Z, A, dZ, dA, and the NPZ copies them all once more.
        try NetworkFootprint(network).requirePasses(
            of: S.self, examples: try CheckedSize.multiply(X.columns, 2, "--x"), within: budget)
        let ledger = try network.gradients(X, Y, convention: convention, l2: l2, labels: .anyFinite)
        if let compare {
            try compareNotebook(compare, network: network.converted(), X: X.converted(), Y: Y.converted(), budget: budget)
            return
        }
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

    /// `--compare`: the notebook's gradients against the ledger, diagnosed.
    private func compareNotebook(
        _ path: String, network: Network<Double>, X: Matrix<Double>, Y: Matrix<Double>, budget: MemoryBudget
    ) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw BackpropError.invalidArgument("--compare \(path): no such file") }
        let archive = try NPZ.read(contentsOf: URL(fileURLWithPath: path), budget: budget)
        var mine: [String: Matrix<Double>] = [:]
        for name in archive.names where ["dW", "db", "dZ", "dA"].contains(where: { name.hasPrefix($0) })
            && name.dropFirst(2).allSatisfy(\.isWholeNumber) && name.count > 2 {
            mine[name] = try archive[name]!.matrix(Double.self)
        }
        guard !mine.isEmpty else {
            throw BackpropError.malformedFile(path: path, reason: "has no gradients under the course's names dW1, db1, dZ1, dA0, … (it has \(archive.names.prefix(10).joined(separator: ", ")))"
                + " — save them with np.savez('mine.npz', **grads)")
        }
        let report = try DerivationChecker.compare(mine, network: network, X: X, Y: Y)
        let chosen = report.convention ?? convention
        let reference = NotebookFiles.courseGradients(try network.gradients(X, Y, convention: chosen, labels: .anyFinite))
        print("Comparing \(path) with the ledger of \(network.summary), m = \(X.columns), convention \(chosen)"
            + (report.convention == nil ? " (not decided by the file; --convention)" : " (as the file's gradients show)"))
        var table = TextTable(columns: ["name", "shape", "relative difference", "verdict"])
        var details: [String] = []
        for line in report.lines {
            let value = mine[line.name]!
            guard let expected = reference[line.name] else {
                table.add([line.name, value.shape.description, "", "not compared"])
                details.append("\(line.name): \(line.diagnosis ?? "not compared: the network has no such gradient")")
                continue
            }
            let relative = value.shape == expected.shape ? Self.relativeDifference(value, expected) : .infinity
            let verdict = line.status == .correct ? "agrees" : (line.status == .wrong ? "DIFFERS" : "not compared")
            table.add([line.name, value.shape.description, value.shape == expected.shape ? format(relative) : "shape \(expected.shape) expected", verdict])
            if line.status == .wrong {
                var text = "\(line.name): \(line.diagnosis ?? "wrong")"
                if value.shape == expected.shape { text += "; worst entries " + Self.worst(value, expected) }
                details.append(text)
            }
        }
        print(table.render())
        for detail in details { print(detail) }
        let agree = report.lines.allSatisfy { $0.status == .correct }
        print(agree ? "All \(report.lines.count) gradients agree with the ledger." : "\(report.lines.filter { $0.status != .correct }.count) of \(report.lines.count) gradients do not agree.")
        if !agree { throw ExitCode(1) }
    }

    /// `‖u − r‖ / max(‖u‖, ‖r‖)`.
    static func relativeDifference(_ u: Matrix<Double>, _ r: Matrix<Double>) -> Double {
        let scale = max(u.norm(), r.norm())
        return scale == 0 ? 0 : (u - r).norm() / scale
    }

    /// The three entries that differ most, `[i, j] yours … ledger …`.
    static func worst(_ u: Matrix<Double>, _ r: Matrix<Double>) -> String {
        let order = (0..<u.count).sorted { abs(u.elements[$0] - r.elements[$0]) > abs(u.elements[$1] - r.elements[$1]) }
        return order.prefix(3).map { k in
            "[\(k % u.rows), \(k / u.rows)] yours \(format(u.elements[k])) ledger \(format(r.elements[k]))"
        }.joined(separator: ", ")
    }
}
