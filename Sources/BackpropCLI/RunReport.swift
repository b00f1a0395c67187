import Backprop
import Foundation

/// What a finished run writes beside its model: `metrics.csv`, `report.json`, `report.md` and
/// the SVG plots.
struct RunReport<S: BackpropScalar> {
    let trainer: Trainer<S>
    let data: DataOptions.Loaded<S>
    let backend: any LinearAlgebraBackend
    let seconds: Double
    let reason: String
    let configuration: TrainingConfiguration
    let seed: UInt64
    let folder: URL
    /// Final (loss, accuracy, confusion) per split.
    let results: [(split: String, loss: Double, accuracy: Double, confusion: [[Int]])]

    init(trainer: Trainer<S>, data: DataOptions.Loaded<S>, backend: any LinearAlgebraBackend, seconds: Double, reason: String,
         configuration: TrainingConfiguration, seed: UInt64, folder: URL) throws {
        self.trainer = trainer
        self.data = data
        self.backend = backend
        self.seconds = seconds
        self.reason = reason
        self.configuration = configuration
        self.seed = seed
        self.folder = folder
        var results: [(String, Double, Double, [[Int]])] = []
        for (name, set) in [("train", Optional(data.train)), ("validation", data.validation), ("test", data.test)] {
            guard let set else { continue }
            let r = try trainer.network.evaluate(set)
            results.append((name, r.loss, r.accuracy, r.confusion))
        }
        self.results = results
    }

    var summaryLines: [String] {
        var lines = [String(format: "finished (%@) after %d epochs in %.2f s", reason, trainer.epochsCompleted, seconds)]
        for r in results {
            lines.append(String(format: "%@ loss %.4f  accuracy %.2f%%", r.split.padding(toLength: 10, withPad: " ", startingAt: 0), r.loss, 100 * r.accuracy))
        }
        lines.append("wrote \(folder.path)/{model.safetensors, checkpoint.safetensors, metrics.csv, report.md, report.json, *.svg}")
        return lines
    }

    func write() throws {
        try writeText(metricsCSV, "metrics.csv")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeText(String(decoding: try encoder.encode(json), as: UTF8.self) + "\n", "report.json")
        try writeText(markdown, "report.md")
        for (name, svg) in Plots.all(for: trainer, data: data) { try writeText(svg, name) }
    }

    private func writeText(_ text: String, _ name: String) throws {
        try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(name))
    }

    private var metricsCSV: String {
        let depth = trainer.network.depth
        var lines = ["epoch,learning_rate,train_loss,train_accuracy,validation_loss,validation_accuracy,seconds,"
            + (1...depth).map { "grad_norm_dW\($0)" }.joined(separator: ",")]
        for r in trainer.history {
            let fields = ["\(r.epoch)", "\(r.learningRate)", "\(r.trainLoss)", "\(r.trainAccuracy)",
                          r.validationLoss.map { "\($0)" } ?? "", r.validationAccuracy.map { "\($0)" } ?? "", "\(r.seconds)"]
                + r.gradientNorms.map { "\($0)" }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    struct Report: Encodable {
        struct Result: Encodable { var split: String; var loss: Double; var accuracy: Double; var confusion: [[Int]] }
        var backprop_version: String
        var seed: UInt64
        var data: String
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
        var batch_size: Int?
        var l2: Double
        var dropout_keep_probability: Double?
        var convention: String
        var blas: String
        var blas_version: String
        var threads: Int
        var seconds: Double
        var seconds_per_epoch: Double
        var stop_reason: String
        var results: [Result]
        var class_names: [String]?
    }

    var json: Report {
        let n = trainer.network
        return Report(
            backprop_version: backpropVersion, seed: seed, data: data.description, train_examples: data.train.count,
            validation_examples: data.validation?.count, test_examples: data.test?.count, architecture: n.summary,
            pytorch_modules: n.pyTorchModules, parameters: n.parameterCount, precision: S.dtypeName,
            optimizer: configuration.optimizer.description, learning_rate: configuration.learningRate,
            schedule: configuration.schedule.description, epochs_requested: configuration.epochs,
            epochs_completed: trainer.epochsCompleted, batch_size: configuration.batchSize, l2: configuration.l2,
            dropout_keep_probability: configuration.keepProbabilities?.first, convention: configuration.convention.rawValue,
            blas: backend.name, blas_version: backend.version, threads: LinearAlgebra.threadCount, seconds: seconds,
            seconds_per_epoch: seconds / Double(Swift.max(trainer.history.count, 1)), stop_reason: reason,
            results: results.map { Report.Result(split: $0.split, loss: $0.loss, accuracy: $0.accuracy, confusion: $0.confusion) },
            class_names: data.classNames)
    }

    var markdown: String {
        let r = json
        var md = """
            # Backprop run: \(r.data)

            | setting | value |
            |---|---|
            | network | `\(r.architecture)` (\(r.parameters) parameters) |
            | PyTorch modules | `\(r.pytorch_modules)` |
            | precision | \(r.precision) |
            | optimizer | \(r.optimizer), α = \(r.learning_rate), schedule \(r.schedule) |
            | batch | \(r.batch_size.map(String.init) ?? "full batch") |
            | epochs | \(r.epochs_completed) of \(r.epochs_requested) (\(r.stop_reason)) |
            | L2 λ / dropout keep | \(r.l2) / \(r.dropout_keep_probability.map { "\($0)" } ?? "none") |
            | 1/m convention | \(r.convention) |
            | seed | \(r.seed) |
            | data | train \(r.train_examples), validation \(r.validation_examples ?? 0), test \(r.test_examples ?? 0) |
            | BLAS | \(r.blas) (\(r.blas_version)), \(r.threads) thread(s) |
            | time | \(String(format: "%.2f", r.seconds)) s (\(String(format: "%.4f", r.seconds_per_epoch)) s per epoch) |

            ## Results

            | split | loss | accuracy |
            |---|---|---|

            """
        for result in r.results {
            md += "| \(result.split) | \(String(format: "%.4f", result.loss)) | \(String(format: "%.2f%%", 100 * result.accuracy)) |\n"
        }
        if let last = r.results.last {
            md += "\n## Confusion matrix (\(last.split); rows true, columns predicted)\n\n"
            let names = r.class_names ?? (0..<last.confusion.count).map(String.init)
            md += "| | " + names.joined(separator: " | ") + " |\n|---|" + String(repeating: "---|", count: names.count) + "\n"
            for (i, row) in last.confusion.enumerated() {
                md += "| **\(i < names.count ? names[i] : String(i))** | " + row.map(String.init).joined(separator: " | ") + " |\n"
            }
        }
        md += "\n## Plots\n\n![loss](loss.svg)\n![accuracy](accuracy.svg)\n![gradient norms](gradients.svg)\n"
        if data.train.X.rows == 2 { md += "![decision boundary](boundary.svg)\n" }
        return md
    }
}

