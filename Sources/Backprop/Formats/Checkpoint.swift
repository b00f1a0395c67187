import Foundation

/// A training checkpoint: the model, the optimizer's moment buffers and step, and the history,
/// in one safetensors file. The model tensors keep their `state_dict` names, so a checkpoint is
/// also a loadable model; optimizer buffers are `optimizer.velocity.{key}` and
/// `optimizer.squares.{key}`.
///
/// Resuming needs nothing else: each epoch's shuffle and dropout masks are drawn from the
/// configuration's seed and the epoch number, and a checkpoint saved mid-epoch (Ctrl-C) records
/// how many batches were done, so a resumed run ends on the same weights as an uninterrupted one.
public enum Checkpoint {
    /// JSON for the history: a finite but huge gradient's norm can overflow to infinity, which
    /// plain JSON cannot hold, so non-finite numbers are written as strings.
    private static var jsonEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }
    private static var jsonDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Writes `trainer`'s state to `url`, atomically.
    public static func save<S: BackpropScalar>(_ trainer: Trainer<S>, to url: URL, metadata extra: [String: String] = [:]) throws {
        var tensors = trainer.network.stateDict
        let parameters = trainer.network.parameters
        for (prefix, slab) in [("velocity", trainer.optimizer.velocity), ("squares", trainer.optimizer.squares)] where slab.count == parameters.count {
            for tensor in parameters.tensors {
                let values = Matrix<S>(rows: tensor.shape.rows, columns: tensor.shape.columns, columnMajor: slab[tensor.range])
                tensors.append(("optimizer.\(prefix).\(tensor.name)", SafeTensors.Tensor(shape: tensor.fileShape, dtype: S.safeTensorsDType, values: values.rowMajorElements.map { Double($0) })))
            }
        }
        let history = String(decoding: try jsonEncoder.encode(trainer.history), as: UTF8.self)
        var metadata = trainer.network.architectureMetadata.merging(extra) { $1 }
        metadata["checkpoint"] = "1"
        metadata["optimizer"] = trainer.configuration.optimizer.description
        metadata["optimizer_step"] = String(trainer.optimizer.step)
        metadata["epochs_completed"] = String(trainer.epochsCompleted)
        metadata["history"] = history
        metadata["configuration"] = String(decoding: try JSONEncoder().encode(trainer.configuration), as: UTF8.self)
        if let partial = trainer.partialEpoch {
            metadata["partial_epoch"] = String(decoding: try jsonEncoder.encode(partial), as: UTF8.self)
        }
        try SafeTensors.write(tensors, metadata: metadata, to: url)
    }

    /// The training configuration a checkpoint was saved with (`nil` for checkpoints written
    /// before it was recorded).
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` naming the file and the field
    ///   when `configuration` is there but does not parse, or holds a value training cannot use.
    public static func configuration(savedIn url: URL) throws -> TrainingConfiguration? {
        let file = try SafeTensors.read(contentsOf: url)
        guard file.metadata["checkpoint"] == "1" else {
            throw BackpropError.malformedFile(path: url.path, reason: "not a Backprop checkpoint (a model file?)")
        }
        guard let text = file.metadata["configuration"] else { return nil }
        let configuration: TrainingConfiguration
        do {
            configuration = try JSONDecoder().decode(TrainingConfiguration.self, from: Data(text.utf8))
        } catch {
            throw BackpropError.malformedFile(path: url.path, reason: "checkpoint metadata field 'configuration' does not parse (\(MetadataField.describe(error)))")
        }
        do {
            try configuration.validate()
        } catch {
            throw BackpropError.malformedFile(path: url.path, reason: "checkpoint metadata field 'configuration': \(error)")
        }
        return configuration
    }

    /// The run a checkpoint records (data, split, seed, precision, threads; `nil` for
    /// checkpoints written before it was recorded).
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` when `training_run` is there
    ///   but does not parse or holds a value no run can have.
    public static func run(savedIn url: URL) throws -> TrainingRun? {
        let file = try SafeTensors.read(contentsOf: url)
        guard file.metadata["checkpoint"] == "1" else {
            throw BackpropError.malformedFile(path: url.path, reason: "not a Backprop checkpoint (a model file?)")
        }
        return try ModelMetadata.run(file.metadata, source: url.path)
    }

    /// Restores a trainer from `url` to continue with `configuration` (whose optimizer must be
    /// the checkpoint's).
    public static func load<S: BackpropScalar>(
        from url: URL, configuration: TrainingConfiguration, as _: S.Type = S.self, kinds: LayerKinds = .builtIn
    ) throws -> Trainer<S> {
        let file = try SafeTensors.read(contentsOf: url)
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: url.path, reason: reason) }
        guard file.metadata["checkpoint"] == "1" else { throw fail("not a Backprop checkpoint (a model file?)") }
        let network = try Network<S>(safeTensors: file, source: url.path, kinds: kinds)
        guard file.metadata["optimizer"] == configuration.optimizer.description else {
            throw fail("checkpoint was trained with \(file.metadata["optimizer"] ?? "?"), not \(configuration.optimizer)")
        }
        // Every field is read strictly: an edited checkpoint is refused naming the field, and
        // nothing in it can overflow a counter or index out of range later.
        guard let stepText = file.metadata["optimizer_step"] else { throw fail("checkpoint metadata lacks optimizer_step") }
        guard let step = Int(stepText), (0...MetadataField.maximumCount).contains(step) else {
            throw fail("checkpoint metadata field 'optimizer_step' is '\(MetadataField.excerpt(stepText))', not a whole number in 0…2^53")
        }
        guard let historyText = file.metadata["history"] else { throw fail("checkpoint metadata lacks history") }
        let history: [EpochRecord]
        do {
            history = try jsonDecoder.decode([EpochRecord].self, from: Data(historyText.utf8))
        } catch {
            throw fail("checkpoint metadata field 'history' does not parse (\(MetadataField.describe(error)))")
        }
        if let bad = history.enumerated().first(where: { $0.element.epoch != $0.offset + 1 }) {
            throw fail("checkpoint metadata field 'history': record \(bad.offset + 1) is for epoch \(bad.element.epoch), not \(bad.offset + 1)")
        }
        if let text = file.metadata["epochs_completed"], Int(text) != history.count {
            throw fail("checkpoint metadata field 'epochs_completed' is '\(MetadataField.excerpt(text))', but the history has \(history.count) epochs")
        }
        func buffers(_ prefix: String) throws -> ContiguousArray<S> {
            let parameters = network.parameters
            guard let first = parameters.tensors.first, file["optimizer.\(prefix).\(first.name)"] != nil else { return [] }
            var slab = parameters.zeroSlab()
            for tensor in parameters.tensors {
                guard let stored = file["optimizer.\(prefix).\(tensor.name)"],
                      stored.shape == tensor.fileShape || stored.shape == [tensor.shape.rows, tensor.shape.columns]
                else { throw fail("optimizer \(prefix) buffer of \(tensor.name) is missing or misshapen") }
                let values = Matrix<S>(rows: tensor.shape.rows, columns: tensor.shape.columns, rowMajor: stored.values.map { S($0) })
                guard values.isFinite else { throw fail("optimizer.\(prefix).\(tensor.name) holds NaN or infinity") }
                slab.replaceSubrange(tensor.range, with: values.elements)
            }
            return slab
        }
        var trainer: Trainer<S>
        do {
            trainer = try Trainer(network: network, configuration: configuration)
        } catch {
            throw fail("cannot resume with its configuration: \(error)")
        }
        trainer.optimizer = Optimizer(configuration.optimizer, step: step, velocity: try buffers("velocity"), squares: try buffers("squares"))
        trainer.history = history
        if let text = file.metadata["partial_epoch"] {
            let partial: PartialEpoch
            do {
                partial = try jsonDecoder.decode(PartialEpoch.self, from: Data(text.utf8))
            } catch {
                throw fail("checkpoint metadata field 'partial_epoch' does not parse (\(MetadataField.describe(error)))")
            }
            if let problem = partial.problem(epochsCompleted: history.count, depth: network.depth) {
                throw fail("checkpoint metadata field 'partial_epoch': \(problem)")
            }
            trainer.partialEpoch = partial
        }
        return trainer
    }
}
