import Backprop
import Foundation

/// The figures of a model on one split: classification (loss, accuracy, confusion matrix,
/// precision/recall/F1 per class) or regression (loss, R², MAE, RMSE). `evaluate` and the run
/// report both print them, from this one computation.
struct SplitResult: Encodable {
    var split: String
    var examples: Int
    var loss: Double
    var accuracy: Double?
    var confusion: [[Int]]?
    var precision: [Double]?
    var recall: [Double]?
    var f1: [Double]?
    var support: [Int]?
    var macro_precision: Double?
    var macro_recall: Double?
    var macro_f1: Double?
    var r2: Double?
    var mae: Double?
    var rmse: Double?

    init<S: BackpropScalar>(split: String, model: Model<S>, data: Dataset<S>) throws {
        self.split = split
        examples = data.count
        if model.task == .regression {
            let r = try model.network.evaluateRegression(data)
            (loss, r2, mae, rmse) = (r.loss, r.r2, r.meanAbsoluteError, r.rootMeanSquaredError)
        } else {
            let r = try model.network.evaluate(data)
            let report = ClassificationReport(confusion: r.confusion)
            (loss, accuracy, confusion) = (r.loss, r.accuracy, r.confusion)
            precision = report.classes.map(\.precision)
            recall = report.classes.map(\.recall)
            f1 = report.classes.map(\.f1)
            support = report.classes.map(\.support)
            (macro_precision, macro_recall, macro_f1) = report.macro
        }
    }

    /// `loss 0.0523  accuracy 98.25%` or `loss 0.0523  R² 0.9123  MAE 0.1234  RMSE 0.2345`, with `digits` decimals of the loss.
    func figures(lossDigits digits: Int = 4) -> String {
        let loss = String(format: "loss %.\(digits)f", self.loss)
        if let accuracy { return loss + String(format: "  accuracy %.2f%%", 100 * accuracy) }
        return loss + String(format: "  R² %.4f  MAE %.4f  RMSE %.4f", r2 ?? .nan, mae ?? .nan, rmse ?? .nan)
    }

    /// The confusion matrix and the per-class precision, recall and F1 as text tables (none for regression).
    func tables(classNames: [String]?) -> String? {
        guard let confusion, let precision, let recall, let f1, let support else { return nil }
        let names = (0..<confusion.count).map { i in classNames.flatMap { i < $0.count ? $0[i] : nil } ?? String(i) }
        var matrix = TextTable(columns: ["true \\ predicted"] + names)
        for (i, row) in confusion.enumerated() { matrix.add([names[i]] + row.map(String.init)) }
        var scores = TextTable(columns: ["class", "precision", "recall", "F1", "support"])
        for i in names.indices {
            scores.add([names[i], String(format: "%.4f", precision[i]), String(format: "%.4f", recall[i]), String(format: "%.4f", f1[i]), String(support[i])])
        }
        scores.add(["macro avg", String(format: "%.4f", macro_precision ?? 0), String(format: "%.4f", macro_recall ?? 0),
                    String(format: "%.4f", macro_f1 ?? 0), String(support.reduce(0, +))])
        return matrix.render() + "\n" + scores.render()
    }
}

/// What a run writes beside its model and metrics: `report.json`, `report.md` and the SVG plots.
struct RunReport<S: BackpropScalar> {
    let trainer: Trainer<S>
    let model: Model<S>
    let data: DataOptions.Loaded<S>
    let backend: any LinearAlgebraBackend
    let seconds: Double
    let reason: String
    let bestEpoch: Int?
    let configuration: TrainingConfiguration
    let seed: UInt64
    let folder: URL
    /// The final figures per split.
    let results: [SplitResult]

    init(trainer: Trainer<S>, model: Model<S>, data: DataOptions.Loaded<S>, backend: any LinearAlgebraBackend, seconds: Double, reason: String,
         bestEpoch: Int?, configuration: TrainingConfiguration, seed: UInt64, folder: URL) throws {
        self.trainer = trainer
        self.model = model
        self.data = data
        self.backend = backend
        self.seconds = seconds
        self.reason = reason
        self.bestEpoch = bestEpoch
        self.configuration = configuration
        self.seed = seed
        self.folder = folder
        var results: [SplitResult] = []
        for (name, set) in [("train", Optional(data.train)), ("validation", data.validation), ("test", data.test)] {
            guard let set else { continue }
            results.append(try SplitResult(split: name, model: model, data: set))
        }
        self.results = results
    }

    var summaryLines: [String] {
        var lines = [String(format: "finished after %d epochs in %.2f s: %@", trainer.epochsCompleted, seconds, reason)]
        for r in results {
            lines.append(r.split.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + r.figures())
        }
        lines.append("wrote \(folder.path)/{model.safetensors, checkpoint.safetensors, metrics.csv, events.out.tfevents.*, report.md, report.json, *.svg}")
        return lines
    }

    func write() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try writeText(String(decoding: try encoder.encode(json), as: UTF8.self) + "\n", "report.json")
        try writeText(markdown, "report.md")
        for (name, svg) in Plots.all(for: trainer, data: data, bestEpoch: bestEpoch) { try writeText(svg, name) }
    }

    private func writeText(_ text: String, _ name: String) throws {
        try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(name))
    }

    struct Report: Encodable {
        var backprop_version: String
        var seed: UInt64
        var data: String
        var task: String
        var train_examples: Int
        var validation_examples: Int?
        var test_examples: Int?
        var architecture: String
        var pytorch_modules: String
        var parameters: Int
        var precision: String
        var optimizer: String
        var learning_rate: Double
        var schedule: String
        var epochs_requested: Int
        var epochs_completed: Int
        var best_epoch: Int?
        var batch_size: Int?
        var l2: Double
        var dropout_keep_probability: Double?
        var convention: String
        var blas: String
        var blas_version: String
        /// How the backend was chosen, when that needs saying (``LinearAlgebraBackend/note``).
        var blas_note: String?
        var threads: Int
        var seconds: Double
        var seconds_per_epoch: Double
        var stop_reason: String
        var results: [SplitResult]
        var class_names: [String]?
    }

    var json: Report {
        let n = trainer.network
        return Report(
            backprop_version: backpropVersion, seed: seed, data: data.description, task: model.task.rawValue, train_examples: data.train.count,
            validation_examples: data.validation?.count, test_examples: data.test?.count, architecture: n.summary,
            pytorch_modules: n.pyTorchModules, parameters: n.parameterCount, precision: S.dtypeName,
            optimizer: configuration.optimizer.description, learning_rate: configuration.learningRate,
            schedule: configuration.schedule.description, epochs_requested: configuration.epochs,
            epochs_completed: trainer.epochsCompleted, best_epoch: bestEpoch, batch_size: configuration.batchSize, l2: configuration.l2,
            dropout_keep_probability: configuration.keepProbabilities?.first, convention: configuration.convention.rawValue,
            blas: backend.name, blas_version: backend.version, blas_note: backend.note, threads: LinearAlgebra.threadCount, seconds: seconds,
            seconds_per_epoch: seconds / Double(Swift.max(trainer.history.count, 1)), stop_reason: reason,
            results: results, class_names: data.classNames)
    }

    var markdown: String {
        let r = json
        var md = """
            # Backprop run: \(r.data)

            | setting | value |
            |---|---|
            | task | \(r.task) |
            | network | `\(r.architecture)` (\(r.parameters) parameters) |
            | PyTorch modules | `\(r.pytorch_modules)` |
            | precision | \(r.precision) |
            | optimizer | \(r.optimizer), α = \(r.learning_rate), schedule \(r.schedule) |
            | batch | \(r.batch_size.map(String.init) ?? "full batch") |
            | epochs | \(r.epochs_completed) of \(r.epochs_requested) |
            | stopped | \(r.stop_reason) |
            | L2 λ / dropout keep | \(r.l2) / \(r.dropout_keep_probability.map { "\($0)" } ?? "none") |
            | 1/m convention | \(r.convention) |
            | seed | \(r.seed) |
            | data | train \(r.train_examples), validation \(r.validation_examples ?? 0), test \(r.test_examples ?? 0) |
            | BLAS | \(r.blas) (\(r.blas_version)), \(r.threads) thread(s)\(r.blas_note.map { "; \($0)" } ?? "") |
            | time | \(String(format: "%.2f", r.seconds)) s (\(String(format: "%.4f", r.seconds_per_epoch)) s per epoch) |

            ## Results


            """
        if model.task == .regression {
            md += "| split | loss | R² | MAE | RMSE |\n|---|---|---|---|---|\n"
            for s in r.results {
                md += "| \(s.split) | \(String(format: "%.4f", s.loss)) | \(String(format: "%.4f", s.r2 ?? .nan)) | \(String(format: "%.4f", s.mae ?? .nan)) | \(String(format: "%.4f", s.rmse ?? .nan)) |\n"
            }
        } else {
            md += "| split | loss | accuracy | macro precision | macro recall | macro F1 |\n|---|---|---|---|---|---|\n"
            for s in r.results {
                md += "| \(s.split) | \(String(format: "%.4f", s.loss)) | \(String(format: "%.2f%%", 100 * (s.accuracy ?? .nan))) | "
                    + "\(String(format: "%.4f", s.macro_precision ?? .nan)) | \(String(format: "%.4f", s.macro_recall ?? .nan)) | \(String(format: "%.4f", s.macro_f1 ?? .nan)) |\n"
            }
        }
        if let last = r.results.last, let confusion = last.confusion, let precision = last.precision, let recall = last.recall, let f1 = last.f1, let support = last.support {
            let names = (0..<confusion.count).map { i in r.class_names.flatMap { i < $0.count ? $0[i] : nil } ?? String(i) }
            md += "\n## Confusion matrix (\(last.split); rows true, columns predicted)\n\n"
            md += "| | " + names.joined(separator: " | ") + " |\n|---|" + String(repeating: "---|", count: names.count) + "\n"
            for (i, row) in confusion.enumerated() {
                md += "| **\(names[i])** | " + row.map(String.init).joined(separator: " | ") + " |\n"
            }
            md += "\n## Per class (\(last.split))\n\n| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n"
            for i in names.indices {
                md += "| \(names[i]) | \(String(format: "%.4f", precision[i])) | \(String(format: "%.4f", recall[i])) | \(String(format: "%.4f", f1[i])) | \(support[i]) |\n"
            }
            md += "| macro avg | \(String(format: "%.4f", last.macro_precision ?? 0)) | \(String(format: "%.4f", last.macro_recall ?? 0)) | \(String(format: "%.4f", last.macro_f1 ?? 0)) | \(support.reduce(0, +)) |\n"
        }
        md += "\n## Plots\n\n![loss](loss.svg)\n![accuracy](accuracy.svg)\n![gradient norms](gradients.svg)\n"
        if data.train.X.rows == 2 && model.task == .classification { md += "![decision boundary](boundary.svg)\n" }
        return md
    }
}
