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

    /// Reads what ``encode(_:classNames:)`` wrote; a field that is there but does not parse,
    /// means without standard deviations, or a count other than the model's `features`, is an
    /// error naming `source` and the field.
    static func decode(_ metadata: [String: String], source: String, features: Int) throws -> (standardizer: Standardizer?, classNames: [String]?) {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        func field(_ key: String) throws -> [Double]? {
            guard let text = metadata[key] else { return nil }
            guard let values = numbers(text), values.allSatisfy(\.isFinite) else {
                throw fail("metadata field '\(key)' is not a JSON list of finite numbers")
            }
            return values
        }
        var standardizer: Standardizer?
        switch (try field("input_means"), try field("input_standard_deviations")) {
        case (nil, nil): break
        case let (means?, deviations?):
            do {
                standardizer = try Standardizer(means: means, standardDeviations: deviations)
            } catch {
                throw fail("metadata fields 'input_means' and 'input_standard_deviations': \(error)")
            }
            guard means.count == features else {
                throw fail("metadata field 'input_means' has \(means.count) values, but the model takes \(features) features")
            }
        case (_?, nil): throw fail("metadata has 'input_means' but no 'input_standard_deviations'")
        case (nil, _?): throw fail("metadata has 'input_standard_deviations' but no 'input_means'")
        }
        var classNames: [String]?
        if let text = metadata["class_names"] {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw fail("metadata field 'class_names' is not a JSON list of strings")
            }
            classNames = names
        }
        return (standardizer, classNames)
    }

    private static func json(_ values: [Double]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    private static func numbers(_ text: String) -> [Double]? {
        try? JSONDecoder().decode([Double].self, from: Data(text.utf8))
    }
}
