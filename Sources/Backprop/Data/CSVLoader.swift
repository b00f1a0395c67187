import Foundation

/// Loading a classification table from a CSV file with a header row: numeric feature columns
/// and one label column.
///
/// ```swift
/// let iris: LabeledDataset<Double> = try CSVLoader.load(contentsOf: url)   // label: last column
/// // iris.X is (4, 150), iris.Y is (3, 150) one-hot, iris.classNames == ["0", "1", "2"]
/// ```
///
/// Labels may be numbers or text. The classes are the distinct labels sorted — numerically
/// when every label is a number, lexicographically otherwise — and class `k` is row `k` of a
/// one-hot `Y`, or the value `k` of a binary `Y`.
///
/// Every problem throws ``BackpropError/malformedFile(path:reason:)`` with a one-line
/// message naming the file, the line and the column: a cell that is not a number, a missing
/// cell, a row with too few or too many cells, a NaN or infinite feature, an empty file or one
/// with only a header.
public enum CSVLoader {
    /// Which column holds the labels.
    public enum LabelColumn: Sendable, Equatable {
        /// The last column (the default, as in the bundled tables' `target`).
        case last
        /// The column at this 0-based index.
        case index(Int)
        /// The first column whose header is this name.
        case name(String)
    }

    /// How the labels become `Y`.
    public enum LabelEncoding: Sendable, Equatable {
        /// Binary for two classes (or one), one-hot for more.
        case automatic
        /// `Y` is `(1, m)` holding 0 or 1 (for a sigmoid output); needs at most two classes.
        case binary
        /// `Y` is `(classes, m)`, one-hot (for a softmax output).
        case oneHot
    }

    /// Reads the CSV file at `url`.
    ///
    /// - Parameters:
    ///   - url: the file to read.
    ///   - labelColumn: the column holding the labels; every other column is a feature.
    ///   - labelEncoding: binary 0/1 or one-hot labels.
    ///   - classes: the class list to map labels onto (a trained model's), instead of the
    ///     classes this file happens to contain; a label outside it is an error.
    ///   - separator: the field separator, an ASCII character.
    ///   - scalarType: the precision of `X` and `Y`, `Float` or `Double`.
    public static func load<T: BackpropScalar>(
        contentsOf url: URL, labelColumn: LabelColumn = .last, labelEncoding: LabelEncoding = .automatic,
        classes: [String]? = nil, separator: Character = ",", as scalarType: T.Type = T.self
    ) throws -> LabeledDataset<T> {
        let data = try BackpropError.contents(of: url)
        return try decode(
            data, source: url.path, labelColumn: labelColumn, labelEncoding: labelEncoding, classes: classes,
            separator: separator)
    }

    /// Decodes CSV bytes; `source` names them in error messages and becomes the dataset's name.
    public static func decode<T: BackpropScalar>(
        _ data: Data, source: String = "CSV data", labelColumn: LabelColumn = .last,
        labelEncoding: LabelEncoding = .automatic, classes: [String]? = nil, separator: Character = ",",
        as _: T.Type = T.self
    ) throws -> LabeledDataset<T> {
        guard let separatorByte = separator.asciiValue, separator != "\"", separator != "\n" else {
            throw BackpropError.invalidArgument("CSV separator must be an ASCII character other than a quote or a newline, got '\(separator)'")
        }
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        var tokenizer = CSVTokenizer([UInt8](data), separator: separatorByte)
        func nextRow() throws -> CSVTokenizer.Row? {
            do {
                return try tokenizer.nextRow()
            } catch {
                throw fail("line \(error.line), column \(error.field + 1): \(error.reason)")
            }
        }

        guard let header = try nextRow() else { throw fail("line 1: empty file, expected a header row") }
        let names = header.fields
        let labelIndex: Int
        switch labelColumn {
        case .last: labelIndex = names.count - 1
        case let .index(index):
            guard names.indices.contains(index) else {
                throw fail("line \(header.line): label column index \(index) is outside the \(names.count) columns")
            }
            labelIndex = index
        case let .name(name):
            guard let index = names.firstIndex(of: name) else {
                throw fail("line \(header.line): no column named '\(name)' (columns: \(names.map { "'\($0)'" }.joined(separator: ", ")))")
            }
            labelIndex = index
        }
        guard names.count >= 2 else {
            throw fail("line \(header.line): only one column, '\(names[0])'; need features and a label")
        }
        for (index, name) in names.enumerated() where name.isEmpty {
            throw fail("line \(header.line), column \(index + 1): empty column name")
        }
        let featureColumns = names.indices.filter { $0 != labelIndex }

        var features = ContiguousArray<T>()
        features.reserveCapacity(data.count / 4)
        var labelTexts = [String]()
        while let row = try nextRow() {
            guard row.fields.count == names.count else {
                let detail = row.fields.count < names.count
                    ? "missing column '\(names[row.fields.count])'"
                    : "extra cells after column '\(names[names.count - 1])'"
                throw fail("line \(row.line): \(row.fields.count) cells but the header has \(names.count) columns (\(detail))")
            }
            for column in featureColumns {
                let text = row.fields[column]
                guard !text.isEmpty else { throw fail("line \(row.line), column '\(names[column])': missing value") }
                guard let parsed = Double(text) else {
                    throw fail("line \(row.line), column '\(names[column])': '\(text)' is not a number")
                }
                let value = T(parsed)
                guard value.isFinite else {
                    throw fail("line \(row.line), column '\(names[column])': '\(text)' is not a finite \(T.dtypeName)")
                }
                features.append(value)
            }
            let label = row.fields[labelIndex]
            guard !label.isEmpty else { throw fail("line \(row.line), column '\(names[labelIndex])': missing value") }
            labelTexts.append(label)
        }
        guard !labelTexts.isEmpty else {
            throw fail("line \(header.line + 1): no data rows after the header")
        }

        var (classNames, classIndices) = classify(labelTexts)
        if let classes {
            // A model's classes: labels map onto its class list, not onto the ones this file has.
            let position = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            if let unknown = classNames.first(where: { position[$0] == nil }) {
                throw fail("column '\(names[labelIndex])': label '\(unknown)' is not one of the model's classes (\(classes.prefix(10).joined(separator: ", ")))")
            }
            classIndices = classIndices.map { position[classNames[$0]]! }
            classNames = classes
        }
        let m = labelTexts.count
        let binary: Bool
        switch labelEncoding {
        case .automatic: binary = classNames.count <= 2
        case .oneHot: binary = false
        case .binary:
            guard classNames.count <= 2 else {
                throw fail("column '\(names[labelIndex])': binary labels need at most 2 classes, found \(classNames.count)"
                    + " (\(classNames.prefix(5).joined(separator: ", "))\(classNames.count > 5 ? ", …" : ""))")
            }
            binary = true
        }
        var Y = Matrix<T>(rows: binary ? 1 : classNames.count, columns: m)
        Y.withUnsafeMutableBufferPointer { y in
            for (j, k) in classIndices.enumerated() {
                if binary { y[j] = T(k) } else { y[k + j * classNames.count] = 1 }
            }
        }
        let X = Matrix<T>(rows: featureColumns.count, columns: m, columnMajor: features)
        return LabeledDataset(
            dataset: try Dataset(X: X, Y: Y, name: source),
            featureNames: featureColumns.map { names[$0] }, classNames: classNames, classIndices: classIndices)
    }

    /// The sorted class names and each label's class index: numeric order when every label is
    /// a finite number (`"2"` before `"10"`), string order otherwise.
    static func classify(_ labels: [String]) -> (names: [String], indices: [Int]) {
        let numbers = labels.map { Double($0) }
        if numbers.allSatisfy({ $0?.isFinite == true }) {
            let values = numbers.map { $0! }
            var nameOf = [Double: String]()
            for (value, text) in zip(values, labels) where nameOf[value] == nil {
                nameOf[value] = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : text
            }
            let sorted = nameOf.keys.sorted()
            let indexOf = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
            return (sorted.map { nameOf[$0]! }, values.map { indexOf[$0]! })
        }
        let sorted = Array(Set(labels)).sorted()
        let indexOf = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
        return (sorted, labels.map { indexOf[$0]! })
    }
}
