import Backprop
import Foundation

/// `metrics.csv`: a header, then a row per epoch, appended (and so visible to `tail -f`) as
/// each epoch ends. A resumed run starts the file again from the checkpoint's history.
final class MetricsLog {
    let url: URL
    private let handle: FileHandle

    /// Writes the header and the rows of `history` to `folder/metrics.csv`, then keeps it open for appending.
    init(folder: URL, depth: Int, history: [EpochRecord]) throws {
        url = folder.appendingPathComponent("metrics.csv")
        let header = "epoch,learning_rate,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds,"
            + (1...depth).map { "grad_norm_dW\($0)" }.joined(separator: ",")
        let text = ([header] + history.map(Self.row)).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: url)
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Appends the row of `record` (one `write`, unbuffered).
    func append(_ record: EpochRecord) throws {
        try handle.write(contentsOf: Data((Self.row(record) + "\n").utf8))
    }

    static func row(_ r: EpochRecord) -> String {
        (["\(r.epoch)", "\(r.learningRate)", "\(r.trainLoss)", "\(r.trainAccuracy)",
          r.validationLoss.map { "\($0)" } ?? "", r.validationAccuracy.map { "\($0)" } ?? "", "\(r.seconds)"]
            + r.gradientNorms.map { "\($0)" }).joined(separator: ",")
    }
}
