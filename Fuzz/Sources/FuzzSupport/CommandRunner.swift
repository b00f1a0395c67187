import ArgumentParser
import Backprop
@testable import BackpropCLI
import Foundation

/// Runs one argument vector through the real `backprop` command line: ArgumentParser's parsing
/// and every `validate()`, then the command's `run()`, which reads and checks the model,
/// checkpoint and data files it names. Errors are expected and ignored; a trap, a sanitizer
/// report, a hang or a huge allocation is a finding.
///
/// Long work is capped after validation, before `run()` (``capped(_:)``), so an input costs
/// milliseconds; the caps never change what a file holds, only how much training is asked for.
public enum CommandRunner {
    /// Training never asks for more than this many epochs past what a checkpoint has done…
    public static let maximumEpochs = 4
    /// …nor more than this many examples (`--limit`, `--examples`).
    public static let maximumExamples = 64
    /// A network with more parameters than this is not built (it would only be slow)…
    public static let maximumParameters = 200_000
    /// …unless it has at least this many: 80 GB of Double weights, more than any machine's
    /// memory budget, so the command must refuse it before allocating anything.
    public static let bombParameters = 10_000_000_000

    /// Parses `arguments` (no program name) and runs the command, capped.
    /// With `FUZZ_SHOW` set, the error (or "skipped") is printed to standard error.
    public static func run(_ arguments: [String]) {
        do {
            guard var command = capped(try BackpropCommand.parseAsRoot(arguments)) else { return show("skipped (capped)") }
            try command.run()
            show("ok")
        } catch {
            show(BackpropCommand.message(for: error))
        }
    }

    static let showing = ProcessInfo.processInfo.environment["FUZZ_SHOW"] != nil

    static func show(_ line: String) {
        if showing { FileHandle.standardError.write(Data(("→ " + line + "\n").utf8)) }
    }

    /// `command` with its work capped, or `nil` when it is only worth parsing (bench, or a
    /// network between ``maximumParameters`` and ``bombParameters``).
    public static func capped(_ command: any ParsableCommand) -> (any ParsableCommand)? {
        switch command {
        case var train as TrainCommand:
            train.training.epochs = cappedEpochs(train.training.epochs, resuming: train.resume)
            // A resumed run takes its run's --limit (a different one is refused), so only a
            // fresh run is capped here.
            if train.resume == nil { train.data.limit = min(train.data.limit ?? maximumExamples, maximumExamples) }
            guard affordable(train.architecture, inputs: 256, outputs: 16) else { return nil }
            return train
        case var ledger as LedgerCommand:
            ledger.builtIn.examples = min(ledger.builtIn.examples, maximumExamples)
            return affordable(ledger.architecture) ? ledger : nil
        case var gradcheck as GradcheckCommand:
            gradcheck.builtIn.examples = min(gradcheck.builtIn.examples, 8)
            // Central differences cost two passes per parameter.
            return affordable(gradcheck.architecture, limit: 2_000) ? gradcheck : nil
        case var check as CheckCommand:
            check.seeds = min(check.seeds, 2)
            return check
        case is BenchCommand:
            return nil
        default:
            return command
        }
    }

    /// `--epochs` as given when small; otherwise at most ``maximumEpochs`` past the
    /// checkpoint's. Values within 64 of `Int.max` pass unchanged: they probe the overflow checks.
    static func cappedEpochs(_ epochs: Int?, resuming checkpoint: String?) -> Int? {
        let done = checkpoint.map(epochsCompleted) ?? 0
        let cap = done > Int.max - maximumEpochs ? Int.max : done + maximumEpochs
        if let epochs {
            return epochs > Int.max - 64 || epochs <= cap ? epochs : cap
        }
        // No --epochs: a fresh run would take 10,000; a resumed one the checkpoint's.
        guard let checkpoint else { return maximumEpochs }
        let stored = (try? Checkpoint.configuration(savedIn: URL(fileURLWithPath: checkpoint)))?.epochs
        guard let stored, stored > cap, stored <= Int.max - 64 else { return nil }
        return cap
    }

    /// The length of a checkpoint's `history` (0 when it has none that parses).
    static func epochsCompleted(_ path: String) -> Int {
        guard let file = try? SafeTensors.read(contentsOf: URL(fileURLWithPath: path)),
              let text = file.metadata["history"],
              let history = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any]
        else { return 0 }
        return history.count
    }

    /// Whether the network `architecture` describes is small enough to build, or so large that
    /// it must be refused; sizes that do not parse are left to the command to reject.
    static func affordable(_ architecture: ArchitectureOptions, inputs: Int = 2, outputs: Int = 1, limit: Int = maximumParameters) -> Bool {
        guard let sizes = try? architecture.sizes(inputs: inputs, outputs: outputs) else { return true }
        var total = 0
        for (fanIn, fanOut) in zip(sizes, sizes.dropFirst()) {
            let (weights, o1) = fanOut.multipliedReportingOverflow(by: fanIn)
            let (layer, o2) = weights.addingReportingOverflow(fanOut)
            let (sum, o3) = total.addingReportingOverflow(layer)
            if o1 || o2 || o3 { return true }
            total = sum
        }
        return total <= limit || total >= bombParameters
    }
}
