import ArgumentParser
import Backprop
import Foundation

struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check the backward pass against central differences, tensor by tensor.",
        discussion: """
            Every parameter is nudged by ±ε and the cost's change is compared with the analytic \
            gradient in Double (a Float model is checked in Double). Below 1e-7 is right, above \
            1e-3 is a bug. Exits with status 1 unless the overall verdict is 'correct'.

            With --weights FILE (a safetensors model from backprop train, or a course .npz of W1, b1, …; \
            --hidden and --output give an .npz's activations) and --x X.npy --y Y.npy, the check runs on \
            your own model and data. Labels outside what the loss expects are used as given, with a warning.

            Examples:
              backprop gradcheck
              backprop gradcheck --weights params.npz --hidden relu --x X.npy --y Y.npy
              backprop gradcheck --layers 5,8,6,3 --hidden relu --output softmax
              backprop gradcheck --layers 4,3,2 --output identity \\
                --convention absorbed --l2 0.7
            """
    )

    @OptionGroup var architecture: ArchitectureOptions
    @OptionGroup var builtIn: BuiltInDataOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions

    @Option(help: "Where 1/m goes: deferred (the course) or absorbed (PyTorch's mean).")
    var convention: Convention = .deferred

    @Option(help: "L2 strength λ (adds λ/(2m) Σ‖W‖² to the cost).")
    var l2: Double = 0

    @Option(help: "Step ε of the central differences.")
    var epsilon: Double = 1e-6

    @Option(name: [.customLong("weights"), .customLong("model")], help: "Check this model: .safetensors from backprop train, or a course .npz with W1, b1, W2, b2, ….")
    var weights: String?

    @Option(help: "With --weights: features, a .npy of shape (n_x, m).")
    var x: String?

    @Option(help: "With --weights: labels, a .npy of shape (n_y, m).")
    var y: String?

    func validate() throws {
        guard l2 >= 0, l2.isFinite else { throw ValidationError("--l2 must be a finite number ≥ 0, not \(l2)") }
        guard epsilon > 0, epsilon < 1 else { throw ValidationError("--epsilon must be in (0, 1), not \(epsilon)") }
        guard (x == nil) == (y == nil) else { throw ValidationError("--x and --y go together") }
        guard x == nil || weights != nil else { throw ValidationError("--x and --y need --weights (the model to check on them)") }
    }

    func run() throws {
        _ = try requireBackend()
        let report: GradientCheckReport
        switch architecture.precision {
        case .float: report = try check(Float.self)
        case .double: report = try check(Double.self)
        }
        print(Self.render(report))
        if report.verdict != .correct { throw ExitCode(1) }
    }

    private func check<S: BackpropScalar>(_: S.Type) throws -> GradientCheckReport {
        let budget = try memory.budget()
        let network: Network<S>
        if let weights {
            // Only the options given: a safetensors model refuses the .npz-only ones.
            var arguments = ["--weights", weights, "--precision", architecture.precision.rawValue]
            if let hidden = architecture.hiddenOption { arguments += ["--hidden", hidden] }
            if let output = architecture.output { arguments += ["--output", output] }
            if let layers = architecture.layers { arguments += ["--layers", layers] }
            network = try ModelOptions.parse(arguments).load(S.self, budget: budget)
        } else {
            network = try architecture.makeNetwork(S.self, budget: budget)
        }
        let X: Matrix<S>, Y: Matrix<S>
        if let x, let y {
            X = try readMatrix(x, as: S.self, option: "--x", budget: budget)
            Y = try NotebookFiles.labels(y, as: S.self, option: "--y", outputs: network.outputSize, examples: X.columns, budget: budget)
            guard X.isFinite, Y.isFinite else { throw BackpropError.nonFinite("--x or --y holds NaN or infinity") }
            try NetworkFootprint(network).requirePasses(of: S.self, examples: try CheckedSize.multiply(X.columns, 2, "--x"), within: budget)
            NotebookFiles.warnAboutLabels(Y, loss: network.loss, option: "--y")
        } else {
            let data = try builtIn.dataset(for: network, seed: architecture.seed, budget: budget)
            (X, Y) = (data.X, data.Y)
        }
        print("Gradient check of \(weights.map { "\($0): " } ?? "")\(network.summary), \(S.dtypeName) model checked in float64, "
            + "convention \(convention), m = \(X.columns), ε = \(epsilon)\(l2 > 0 ? ", λ = \(l2)" : "")")
        return try GradientCheck.run(
            network: network, X: X, Y: Y, convention: convention, l2: l2, epsilon: epsilon, labels: .anyFinite)
    }

    static func render(_ report: GradientCheckReport) -> String {
        var table = TextTable(columns: ["tensor", "shape", "‖analytic‖", "‖numeric‖", "relative difference", "verdict"])
        for t in report.tensors {
            table.add([t.name, t.shape.description, format(t.analyticNorm), format(t.numericNorm),
                       format(t.relativeDifference), t.verdict.rawValue])
        }
        table.add(["overall", "", "", "", format(report.overall), report.verdict.rawValue])
        var lines = [table.render()]
        for t in report.tensors where t.verdict != .correct {
            var line = "\(t.name): "
            if let diagnosis = t.diagnosis { line += diagnosis + "; " }
            line += "worst entries " + t.worst.map {
                "[\($0.row), \($0.column)] analytic \(format($0.analytic)) numeric \(format($0.numeric))"
            }.joined(separator: ", ")
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// A number in a fixed short scientific form, e.g. `3.142e-01`.
func format(_ x: Double) -> String { String(format: "%.3e", x) }
