import Backprop
import Foundation

/// Everything a run folder holds, kept complete while the run goes: `metrics.csv` and the
/// TensorBoard event file grow an entry per epoch; at every checkpoint, on interrupt and at the
/// end the checkpoint, model, report and plots are written together.
final class RunSnapshot<S: BackpropScalar> {
    let folder: URL
    let model: Model<S>
    let data: DataOptions.Loaded<S>
    let backend: any LinearAlgebraBackend
    let configuration: TrainingConfiguration
    let seed: UInt64
    private let metrics: MetricsLog
    private let events: TensorBoardLog?
    /// The first error appending a log entry met (reported at the end, not per epoch).
    private(set) var logError: (any Error)?
    private let clock = ContinuousClock()
    /// When the report and plots were last written, and how long that took.
    private var lastReport: (at: ContinuousClock.Instant, took: Duration)?

    var checkpointURL: URL { folder.appendingPathComponent("checkpoint.safetensors") }
    var modelURL: URL { folder.appendingPathComponent("model.safetensors") }

    init(folder: URL, model: Model<S>, data: DataOptions.Loaded<S>, backend: any LinearAlgebraBackend,
         configuration: TrainingConfiguration, seed: UInt64, resumedHistory: [EpochRecord]) throws {
        self.folder = folder
        self.model = model
        self.data = data
        self.backend = backend
        self.configuration = configuration
        self.seed = seed
        // Only the layers with weights have a ‖dW‖ (pooling, flatten and batch norm have none).
        let weighted = (1...model.network.depth).filter(model.network.parameters.hasWeights(layer:))
        metrics = try MetricsLog(folder: folder, weightedLayers: weighted, history: resumedHistory)
        events = try TensorBoardLog(folder: folder, weightedLayers: weighted, history: resumedHistory)
    }

    /// Appends the epoch to metrics.csv and the event file.
    func log(_ record: EpochRecord) {
        do {
            try metrics.append(record)
            try events?.append(record)
        } catch {
            if logError == nil { logError = error }
        }
    }

    /// Writes the checkpoint, the model, the report and the plots for `trainer` as it is now.
    ///
    /// At a checkpoint during the run (`final == false`) the report and plots, which evaluate
    /// every split and draw a decision boundary, are rewritten only when the run has trained
    /// ten times as long as writing them last took, so they never cost more than a tenth of
    /// the run; the checkpoint and the model are always written. At the end and on interrupt
    /// (`final`) everything is.
    @discardableResult
    func save(_ trainer: Trainer<S>, seconds: Double, reason: String, bestEpoch: Int? = nil, final: Bool = true) throws -> RunReport<S>? {
        var current = model
        current.network = trainer.network
        try Checkpoint.save(trainer, to: checkpointURL, metadata: current.metadata)
        try current.save(to: modelURL)
        let start = clock.now
        if !final, let lastReport, start - lastReport.at < lastReport.took * 10 { return nil }
        let report = try RunReport(trainer: trainer, model: current, data: data, backend: backend, seconds: seconds, reason: reason,
                                   bestEpoch: bestEpoch, configuration: configuration, seed: seed, folder: folder)
        try report.write()
        lastReport = (clock.now, clock.now - start)
        if let logError { throw logError }
        return report
    }
}
