import ArgumentParser
import Backprop
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network; write the model, checkpoint, metrics, report and plots to a run folder.",
        discussion: """
            With no options it trains the course's planar "flower" set (400 points) with a 2-4-1 \
            tanh/sigmoid network, learning rate 1.2, 10,000 full-batch steps, as the course does.
            Ctrl-C, SIGTERM or SIGHUP stops after the current batch and saves a checkpoint \
            (exit status 130, 143, 129); --resume continues it. The run folder is locked while \
            a run writes into it.

            Examples:
              backprop train
              backprop train --data moons --units 16,16 --hidden relu --optimizer adam --learning-rate 0.01 --epochs 200 --batch-size 32
              backprop train --data ../shared/data/mnist --units 256,128 --hidden relu --optimizer adam \\
                  --learning-rate 0.001 --batch-size 128 --epochs 10 --precision float --validation-split 0.1
              backprop train --data ../shared/data/tabular/breast_cancer.csv --units 16 --hidden relu \\
                  --optimizer adam --learning-rate 0.01 --epochs 100 --batch-size 32 --test-split 0.2
              backprop train --resume runs/flower/checkpoint.safetensors --epochs 20000
            """
    )

    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Network") var architecture: ArchitectureOptions
    @OptionGroup(title: "Training") var training: TrainingOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @OptionGroup(title: "Several processes (MPI)") var parallel: DistributedOptions

    @Option(help: "Run folder for the model, checkpoint, metrics, report and plots (default: runs/<data>-<time>).")
    var outputDir: String?
    @Option(help: "Continue from this checkpoint (its architecture is used; optimizer must match).")
    var resume: String?
    @Option(help: "Threads: the BLAS's, and the shards a large batch is split into (default: the library's choice, or BACKPROP_THREADS).")
    var threads: Int?
    @Flag(help: "Print one JSON object per epoch instead of progress text.")
    var json = false
    @Option(help: "Print a line every N epochs when not on a terminal (default: about 20 lines per run).")
    var logEvery: Int?
    @Option(help: "Save a checkpoint every N epochs (default: about 20 per run, at most one a second; always at the end).")
    var checkpointEvery: Int?

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, not \(threads)") }
        if let logEvery, logEvery <= 0 { throw ValidationError("--log-every must be positive, not \(logEvery)") }
        if let checkpointEvery, checkpointEvery <= 0 { throw ValidationError("--checkpoint-every must be positive, not \(checkpointEvery)") }
        if let outputDir, outputDir.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--output-dir needs a folder name, e.g. --output-dir runs/flower (an empty one would write into the current folder)")
        }
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
        if let threads { LinearAlgebra.setThreadCount(threads) }
        switch architecture.precision {
        case .float: try train(Float.self, backend: backend)
        case .double: try train(Double.self, backend: backend)
        }
    }

    private func train<S: BackpropScalar>(_: S.Type, backend: any LinearAlgebraBackend) throws {
        // A resumed run keeps the checkpoint's settings, seed included (it fixes the data split,
        // the shuffles and the dropout masks); explicit options must agree with them.
        let stored = try resume.flatMap { try Checkpoint.configuration(savedIn: URL(fileURLWithPath: $0)) }
        let resumed = try stored.map { try training.configuration(resuming: $0) }
        let configuration = try resumed?.0 ?? training.configuration(seed: architecture.seed)
        let seed = configuration.seed
        let folder = URL(fileURLWithPath: outputDir ?? defaultFolder())

        let outputHint = try? architecture.activations(outputs: architecture.layers == nil ? nil : try architecture.sizes().last).output
        let budget = try memory.budget()
        let loaded = try data.load(S.self, seed: seed, outputHint: architecture.output == nil ? nil : outputHint, budget: budget)
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
        let writes = job.map { $0.rank == 0 } ?? true
        let network = trainer.network
        try requirePasses(NetworkFootprint(network))
        guard loaded.train.X.rows == network.inputSize, loaded.train.Y.rows == network.outputSize else {
            throw BackpropError.invalidArgument("the network \(network.summary) takes \(network.inputSize) features and gives \(network.outputSize) outputs, but \(data.data) has X \(loaded.train.X.shape) and Y \(loaded.train.Y.shape); use --units to size hidden layers from the data")
        }
        try trainer.check(training: loaded.train, validation: loaded.validation)
        // Made only once the data and the network are known to be good (no empty run folders
        // from a typo), and still before any training time is spent.
        if writes {
            try OutputGuard.checkRunFolder(folder, inputs: [("--data", data.data)] + (resume.map { [("--resume", $0)] } ?? []))
            try RunFolder.prepare(folder)
        }

        var progress = Progress(json: json, logEvery: logEvery ?? Swift.max(1, configuration.epochs / 20 + (configuration.epochs % 20 == 0 ? 0 : 1)))
        progress.note("backprop \(backpropVersion) · \(backend.name) \(LinearAlgebra.threadCount) thread(s) · \(S.dtypeName) · seed \(seed)")
        progress.note("data \(data.data): train \(loaded.train.count)" + (loaded.validation.map { ", validation \($0.count)" } ?? "")
            + (loaded.test.map { ", test \($0.count)" } ?? "") + "; X (\(loaded.train.X.rows), m), Y (\(loaded.train.Y.rows), m)")
        progress.note("network \(network.summary), \(network.parameterCount) parameters; \(configuration.optimizer) α=\(configuration.learningRate) "
            + "(\(configuration.schedule)), \(configuration.batchSize.map { "batch \($0)" } ?? "full batch"), epochs \(trainer.epochsCompleted + 1)…\(configuration.epochs)"
            + (configuration.l2 > 0 ? ", L2 λ=\(configuration.l2)" : "") + (configuration.keepProbabilities.map { ", dropout keep \($0[0])" } ?? ""))
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

        let checkpointURL = folder.appendingPathComponent("checkpoint.safetensors")
        let every = checkpointEvery ?? Swift.max(1, configuration.epochs / 20)
        Interrupt.install()
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
        let reason: Trainer<S>.StopReason
        do {
            reason = try trainer.fit(
                training: loaded.train, validation: loaded.validation,
                onBatch: { p in
                    progress.batch(p)
                    return !Interrupt.requested
                },
                onEpoch: { state in
                    progress.epoch(state.history[state.history.count - 1], total: configuration.epochs)
                    if writes && state.epochsCompleted % every == 0 && clock.now - lastSaveTime >= minimumInterval {
                        do {
                            try Checkpoint.save(state, to: checkpointURL)
                            lastSaved = "after epoch \(state.epochsCompleted)"
                            lastSaveTime = clock.now
                        } catch { checkpointError = error }
                    }
                })
        } catch {
            if case let BackpropError.nonFinite(message) = error, trainer.optimizer.step > stepsBefore {
                // Diverged: the parameters now are at best finite, not good. Keep the checkpoint
                // saved before (from an earlier epoch) untouched and say where it is.
                let kept = lastSaved.map { "the last good checkpoint (\($0)) is \(checkpointURL.path)" }
                    ?? resume.map { "the last good checkpoint is still \($0)" } ?? "no checkpoint had been saved yet"
                throw BackpropError.nonFinite("\(message); \(kept)")
            }
            // Any other failure: keep what was learned (finite parameters only), then report it.
            let finite = trainer.network.parameters.isFinite
            if writes, trainer.optimizer.step > stepsBefore, finite { try? Checkpoint.save(trainer, to: checkpointURL) }
            throw error
        }
        let seconds = (clock.now - start).secondsValue
        guard writes else {
            if reason == .interrupted { throw ExitCode(Interrupt.exitCode) }
            return
        }
        do { try Checkpoint.save(trainer, to: checkpointURL) } catch { checkpointError = error }
        if reason == .interrupted {
            let position = trainer.partialEpoch.map { "epoch \($0.epoch), after batch \($0.batches)" } ?? "after epoch \(trainer.epochsCompleted)"
            progress.note("\ninterrupted: checkpoint saved at \(position) to \(checkpointURL.path); continue with --resume \(checkpointURL.path)")
            if let checkpointError { throw checkpointError }
            throw ExitCode(Interrupt.exitCode)
        }
        let modelURL = folder.appendingPathComponent("model.safetensors")
        try trainer.network.save(to: modelURL, metadata: StandardizerMetadata.encode(loaded.standardizer, classNames: loaded.classNames))
        let report = try RunReport(trainer: trainer, data: loaded, backend: backend, seconds: seconds, reason: "\(reason)",
                                   configuration: configuration, seed: seed, folder: folder)
        try report.write()
        progress.note(report.summaryLines.joined(separator: "\n"))
        if let checkpointError { throw checkpointError }
    }

    private func defaultFolder() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let name = URL(fileURLWithPath: data.data).deletingPathExtension().lastPathComponent
        return "runs/\(name)-\(formatter.string(from: Date()))"
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
