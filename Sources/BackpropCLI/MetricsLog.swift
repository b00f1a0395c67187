import Backprop
import Foundation

/// `metrics.csv`: a header, then a row per epoch, appended (and so visible to `tail -f`) as
/// each epoch ends. A resumed run starts the file again from the checkpoint's history.
/// There is a `grad_norm_dW<l>` column for each layer with weights only: a pooling, flatten or
/// batch-norm layer has no `dW`, and gets no column rather than a column of zeros.
final class MetricsLog {
    let url: URL
    private let handle: FileHandle
    private let weightedLayers: [Int]

    /// Writes the header and the rows of `history` to `folder/metrics.csv`, then keeps it open for
    /// appending; `weightedLayers` are the 1-based layers with a `‖dW‖`.
    init(folder: URL, weightedLayers: [Int], history: [EpochRecord]) throws {
        url = folder.appendingPathComponent("metrics.csv")
        self.weightedLayers = weightedLayers
        let header = (["epoch", "learning_rate", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy", "seconds"]
            + weightedLayers.map { "grad_norm_dW\($0)" }).joined(separator: ",")
        let text = ([header] + history.map { Self.row($0, weightedLayers: weightedLayers) }).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: url)
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Appends the row of `record` (one `write`, unbuffered).
    func append(_ record: EpochRecord) throws {
        try handle.write(contentsOf: Data((Self.row(record, weightedLayers: weightedLayers) + "\n").utf8))
    }

    /// One epoch's row; a resumed history from before the norms were left out (a 0 for every
    /// layer) gives the weighted layers' values only, so the columns still line up.
    static func row(_ r: EpochRecord, weightedLayers: [Int]) -> String {
        (["\(r.epoch)", "\(r.learningRate)", "\(r.trainLoss)", "\(r.trainAccuracy)",
          r.validationLoss.map { "\($0)" } ?? "", r.validationAccuracy.map { "\($0)" } ?? "", "\(r.seconds)"]
            + weightedLayers.map { l in r.gradientNorm(layer: l).map { "\($0)" } ?? "" }).joined(separator: ",")
    }
}
