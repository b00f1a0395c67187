import Backprop
import Foundation

/// The input standardisation and class names a model was trained with, kept in the model
/// file's `__metadata__` so `evaluate` and `predict` prepare inputs exactly as training did.
enum StandardizerMetadata {
    static func encode(_ standardizer: Standardizer?, classNames: [String]?) -> [String: String] {
        var result: [String: String] = [:]
        if let standardizer {
            result["input_means"] = json(standardizer.means)
            result["input_standard_deviations"] = json(standardizer.standardDeviations)
        }
        if let classNames, let data = try? JSONEncoder().encode(classNames) {
            result["class_names"] = String(decoding: data, as: UTF8.self)
        }
        return result
    }

    static func decode(_ metadata: [String: String]) throws -> (standardizer: Standardizer?, classNames: [String]?) {
        var standardizer: Standardizer?
        if let means = metadata["input_means"].flatMap(numbers), let stds = metadata["input_standard_deviations"].flatMap(numbers) {
            standardizer = try Standardizer(means: means, standardDeviations: stds)
        }
        let classNames = metadata["class_names"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
        return (standardizer, classNames)
    }

    private static func json(_ values: [Double]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    private static func numbers(_ text: String) -> [Double]? {
        try? JSONDecoder().decode([Double].self, from: Data(text.utf8))
    }
}
