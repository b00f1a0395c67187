import ArgumentParser
import Backprop
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network; write the model, checkpoint, metrics, report and plots to a run folder.",
        discussion: """
            With no options it trains the course's planar "flower" set (400 points) with a 2-4-1 \
            tanh/sigmoid network, learning rate 1.2, 10,000 full-batch steps, as the course does. \
            Other data gets a recipe sized from it (Adam 0.001, batches of 64, ReLU hidden layers \
            sized from n_x, about 5,000 steps), printed in the banner; any option overrides it.

            The run folder holds a complete snapshot at every checkpoint: model, checkpoint, \
            metrics.csv (a row per epoch), a TensorBoard event file, report and plots. \
            Ctrl-C, SIGTERM or SIGHUP stops after the current batch and saves it all \
            (exit status 130, 143, 129). --resume CKPT alone continues exactly where the run \
            stopped, on the run's own data, split, precision and threads, in the checkpoint's \
            folder; only --epochs, --learning-rate, --schedule and --patience may change.

            Examples:
              backprop train
              backprop train --data moons --units 16,16 --hidden relu --epochs 200

              backprop train --data ../shared/data/mnist --precision float \\
                --validation-split 0.1 --epochs 10

              backprop train --data ../shared/data/tabular/breast_cancer.csv \\
                --test-split 0.2 --patience 20 --validation-split 0.1

              backprop train --resume runs/flower/checkpoint.safetensors --epochs 20000
            """
    )

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Network") var architecture: ArchitectureOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @OptionGroup(title: "Several processes (MPI)") var parallel: DistributedOptions

    @Option(help: "Run folder for the model, checkpoint, metrics, report and plots (default: runs/<data>-<time>, or the checkpoint's folder on --resume).")
    var outputDir: String?
    @Flag(help: "Write into an --output-dir that already holds another run's files.")
    var overwrite = false
    @Option(help: "Continue from this checkpoint, with the run's own data, network and settings.")
    var resume: String?
    @Option(help: "Threads: the BLAS's, and the shards a large batch is split into (default: the library's choice, or BACKPROP_THREADS; on --resume the run's).")
    var threads: Int?
    @Flag(help: "Print one JSON object per epoch instead of progress text.")
    var json = false
    @Option(help: "Print an epoch line every N epochs (default: about 20 lines per run).")
    var logEvery: Int?
    @Option(help: "Save a checkpoint and snapshot every N epochs (default: after epoch 1, then about 20 per run and at least one a minute, at most one a second; always at the end).")
    var checkpointEvery: Int?

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, not \(threads)") }
        if let logEvery, logEvery <= 0 { throw ValidationError("--log-every must be positive, not \(logEvery)") }
        if let checkpointEvery, checkpointEvery <= 0 { throw ValidationError("--checkpoint-every must be positive, not \(checkpointEvery)") }
        if let outputDir, outputDir.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--output-dir needs a folder name, e.g. --output-dir runs/flower (an empty one would write into the current folder)")
        }
    }

    /// What a checkpoint says about the run it continues.
    struct Stored {
        var configuration: TrainingConfiguration?
        var run: TrainingRun?
    }

    func run() throws {
        let backend = try requireBackend()
        if let reducer = try parallel.start() {
            DistributedJob.reducer = reducer
            // Rank 0 owns the outputs; the others stay quiet (their errors still reach stderr).
            if reducer.rank != 0 { silenceStandardOutput() }
            // Ranks sharing a machine share its cores: by default each takes its part of them.
            if threads == nil, let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init), local > 1 {
                LinearAlgebra.setThreadCount(Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / local))
            }
        }
        let stored = try resume.map { path in
            let url = URL(fileURLWithPath: path)
            return Stored(configuration: try Checkpoint.configuration(savedIn: url), run: try Checkpoint.run(savedIn: url))
        }
        // The run's precision and threads unless given (and then they must agree).
        let storedPrecision = stored?.run.map { ArchitectureOptions.Precision(dtypeName: $0.precision) }
        if let given = architecture.precisionOption, let storedPrecision, given != storedPrecision {
            throw BackpropError.invalidArgument("--precision \(given.rawValue) contradicts the checkpoint, which trains in \(storedPrecision.dtypeName); a resumed run keeps its precision, so drop --precision")
        }
        let threadCount = threads ?? stored?.run?.threads
        if let threadCount { LinearAlgebra.setThreadCount(threadCount) }
        switch architecture.precisionOption ?? storedPrecision ?? .double {
        case .float: try train(Float.self, backend: backend, stored: stored)
        case .double: try train(Double.self, backend: backend, stored: stored)
        }
    }

    private func train<S: BackpropScalar>(_: S.Type, backend: any LinearAlgebraBackend, stored: Stored?) throws {
        // A resumed run keeps the checkpoint's run (data, split, seed): a flag that contradicts it is refused.
        let run = try data.resolve(
            seed: architecture.seedOption, stored: stored?.run,
            purpose: stored.map { _ in "a resumed run continues on its own data and split, so drop the flag or start a new run" })
        try data.checkFlagsApply(to: run.data)
        let budget = try memory.budget()
        let resumedModel = try resume.map { try Model<S>(contentsOf: URL(fileURLWithPath: $0)) }
        if let resumedModel { try checkArchitectureFlags(against: resumedModel.network) }
        let task = resumedModel?.task ?? data.task ?? .classification
        var architecture = self.architecture
        if task == .regression {
            if let output = architecture.output, Activation(name: output) != .identity {
                throw BackpropError.invalidArgument("--output \(output) does not fit --task regression, whose outputs are numbers (identity output, MSE); drop --output")
            }
            architecture.output = "identity"
        }
        let isCourseData = run.data == "flower"
        if resumedModel == nil, !isCourseData { architecture.hiddenOption = architecture.hiddenOption ?? "relu" }
        let outputHint = try? architecture.activations(outputs: architecture.layers == nil ? nil : try architecture.sizes().last).output
        let loaded = try DataOptions.load(
            S.self, run: run, task: task, outputHint: architecture.output == nil ? nil : outputHint,
            model: resumedModel.map { .init(standardizer: $0.standardizer, classNames: $0.classNames, labelEncoding: $0.labelEncoding) },
            budget: budget)
        if resumedModel == nil, !isCourseData, architecture.layers == nil, architecture.units == nil {
            architecture.units = Self.hiddenUnits(features: loaded.train.X.rows).map(String.init).joined(separator: ",")
        }
        if training.patience != nil && loaded.validation == nil {
            throw BackpropError.invalidArgument("--patience needs validation data to watch, and this run has none; add --validation-split (e.g. 0.1)")
        }
        let recipe: TrainingConfiguration = isCourseData ? .course : .recipe(examples: loaded.train.count)
        let resumed = try stored?.configuration.map { try training.configuration(resuming: $0) }
        if resume != nil && resumed == nil {
            throw BackpropError.invalidArgument("--resume \(resume!): the checkpoint does not record its training configuration (written by an older backprop); start a new run")
        }
        let configuration = try resumed?.0 ?? training.configuration(seed: run.seed, recipe: recipe)
        let folder = try outputFolder(run: run)
        // A batch's passes (and validation's, in chunks of up to 4096) must fit before anything is built.
        let batch = Swift.max(Swift.min(configuration.batchSize ?? loaded.train.count, loaded.train.count),
                              Swift.min(loaded.validation?.count ?? 0, 4096))
        func requirePasses(_ footprint: NetworkFootprint) throws {
            try footprint.requirePasses(of: S.self, examples: batch, optimizer: configuration.optimizer, within: budget)
        }
        if resume == nil && architecture.arch == nil {
            try requirePasses(NetworkFootprint(sizes: architecture.sizes(inputs: loaded.train.X.rows, outputs: loaded.train.Y.rows)))
        }
        var trainer: Trainer<S>
        if let resume {
            trainer = try Checkpoint.load(from: URL(fileURLWithPath: resume), configuration: configuration)
        } else {
            let network: Network<S> = try architecture.makeNetwork(
                S.self, inputs: loaded.train.X.rows, outputs: loaded.train.Y.rows, image: loaded.train.imageShape, budget: budget)
            trainer = try Trainer(network: network, configuration: configuration)
        }
        let job = DistributedJob.reducer
        if let job {
            trainer.reducer = job
            trainer.overlapsCommunication = parallel.overlap
        }
        // Only rank 0 of a distributed run writes outputs.
        let writes = job.map { $0.rank == 0 } ?? true
        let network = trainer.network
        try requirePasses(NetworkFootprint(network))
        guard loaded.train.X.rows == network.inputSize, loaded.train.Y.rows == network.outputSize else {
            throw BackpropError.invalidArgument("the network \(network.summary) takes \(network.inputSize) features and gives \(network.outputSize) outputs, but \(run.data) has X \(loaded.train.X.shape) and Y \(loaded.train.Y.shape); use --units to size hidden layers from the data")
        }
        try trainer.check(training: loaded.train, validation: loaded.validation)
        var record = run
        record.precision = S.dtypeName
        record.threads = LinearAlgebra.threadCount
        let model = Model(network: network, standardizer: loaded.standardizer, classNames: loaded.classNames,
                          task: task, labelEncoding: loaded.labelEncoding, run: record)
        // Made only once the data and the network are known to be good (no empty run folders
        // from a typo), and still before any training time is spent.
        if writes {
            try OutputGuard.checkRunFolder(folder, inputs: [("--data", run.data)] + (resume.map { [("--resume", $0)] } ?? []))
            try RunFolder.prepare(folder, overwrite: overwrite || resume.map { URL(fileURLWithPath: $0).deletingLastPathComponent().standardizedFileURL.path == folder.standardizedFileURL.path } == true)
        }

        var progress = Progress(json: json, logEvery: logEvery ?? Swift.max(1, configuration.epochs / 20 + (configuration.epochs % 20 == 0 ? 0 : 1)))
        progress.note("backprop \(backpropVersion) · \(backend.name) \(LinearAlgebra.threadCount) thread(s) · \(S.dtypeName) · seed \(run.seed)")
        progress.note("data \(run.data): train \(loaded.train.count)" + (loaded.validation.map { ", validation \($0.count)" } ?? "")
            + (loaded.test.map { ", test \($0.count)" } ?? "") + "; X (\(loaded.train.X.rows), m), Y (\(loaded.train.Y.rows), m)"
            + (task == .regression ? "; regression" : ""))
        if let warning = loaded.warning { progress.note(warning) }
        progress.note("network \(network.summary), \(network.parameterCount) parameters; \(configuration.optimizer) α=\(configuration.learningRate) "
            + "(\(configuration.schedule)), \(configuration.batchSize.map { "batch \($0)" } ?? "full batch"), epochs \(trainer.epochsCompleted + 1)…\(configuration.epochs)"
            + (configuration.l2 > 0 ? ", L2 λ=\(configuration.l2)" : "") + (configuration.keepProbabilities.map { ", dropout keep \($0[0])" } ?? ""))
        if resume != nil {
            progress.note("defaults: the checkpoint's run (\(resume!))")
        } else if isCourseData {
            progress.note("defaults: the course's recipe for flower (sgd α=1.2, full batch, 10000 epochs, 2-4-1 tanh); any option overrides it")
        } else {
            let given = [("--optimizer", training.optimizer != nil), ("--learning-rate", training.learningRate != nil),
                         ("--batch-size", training.batchSize != nil), ("--epochs", training.epochs != nil),
                         ("--layers", self.architecture.layers != nil), ("--units", self.architecture.units != nil),
                         ("--hidden", self.architecture.hiddenOption != nil)].filter(\.1).map(\.0)
            progress.note("defaults: a recipe sized from the data (\(recipe.recipeSummary), hidden \(Self.hiddenUnits(features: loaded.train.X.rows).map(String.init).joined(separator: ",")) relu)"
                + (given.isEmpty ? "; any option overrides it" : "; overridden by \(given.joined(separator: ", "))"))
        }
        if let note = network.batchNormNote { progress.note(note) }
        if let steps = configuration.accumulationSteps, steps > 1, let size = configuration.batchSize {
            progress.note("gradient accumulation: \(steps) mini-batches of \(size) per step, one 1/M for all \(steps * size) examples (the last step of an epoch takes what remains)")
        }
        if let job {
            let global = configuration.batchSize.map { Swift.min($0, loaded.train.count) } ?? loaded.train.count
            let shares = (0..<job.participants).map { "\(job.share($0, of: global).count)" }
            progress.note("distributed: \(job.participants) rank(s) (\(parallel.decision().reason)), \(job.library.version), \(job.order.rawValue) reduction; "
                + "each batch of \(global) is split \(shares.joined(separator: "/")), one 1/M for the global batch; \(LinearAlgebra.threadCount) thread(s) per rank")
        }
        progress.note("run folder \(folder.path)")
        for line in resumed?.overrides ?? [] { progress.note("resuming with \(line)") }
        if let threads, let stored = stored?.run?.threads, threads != stored {
            progress.note("resuming with --threads \(threads) (the run used \(stored); the results agree to rounding, not bit for bit)")
        }

        // Signals are handled from here on: a SIGTERM while the first files are written stops
        // the run like Ctrl-C (after the first batch), never halfway through a write.
        Interrupt.install()
        let snapshot = writes ? try RunSnapshot(folder: folder, model: model, data: loaded, backend: backend, configuration: configuration,
                                                seed: run.seed, resumedHistory: trainer.history) : nil
        let checkpointURL = folder.appendingPathComponent("checkpoint.safetensors")
        let every = checkpointEvery ?? Swift.max(1, configuration.epochs / 20)
        let clock = ContinuousClock()
        let start = clock.now
        var checkpointError: (any Error)?
        let stepsBefore = trainer.optimizer.step
        var lastSaved: String?  // where the checkpoint file now stands, e.g. "after epoch 3"
        // By default a checkpoint also waits a second after the last one: when an epoch takes
        // microseconds (the course network), writing the whole history 20 times costs more
        // than the training. An explicit --checkpoint-every is followed exactly.
        let minimumInterval: Duration = checkpointEvery == nil ? .seconds(1) : .zero
        var lastSaveTime = clock.now
        progress.start(epochs: configuration.epochs, from: trainer.epochsCompleted, examplesPerEpoch: loaded.train.count)
        let reason: Trainer<S>.StopReason
        do {
            reason = try trainer.fit(
                training: loaded.train, validation: loaded.validation,
                onBatch: { p in
                    progress.batch(p)
                    return !Interrupt.requested
                },
                onEpoch: { state in
                    let last = state.history[state.history.count - 1]
                    snapshot?.log(last)
                    progress.epoch(last, total: configuration.epochs)
                    // By default also after the first epoch and at least once a minute, so the folder
                    // holds a complete snapshot early and stays close to the run.
                    let due = state.epochsCompleted % every == 0
                        || checkpointEvery == nil && (state.epochsCompleted == 1 || clock.now - lastSaveTime >= .seconds(60))
                    if let snapshot, due && clock.now - lastSaveTime >= minimumInterval || checkpointEvery == nil && state.epochsCompleted == 1 && lastSaved == nil {
                        do {
                            try snapshot.save(state, seconds: (clock.now - start).secondsValue, reason: "running", final: false)
                            lastSaved = "after epoch \(state.epochsCompleted)"
                            lastSaveTime = clock.now
                        } catch { checkpointError = error }
                    }
                })
        } catch {
            progress.finish()
            if case let BackpropError.nonFinite(message) = error, trainer.optimizer.step > stepsBefore {
                // Diverged: the parameters now are at best finite, not good. Keep the checkpoint
                // saved before (from an earlier epoch) untouched and say where it is.
                let kept = lastSaved.map { "the last good checkpoint (\($0)) is \(checkpointURL.path)" }
                    ?? resume.map { "the last good checkpoint is still \($0)" } ?? "no checkpoint had been saved yet"
                throw BackpropError.nonFinite("\(message); \(kept)")
            }
            // Any other failure: keep what was learned (finite parameters only), then report it.
            let finite = trainer.network.parameters.isFinite
            if writes, trainer.optimizer.step > stepsBefore, finite { try? Checkpoint.save(trainer, to: checkpointURL, metadata: model.metadata) }
            throw error
        }
        progress.finish()
        let seconds = (clock.now - start).secondsValue
        let stop = StopDescription(reason)
        guard let snapshot else {  // a distributed run's other ranks: rank 0 wrote everything
            if reason == .interrupted { throw ExitCode(Interrupt.exitCode) }
            return
        }
        let report: RunReport<S>?
        do {
            report = try snapshot.save(trainer, seconds: seconds, reason: stop.text, bestEpoch: stop.bestEpoch)
        } catch {
            if reason == .interrupted { try? Checkpoint.save(trainer, to: checkpointURL, metadata: model.metadata) }
            throw error
        }
        if reason == .interrupted {
            let position = trainer.partialEpoch.map { "epoch \($0.epoch), after batch \($0.batches)" } ?? "after epoch \(trainer.epochsCompleted)"
            progress.note("\ninterrupted: checkpoint saved at \(position) to \(snapshot.checkpointURL.path); continue with --resume \(snapshot.checkpointURL.path) (the model, report and plots beside it are of this point)")
            if let checkpointError { throw checkpointError }
            throw ExitCode(Interrupt.exitCode)
        }
        progress.note(report?.summaryLines.joined(separator: "\n") ?? "")
        if let checkpointError { throw checkpointError }
    }

    /// Hidden layer sizes for `features` inputs when neither --layers nor --units is given:
    /// one layer of 2·n_x rounded up to a power of two, within 16…256, and a second of half
    /// that for 100 or more features.
    static func hiddenUnits(features: Int) -> [Int] {
        var width = 16
        while width < 2 * features && width < 256 { width *= 2 }
        return features >= 100 ? [width, width / 2] : [width]
    }

    /// Refuses network options on --resume that contradict the checkpoint's network.
    private func checkArchitectureFlags<S>(against network: Network<S>) throws {
        func refuse(_ flag: String, _ value: String) -> BackpropError {
            .invalidArgument("\(flag) \(value) contradicts the checkpoint's network (\(network.summary)); a resumed run keeps its network, so drop \(flag)")
        }
        let dense = network.layers.filter { $0 is Dense }
        let sizes = [network.inputSize] + dense.map(\.outputSize)
        if let layers = architecture.layers, try architecture.sizes() != sizes { throw refuse("--layers", layers) }
        if let units = architecture.units, try architecture.hiddenUnits() != Array(sizes.dropFirst().dropLast()) { throw refuse("--units", units) }
        if let hidden = architecture.hiddenOption, let first = network.layers.dropLast().compactMap(\.activation).first, Activation(name: hidden) != first {
            throw refuse("--hidden", hidden)
        }
        if let output = architecture.output, Activation(name: output) != network.outputActivation { throw refuse("--output", output) }
        if let loss = architecture.loss, Loss(name: loss) != network.loss { throw refuse("--loss", loss) }
        if let initializer = architecture.initializer {
            throw BackpropError.invalidArgument("--initializer \(initializer) does not apply on --resume: the weights come from the checkpoint; drop --initializer")
        }
        let hasBatchNorm = network.layers.contains { $0 is BatchNorm }
        if architecture.batchNorm != hasBatchNorm && architecture.batchNorm { throw refuse("--batch-norm", "") }
        if architecture.biasBeforeBatchNorm { throw refuse("--bias-before-batch-norm", "") }
    }

    /// `--output-dir`; on --resume the checkpoint's folder; otherwise a new folder
    /// `runs/<data>-<time>`, made here so that no other run can take the same name (a suffix
    /// `-2`, `-3`, … within one second).
    private func outputFolder(run: TrainingRun) throws -> URL {
        if let outputDir { return URL(fileURLWithPath: outputDir) }
        if let resume { return URL(fileURLWithPath: resume).deletingLastPathComponent() }
        // A distributed run's other ranks write nothing, so they make no folder.
        let writes = (DistributedJob.reducer?.rank ?? 0) == 0
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let name = URL(fileURLWithPath: run.data).deletingPathExtension().lastPathComponent
        let base = "runs/\(name)-\(formatter.string(from: Date()))"
        return writes ? try RunFolder.makeUnique(base: base) : URL(fileURLWithPath: base)
    }
}

/// How a run ended, in words.
struct StopDescription {
    var text: String
    var bestEpoch: Int?

    init<S>(_ reason: Trainer<S>.StopReason) {
        switch reason {
        case .completed: text = "completed"
        case .interrupted: text = "interrupted"
        case let .earlyStopping(best):
            text = "stopped early: the validation loss had not improved since epoch \(best); the weights of epoch \(best) were restored"
            bestEpoch = best
        }
    }
}

extension Duration {
    /// Seconds as a `Double`.
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// Sends this process's standard output to /dev/null (a distributed run's ranks other than 0).
func silenceStandardOutput() {
    let null = open("/dev/null", O_WRONLY)
    guard null >= 0 else { return }
    fflush(nil)
    dup2(null, STDOUT_FILENO)
    close(null)
}
