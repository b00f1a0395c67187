import ArgumentParser
import Backprop
import Foundation

/// Where training and evaluation data come from: a built-in generator, a CSV file, an IDX folder
/// (MNIST layout) or an NPZ file with arrays `X` `(n_x, m)` and `Y` `(n_y, m)`.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Data: flower, moons, circles, spirals, xor, a CSV file, an IDX folder (MNIST layout) or an NPZ file with X (n_x, m) and Y (n_y, m).",
        valueName: "name-or-path"))
    var data: String = "flower"

    @Option(help: "CSV label column, by name or 0-based index (default: the last column).")
    var label: String?

    @Option(help: "Fraction of the training examples held out for validation.")
    var validationSplit: Double = 0

    @Option(help: "Fraction held out as a test set when the data has none (CSV, NPZ, built-in).")
    var testSplit: Double = 0

    @Option(help: "Use only the first N training examples (a quick slice of a big set).")
    var limit: Int?

    @Flag(inversion: .prefixedNo, help: "Standardise CSV and NPZ features (fitted on the training split).")
    var standardize = true

    static let builtInNames = ["flower", "moons", "circles", "spirals", "xor"]

    func validate() throws {
        guard (0..<1).contains(validationSplit) else { throw ValidationError("--validation-split must be in [0, 1), not \(validationSplit)") }
        guard (0..<1).contains(testSplit) else { throw ValidationError("--test-split must be in [0, 1), not \(testSplit)") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive, not \(limit)") }
    }

    /// The data, split into train, validation and test.
    struct Loaded<S: BackpropScalar> {
        var train: Dataset<S>
        var validation: Dataset<S>?
        var test: Dataset<S>?
        var classNames: [String]?
        var description: String
        /// The standardisation fitted on the training split, if any (saved with the model).
        var standardizer: Standardizer?
    }

    /// Loads and splits the data for training: a standardiser is fitted on the training split
    /// (unless `--no-standardize`).
    func load<S: BackpropScalar>(_: S.Type, seed: UInt64, outputHint: Activation? = nil, budget: MemoryBudget) throws -> Loaded<S> {
        try load(S.self, seed: seed, outputHint: outputHint, model: nil, budget: budget)
    }

    /// What a saved model fixes about its inputs: the standardisation it was trained with (or
    /// none) and its class names.
    struct ModelInputs {
        var standardizer: Standardizer?
        var classNames: [String]?
    }

    /// Loads data for a saved model (`evaluate`): nothing is fitted; the model's standardiser,
    /// if it has one, is applied, and CSV labels map onto the model's classes. Every size is
    /// checked against `budget` before it is allocated.
    func load<S: BackpropScalar>(
        _: S.Type, seed: UInt64, outputHint: Activation? = nil, model: ModelInputs?, budget: MemoryBudget
    ) throws -> Loaded<S> {
        let saved = model?.standardizer
        var all: Dataset<S>
        var test: Dataset<S>?
        var classNames: [String]?
        var standardizable = false
        let url = URL(fileURLWithPath: data)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory)
        switch data {
        case "flower": all = Generators.flower(seed: seed)
        case "moons": all = Generators.moons(seed: seed)
        case "circles": all = Generators.circles(seed: seed)
        case "spirals": all = Generators.spirals(seed: seed)
        case "xor": all = Generators.xor(seed: seed)
        default:
            guard exists else {
                throw BackpropError.invalidArgument("--data '\(data)': no such file or folder, and not a built-in set (\(Self.builtInNames.joined(separator: ", ")))")
            }
            if isDirectory.boolValue {
                all = try IDXDataset.loadFolder(url, split: .train, budget: budget)
                test = try IDXDataset.loadFolder(url, split: .test, budget: budget)
                classNames = (0..<all.Y.rows).map(String.init)
            } else if url.pathExtension.lowercased() == "npz" {
                let archive = try NPZ.read(contentsOf: url, budget: budget)
                guard let x = archive["X"], let y = archive["Y"] else {
                    let found = archive.names.prefix(10).map { BackpropError.excerpt($0) }.joined(separator: ", ")
                    throw BackpropError.malformedFile(path: data, reason: "an NPZ dataset needs arrays named X (n_x, m) and Y (n_y, m); found \(found)")
                }
                try budget.require(
                    elements: try CheckedSize.add(x.count, y.count, "\(data): X and Y"), of: S.self,
                    for: "\(data): X and Y as \(S.dtypeName)")
                all = try Dataset(X: x.matrix(S.self), Y: y.matrix(S.self), name: url.lastPathComponent)
                standardizable = true
            } else {
                let column: CSVLoader.LabelColumn = label.map { Int($0).map(CSVLoader.LabelColumn.index) ?? .name($0) } ?? .last
                let encoding: CSVLoader.LabelEncoding = outputHint == .softmax ? .oneHot : (outputHint == .sigmoid ? .binary : .automatic)
                let table: LabeledDataset<S> = try CSVLoader.load(
                    contentsOf: url, labelColumn: column, labelEncoding: encoding, classes: model?.classNames, budget: budget)
                all = table.dataset
                classNames = table.classNames
                standardizable = true
            }
        }
        if let limit, limit < all.count { all = all.prefix(limit) }
        // Splitting and standardising copy the examples: about twice the data again.
        let dataElements = try CheckedSize.add(all.X.count, all.Y.count, "\(data): X and Y")
        try budget.require(
            elements: try CheckedSize.multiply(dataElements, 2, "\(data): X and Y"), of: S.self,
            for: "splitting and standardising \(data) (X \(all.X.shape), Y \(all.Y.shape))")
        var train = all
        var validation: Dataset<S>?
        let testFraction = test == nil ? testSplit : 0
        if validationSplit > 0 || testFraction > 0 {  // a split copies the data: only when asked
            let split = try all.split(validation: validationSplit, test: testFraction, seed: seed &+ 17)
            train = split.train
            validation = split.validation.count > 0 ? split.validation : nil
            if test == nil && split.test.count > 0 { test = split.test }
        }
        var fitted: Standardizer?
        if standardizable && (model == nil ? standardize : saved != nil) {
            let standardizer = try saved ?? Standardizer(fittedTo: train.X)
            fitted = standardizer
            train = try standardizer.transform(train)
            validation = try validation.map { try standardizer.transform($0) }
            test = try test.map { try standardizer.transform($0) }
        }
        return Loaded(train: train, validation: validation, test: test, classNames: classNames, description: data, standardizer: fitted)
    }
}
