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
/// with only a header. A cell is a number only if it is printable text `Double` reads (a NUL
/// byte makes it not one) of at most 400 characters; quoted cells are cut to a short excerpt.
/// Sizes are checked against a ``MemoryBudget`` before the matrices are allocated, and a label
/// column with more than ``maximumClasses`` distinct labels is refused.
public enum CSVLoader {
    /// The most classes a label column may have (more suggests an ID or a continuous column
    /// picked as the label; `Y` and the confusion matrix grow with the class count).
    public static let maximumClasses = 1000

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
        /// `Y` is `(1, m)` holding the label values themselves (regression); every label must
        /// be a finite number.
        case numeric
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
    ///   - budget: the memory parsing and `X`, `Y` may take.
    public static func load<T: BackpropScalar>(
        contentsOf url: URL, labelColumn: LabelColumn = .last, labelEncoding: LabelEncoding = .automatic,
        classes: [String]? = nil, separator: Character = ",", as scalarType: T.Type = T.self,
        budget: MemoryBudget = .standard
    ) throws -> LabeledDataset<T> {
        let data = try BackpropError.contents(of: url)
        return try decode(
            data, source: url.path, labelColumn: labelColumn, labelEncoding: labelEncoding, classes: classes,
            separator: separator, budget: budget)
    }

    /// Decodes CSV bytes; `source` names them in error messages and becomes the dataset's name.
    public static func decode<T: BackpropScalar>(
        _ data: Data, source: String = "CSV data", labelColumn: LabelColumn = .last,
        labelEncoding: LabelEncoding = .automatic, classes: [String]? = nil, separator: Character = ",",
        as _: T.Type = T.self, budget: MemoryBudget = .standard
    ) throws -> LabeledDataset<T> {
        guard let separatorByte = separator.asciiValue, separator != "\"", separator != "\n" else {
            throw BackpropError.invalidArgument("CSV separator must be an ASCII character other than a quote or a newline, got '\(separator)'")
        }
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: source, reason: reason) }
        try requireParsing(data.count, of: T.self, source: source, budget: budget)
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
                let columns = names.prefix(10).map { "'\(BackpropError.excerpt($0))'" }.joined(separator: ", ") + (names.count > 10 ? ", …" : "")
                throw fail("line \(header.line): no column named '\(BackpropError.excerpt(name))' (columns: \(columns))")
            }
            labelIndex = index
        }
        guard names.count >= 2 else {
            throw fail("line \(header.line): only one column, '\(BackpropError.excerpt(names[0]))'; need features and a label")
        }
        for (index, name) in names.enumerated() where name.isEmpty {
            throw fail("line \(header.line), column \(index + 1): empty column name")
        }
        let featureColumns = names.indices.filter { $0 != labelIndex }

        var features = ContiguousArray<T>()
        features.reserveCapacity(data.count / 4)  // at most one value per two bytes; budgeted above
        var labelTexts = [String]()
        while let row = try nextRow() {
            guard row.fields.count == names.count else {
                let detail = row.fields.count < names.count
                    ? "missing column '\(BackpropError.excerpt(names[row.fields.count]))'"
                    : "extra cells after column '\(BackpropError.excerpt(names[names.count - 1]))'"
                throw fail("line \(row.line): \(row.fields.count) cells but the header has \(names.count) columns (\(detail))")
            }
            for column in featureColumns {
                let text = row.fields[column]
                let name = BackpropError.excerpt(names[column])
                guard !text.isEmpty else { throw fail("line \(row.line), column '\(name)': missing value") }
                guard let parsed = NumberText.double(text) else {
                    throw fail("line \(row.line), column '\(name)': '\(BackpropError.excerpt(text))' \(NumberText.whyNot(text))")
                }
                let value = T(parsed)
                guard value.isFinite else {
                    throw fail("line \(row.line), column '\(name)': '\(BackpropError.excerpt(text))' is not a finite \(T.dtypeName)")
                }
                features.append(value)
            }
            let label = row.fields[labelIndex]
            guard !label.isEmpty else { throw fail("line \(row.line), column '\(BackpropError.excerpt(names[labelIndex]))': missing value") }
            labelTexts.append(label)
        }
        guard !labelTexts.isEmpty else {
            throw fail("line \(header.line + 1): no data rows after the header")
        }

        let labelName = BackpropError.excerpt(names[labelIndex])
        if labelEncoding == .numeric {
            return try numericLabels(labelTexts, features: features, featureColumns: featureColumns, names: names,
                                     labelName: labelName, source: source, budget: budget)
        }
        var (classNames, classIndices) = classify(labelTexts)
        if let classes {
            // A model's classes: labels map onto its class list, not onto the ones this file has.
            let position = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            if let unknown = classNames.first(where: { position[$0] == nil }) {
                let known = classes.prefix(10).map { BackpropError.excerpt($0) }.joined(separator: ", ") + (classes.count > 10 ? ", …" : "")
                throw fail("column '\(labelName)': label '\(BackpropError.excerpt(unknown))' is not one of the model's classes (\(known))")
            }
            classIndices = classIndices.map { position[classNames[$0]]! }
            classNames = classes
        } else if classNames.count > maximumClasses {
            throw fail("column '\(labelName)' has \(classNames.count) distinct labels in \(labelTexts.count) rows; at most"
                + " \(maximumClasses) classes are supported (is it an ID or a continuous column? pick the label column with --label)")
        }
        let m = labelTexts.count
        let binary: Bool
        switch labelEncoding {
        case .automatic: binary = classNames.count <= 2
        case .oneHot, .numeric: binary = false
        case .binary:
            guard classNames.count <= 2 else {
                throw fail("column '\(labelName)': binary labels need at most 2 classes, found \(classNames.count)"
                    + " (\(classNames.prefix(5).map { BackpropError.excerpt($0) }.joined(separator: ", "))\(classNames.count > 5 ? ", …" : ""))")
            }
            binary = true
        }
        let labelRows = binary ? 1 : classNames.count
        try budget.require(
            elements: try CheckedSize.multiply(labelRows, m, "\(source): Y"), of: T.self,
            for: "\(source): Y (\(labelRows), \(m))" + (binary ? "" : ", one-hot over \(labelRows) classes"))
        var Y = Matrix<T>(rows: labelRows, columns: m)
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

    /// A regression table: `Y` `(1, m)` holds the labels as numbers (no classes).
    private static func numericLabels<T: BackpropScalar>(
        _ labelTexts: [String], features: ContiguousArray<T>, featureColumns: [Int], names: [String],
        labelName: String, source: String, budget: MemoryBudget
    ) throws -> LabeledDataset<T> {
        var values = ContiguousArray<T>()
        values.reserveCapacity(labelTexts.count)
        for (row, text) in labelTexts.enumerated() {
            guard let parsed = NumberText.double(text), T(parsed).isFinite else {
                throw BackpropError.malformedFile(
                    path: source, reason: "data row \(row + 1), column '\(labelName)': '\(BackpropError.excerpt(text))' is not a finite number, and regression labels must be")
            }
            values.append(T(parsed))
        }
        try budget.require(elements: values.count, of: T.self, for: "\(source): Y (1, \(values.count))")
        let m = values.count
        return LabeledDataset(
            dataset: try Dataset(X: Matrix(rows: featureColumns.count, columns: m, columnMajor: features), Y: Matrix(rows: 1, columns: m, columnMajor: values), name: source),
            featureNames: featureColumns.map { names[$0] }, classNames: [], classIndices: [])
    }

    /// Whether the classes a label column gave look like a continuous quantity rather than
    /// classes: every one a number, more than 10 of them, and some not whole numbers or more
    /// than one distinct value per 20 rows (`--task regression` fits such a column).
    public static func looksContinuous(classNames: [String], rows: Int) -> Bool {
        let numbers = classNames.compactMap { NumberText.double($0) }
        guard numbers.count == classNames.count, numbers.count > 10 else { return false }
        return numbers.contains { $0 != $0.rounded() } || numbers.count * 20 > rows
    }

    /// The sorted class names and each label's class index: numeric order when every label is
    /// a finite number (`"2"` before `"10"`), string order otherwise.
    static func classify(_ labels: [String]) -> (names: [String], indices: [Int]) {
        let numbers = labels.map { NumberText.double($0) }
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

    /// Checks that reading `byteCount` bytes of CSV fits `budget`: a copy of the bytes and
    /// room for up to one value of `T` per four bytes.
    static func requireParsing<T>(_ byteCount: Int, of _: T.Type, source: String, budget: MemoryBudget) throws {
        let values = try CheckedSize.multiply(byteCount / 4, MemoryLayout<T>.stride, source)
        try budget.require(bytes: try CheckedSize.add(byteCount, values, source), for: "reading \(source) (\(byteCount) bytes)")
    }
}
