import Backprop
import Foundation

/// The run's TensorBoard event file: per epoch `loss/train`, `accuracy/train`,
/// `loss/validation`, `accuracy/validation`, `learning_rate` and `grad_norm/dW<l>` for each
/// layer with weights (none for pooling, flatten or batch norm), at step = the epoch. A resumed
/// run starts a new event file that repeats the checkpoint's history.
final class TensorBoardLog {
    private let writer: TensorBoardWriter
    private let weightedLayers: [Int]

    /// `weightedLayers`: the 1-based layers with a `‖dW‖`.
    init(folder: URL, weightedLayers: [Int], history: [EpochRecord]) throws {
        self.weightedLayers = weightedLayers
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix("events.out.tfevents.") {
            try? manager.removeItem(at: folder.appendingPathComponent(name))
        }
        writer = try TensorBoardWriter(folder: folder)
        for record in history { try append(record) }
    }

    /// The scalars of one epoch.
    static func scalars(_ r: EpochRecord, weightedLayers: [Int]) -> [(tag: String, value: Double)] {
        var values: [(String, Double)] = [("loss/train", r.trainLoss), ("accuracy/train", r.trainAccuracy), ("learning_rate", r.learningRate)]
        if let loss = r.validationLoss { values.append(("loss/validation", loss)) }
        if let accuracy = r.validationAccuracy { values.append(("accuracy/validation", accuracy)) }
        for l in weightedLayers {
            if let norm = r.gradientNorm(layer: l) { values.append(("grad_norm/dW\(l)", norm)) }
        }
        return values
    }

    func append(_ record: EpochRecord) throws {
        try writer.write(step: record.epoch, scalars: Self.scalars(record, weightedLayers: weightedLayers))
    }
}
