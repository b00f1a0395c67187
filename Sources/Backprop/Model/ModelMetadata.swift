import Foundation

/// The `__metadata__` fields of a ``Model`` beyond its architecture: `input_means` and
/// `input_standard_deviations` (JSON lists), `class_names` (a JSON list of strings), `task`,
/// `label_encoding` and `training_run` (JSON of ``TrainingRun``). Every field is optional and
/// read strictly: one that is there but does not parse, or does not fit the network, is an
/// error naming the file and the field.
enum ModelMetadata {
    struct Fields {
        var standardizer: Standardizer?
        var classNames: [String]?
        var task: ModelTask?
        var labelEncoding: LabelEncoding?
        var run: TrainingRun?
    }

    static func encode(
        standardizer: Standardizer?, classNames: [String]?, task: ModelTask, labelEncoding: LabelEncoding, run: TrainingRun?
    ) -> [String: String] {
        var result = ["task": task.rawValue, "label_encoding": labelEncoding.rawValue]
        if let standardizer {
            result["input_means"] = json(standardizer.means)
            result["input_standard_deviations"] = json(standardizer.standardDeviations)
        }
        if let classNames { result["class_names"] = json(classNames) }
        if let run { result["training_run"] = json(run) }
        return result
    }

    static func decode(_ metadata: [String: String], source: String, features: Int, outputs: Int) throws -> Fields {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        func numbers(_ key: String) throws -> [Double]? {
            guard let text = metadata[key] else { return nil }
            guard let values = try? JSONDecoder().decode([Double].self, from: Data(text.utf8)), values.allSatisfy(\.isFinite) else {
                throw fail("metadata field '\(key)' is not a JSON list of finite numbers")
            }
            return values
        }
        var fields = Fields()
        switch (try numbers("input_means"), try numbers("input_standard_deviations")) {
        case (nil, nil): break
        case let (means?, deviations?):
            do {
                fields.standardizer = try Standardizer(means: means, standardDeviations: deviations)
            } catch {
                throw fail("metadata fields 'input_means' and 'input_standard_deviations': \(error)")
            }
            guard means.count == features else {
                throw fail("metadata field 'input_means' has \(means.count) values, but the model takes \(features) features")
            }
        case (_?, nil): throw fail("metadata has 'input_means' but no 'input_standard_deviations'")
        case (nil, _?): throw fail("metadata has 'input_standard_deviations' but no 'input_means'")
        }
        if let text = metadata["class_names"] {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw fail("metadata field 'class_names' is not a JSON list of strings")
            }
            fields.classNames = names
        }
        if let text = metadata["task"] {
            guard let task = ModelTask(rawValue: text) else {
                throw fail("metadata field 'task' is '\(MetadataField.excerpt(text))', not classification or regression")
            }
            fields.task = task
        }
        if let text = metadata["label_encoding"] {
            guard let encoding = LabelEncoding(rawValue: text) else {
                throw fail("metadata field 'label_encoding' is '\(MetadataField.excerpt(text))', not binary, one_hot or numeric")
            }
            if encoding == .binary && outputs != 1 || encoding == .oneHot && outputs < 2 {
                throw fail("metadata field 'label_encoding' is \(text), which does not fit the model's \(outputs) output unit(s)")
            }
            fields.labelEncoding = encoding
        }
        fields.run = try run(metadata, source: source)
        return fields
    }

    /// The `training_run` field, if there.
    static func run(_ metadata: [String: String], source: String) throws -> TrainingRun? {
        guard let text = metadata["training_run"] else { return nil }
        do {
            let run = try JSONDecoder().decode(TrainingRun.self, from: Data(text.utf8))
            try run.validate()
            return run
        } catch let error as DecodingError {
            throw BackpropError.malformedFile(path: source, reason: "metadata field 'training_run' does not parse (\(MetadataField.describe(error)))")
        } catch {
            throw BackpropError.malformedFile(path: source, reason: "metadata field 'training_run': \(error)")
        }
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Plain values (finite numbers, strings): encoding cannot fail.
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}
