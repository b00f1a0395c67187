import ArgumentParser
import Backprop
import Foundation

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a hand derivation of the backward pass, line by line.",
        discussion: """
            FILE holds your backward pass in NumPy notation, one assignment per line, as in a \
            notebook: dZ2 = A2 - Y, dW2 = 1/m * np.dot(dZ2, A1.T), \
            db2 = np.sum(dZ2, axis=1, keepdims=True) / m, \
            dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2)). X, Y, m, W1…, b1…, Z1…, A0… are \
            predefined from a forward pass; your own temporaries are allowed.

            Each line is evaluated on random networks and batches (m = 7, 11, 13: not powers of \
            two) and every dZ, dA, dW, db is compared with the reference ledger under both 1/m \
            conventions. The first line that matches one convention fixes it ('deferred': 1/m in \
            dW and db, the course; 'absorbed': 1/m in dZ[L], PyTorch's mean); a derivation \
            consistent in either is correct. Wrong lines get a diagnosis: 1/m missing or applied \
            twice (and where first), sign flipped, transposed, activation derivative missing or \
            applied twice, wrong axis, keepdims missing, shape mismatch, or the relative error. \
            Each line is judged with the true values of the gradients it reads, so a mistake is \
            reported on the line that makes it, not on every line after it. Lint warnings flag a \
            double softmax and cross-entropy computed from probabilities.

            Batch norm (--batch-norm, or 'batchnorm: yes' in the header), as in the course \
            (C2W3): each hidden layer is Z1 = W1 A0 (no b1), mu1, var1 (biased), \
            Zhat1 = (Z1 - mu1) / np.sqrt(var1 + eps), Ztilde1 = gamma1 * Zhat1 + beta1, \
            A1 = g(Ztilde1); all are predefined (also as Z_norm1, Z_tilde1, γ1, β1, μ1), with eps \
            and running_mean1, running_var1. Judged besides dZ, dA, dW, db: dZtilde1, dgamma1, \
            dbeta1, dZhat1, dvar1, dmu1 (also dZ_tilde1, dZ_norm1, dγ1, dβ1, dsigma2_1). Under \
            either convention batch norm's dZ1 carries its own 1/m (μ and σ² are averages over \
            m); under 'absorbed' dZtilde1 carries the loss's too. Diagnoses name the classic \
            mistakes: the dσ² path left out of dZ (a dμ without its dσ² term is right: that term \
            is zero, and the note says so), the dμ path left out, μ and σ² treated as constants, \
            1/m applied twice, the unbiased variance (m − 1), the running statistics used in \
            train mode, γ missing, ε missing, dγ or dβ summed over the wrong axis.

            The architecture comes from the options, else from a header comment in the file \
            ('# layers: 2,4,1  hidden: tanh  output: sigmoid', optionally 'loss: bce' and \
            'batchnorm: yes'), else 2,4,1 tanh → sigmoid. A header line holds only known fields \
            (layers, hidden, output, loss, batchnorm, convention) with valid values; anything \
            else in it is an error.
            FILE may also be the course's functions verbatim (C1W3 backward_propagation(parameters, \
            cache, X, Y), C1W4 L_model_backward(AL, Y, caches) with relu_backward, sigmoid_backward, \
            linear_backward and linear_activation_backward): def, docstrings, dictionary reads and \
            writes (also grads["dW" + str(l)] and f-strings), tuple unpacking of caches, for loops, \
            if/elif, masked assignment dZ[Z <= 0] = 0. The function no other function calls is run \
            with parameters, cache, caches, X, Y and AL from the forward pass; a value is checked as \
            the gradient it is named or stored as. Without options or a header, the layer count and \
            activations are inferred from the file (--layers is then optional), and the output says so. \
            A file that reads lambd (C2W1's backward_propagation_with_regularization) is checked \
            against dW[l] + (λ/m) W[l] with λ = 0.7. A file that reads keep_prob (C2W1's \
            backward_propagation_with_dropout(X, Y, cache, keep_prob), with \
            dA2 = dA2 * D2; dA2 = dA2 / keep_prob) is checked against inverted dropout with keep_prob \
            = 0.8 (or the number the file sets): the cache holds the reference's masks D1, D2, …, and \
            np.random.rand of a hidden layer's shape returns the draws behind them, so a forward pass \
            with dropout gets the same masks. Other np.random draws (seed, randn, rand) are the file's \
            own data, the same on every run. C1W2's propagate(w, b, X, Y) is a network without a \
            hidden layer: w is W1ᵀ, b a number, dw is checked as dW1ᵀ and db as a number. A call at \
            the top level on the file's own data (the notebook's test cell) is run but not judged.

            A product whose operands fit only with one of them transposed (np.dot(W2, dZ2) for \
            np.dot(W2.T, dZ2)) is a wrong line: "transpose missing on W2".

            Exit status: 0 all correct, 1 something wrong, 2 the file does not parse, 3 no mistakes \
            found but some lines could not be evaluated (each is named with line:column).

            Examples:
              backprop check derivation.py --layers 2,4,1 --hidden tanh --output sigmoid
              backprop check backward.py --layers 3,5,4,3 --hidden relu --output softmax
              backprop check mine.py --seeds 5 --plain
              backprop check bn_backward.py --layers 3,5,1 --hidden relu --batch-norm
            """
    )

    @Argument(help: "The formula file: one assignment per line in NumPy notation.")
    var file: String

    @Option(help: "Layer sizes n_x,n_1,...,n_L, e.g. 2,4,1 (default: the file's '# layers:' header, else 2,4,1).")
    var layers: String?

    @Option(help: "Hidden activation: sigmoid, tanh, relu, leaky_relu[:slope], identity (default: header, else tanh).")
    var hidden: String?

    @Option(help: "Output activation: sigmoid (BCE), softmax (CE) or identity (MSE) (default: header, else sigmoid for one output, softmax for several).")
    var output: String?

    @Option(help: "Loss: bce, ce or mse (default: the one the output activation implies).")
    var loss: String?

    @Flag(help: "Batch norm after each hidden layer's Z, before its activation (as in the course; default: the file's 'batchnorm:' header, else none).")
    var batchNorm = false

    @Option(help: "How many random networks and batches to check on.")
    var seeds: Int = 3

    @Flag(help: "Print 'ok' and 'WRONG' instead of ✓ and ✗ even on a terminal.")
    var plain = false

    @OptionGroup(title: "Memory") var memory: MemoryOptions

    func validate() throws {
        guard seeds >= 1, seeds <= 50 else { throw ValidationError("--seeds must be between 1 and 50, not \(seeds)") }
    }

    func run() throws {
        _ = try requireBackend()
        guard let data = FileManager.default.contents(atPath: file), let source = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read '\(file)'")
        }
        let header: DerivationArchitecture?
        do {
            header = try DerivationArchitecture.fromHeader(source)
        } catch {
            throw BackpropError.malformedFile(path: file, reason: "\(error)")
        }
        let inferred = header == nil && layers == nil ? DerivationArchitecture.inferred(from: source) : nil
        let explicit = hidden != nil || output != nil || loss != nil || batchNorm
        let architecture = try resolvedArchitecture(header: header ?? inferred?.architecture)
        // The checker builds networks of these sizes and runs both ledgers on up to 13 examples.
        do {
            try NetworkFootprint(sizes: architecture.sizes).requirePasses(
                of: Double.self, examples: 26, optimizer: .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), within: try memory.budget())
        } catch let error as BackpropError {
            throw BackpropError.tooLarge("\(file): \(error)")
        }
        let checker = try DerivationChecker(architecture: architecture, seeds: seeds)
        var report: DerivationReport
        do {
            report = try checker.check(source)
            report.inference = inferred.map { $0.reason + (explicit ? " (with the options given)" : "") }
        } catch let error as DerivationParseError {
            FileHandle.standardError.write(Data((Self.renderParseError(error, file: file, source: source) + "\n").utf8))
            throw ExitCode(2)
        }
        guard !report.lines.isEmpty else {
            throw BackpropError.invalidArgument("\(file) has no assignments to check (write one per line, e.g. dZ2 = A2 - Y, or the course's def backward_propagation(parameters, cache, X, Y):)")
        }
        let marks = plain || isatty(STDOUT_FILENO) == 0 ? CheckMarks.plain : CheckMarks.symbols
        print(Self.render(report, file: file, marks: marks))
        if report.hasMistakes { throw ExitCode(1) }
        if !report.isCorrect { throw ExitCode(3) }
    }

    /// Options first, then the file's header, then the defaults.
    private func resolvedArchitecture(header: DerivationArchitecture?) throws -> DerivationArchitecture {
        var sizes = header?.sizes ?? [2, 4, 1]
        if let layers {
            let parsed = layers.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parsed.count >= 2, parsed.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--layers '\(layers)' must be two or more positive integers separated by commas, e.g. 2,4,1")
            }
            sizes = parsed.map { $0! }
        }
        var hiddenActivation = header?.hidden ?? .tanh
        if let hidden {
            guard let parsed = Activation(name: hidden), parsed.isElementwise else {
                throw ValidationError("--hidden '\(hidden)' is not a hidden activation (sigmoid, tanh, relu, leaky_relu, identity)")
            }
            hiddenActivation = parsed
        }
        var outputActivation = header?.output ?? (sizes.last! > 1 ? .softmax : .sigmoid)
        if let output {
            guard let parsed = Activation(name: output) else {
                throw ValidationError("--output '\(output)' is not an activation (sigmoid, softmax, identity)")
            }
            outputActivation = parsed
        } else if layers != nil, header?.sizes != sizes {
            outputActivation = sizes.last! > 1 ? .softmax : .sigmoid
        }
        var chosenLoss: Loss? = output == nil && layers == nil ? header?.loss : nil
        if let loss {
            guard let parsed = Loss(name: loss) else { throw ValidationError("--loss '\(loss)' is not a loss (bce, ce, mse)") }
            chosenLoss = parsed
        }
        do {
            return try DerivationArchitecture(
                sizes: sizes, hidden: hiddenActivation, output: outputActivation, loss: chosenLoss,
                batchNorm: batchNorm || (header?.batchNorm ?? false))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// `file:3:14: error: expected ')'`, the line, and a caret under the column.
    static func renderParseError(_ error: DerivationParseError, file: String, source: String) -> String {
        var lines = ["\(file):\(error.line):\(error.column): error: \(error.message)"]
        let sourceLines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        if error.line - 1 < sourceLines.count {
            let text = String(sourceLines[error.line - 1])
            lines.append("    " + text)
            lines.append("    " + String(repeating: " ", count: max(error.column - 1, 0)) + "^")
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ report: DerivationReport, file: String, marks: CheckMarks) -> String {
        var out: [String] = []
        let counts = report.exampleCounts.map(String.init).joined(separator: ", ")
        out.append("Checking \(file) against \(report.architecture) on \(report.exampleCounts.count) random network\(report.exampleCounts.count == 1 ? "" : "s") (m = \(counts))")
        if let inference = report.inference { out.append("Architecture: " + inference) }
        if report.l2 > 0 { out.append("L2: the file reads lambd; the reference adds (λ/m) W[l] to dW[l] with λ = \(report.l2)") }
        if let p = report.keepProbability {
            out.append("Dropout: the file reads keep_prob; the reference drops hidden units with keep_prob = \(p), its masks D1, D2, … given"
                + " in the cache (and as the file's own np.random.rand draws of their shapes)")
        }
        out.append("Convention: " + conventionLine(report))
        for warning in report.lintWarnings { out.append("Warning: \(warning)") }
        out.append("")
        let width = String(report.lines.map(\.line).max() ?? 0).count
        for line in report.lines {
            let number = String(repeating: " ", count: width - String(line.line).count) + String(line.line)
            let mark = marks.mark(line.status)
            let layers = line.checkedAs.isEmpty ? "" : "   [as \(line.checkedAs.joined(separator: ", "))]"
            out.append("  line \(number)  \(mark)  \(line.text)" + layers)
            if let diagnosis = line.diagnosis {
                let indent = String(repeating: " ", count: 2 + 5 + width + 2 + marks.width + 2)
                let place = line.status == .error ? "\(file):\(line.line):\(line.column): could not be evaluated: " : ""
                out.append(indent + place + diagnosis)
            }
        }
        out.append("")
        out.append(summary(report))
        return out.joined(separator: "\n")
    }

    private static func conventionLine(_ report: DerivationReport) -> String {
        guard let convention = report.convention else {
            return "not determined (no line is right in one convention and wrong in the other)"
        }
        let how = convention == .deferred
            ? "deferred — dZ carries no 1/m; dW and db take it (the course)"
            : "absorbed — 1/m enters in dZ[L] and flows down (PyTorch's mean)"
        let line = report.conventionLine.flatMap { n in report.lines.first { $0.line == n } }
        return how + (line.map { ", decided by line \($0.line) (\($0.name))" } ?? "")
    }

    private static func summary(_ report: DerivationReport) -> String {
        let correct = report.lines(.correct).count
        let wrong = report.lines(.wrong).count
        let errors = report.lines(.error).count
        let unchecked = report.lines(.notChecked).count
        var parts = ["\(correct) correct", "\(wrong) wrong"]
        if errors > 0 { parts.append("\(errors) could not be evaluated") }
        if unchecked > 0 { parts.append("\(unchecked) not checked") }
        let verdict = report.isCorrect ? "The derivation is correct."
            : report.hasMistakes ? "The derivation has mistakes."
            : "No mistakes in the lines checked, but \(errors == 1 ? "one line" : "\(errors) lines") could not be evaluated, so the check is incomplete."
        var text = parts.joined(separator: ", ") + ". " + verdict
        if wrong > 0 {
            text += "\nEach line is judged with the true values of the gradients it reads, so a mistake shows on the line that makes it."
        }
        return text
    }
}
