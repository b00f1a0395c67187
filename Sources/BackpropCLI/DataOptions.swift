import ArgumentParser
import Backprop
import Foundation

/// Where training and evaluation data come from: a built-in generator, a CSV file, an IDX folder
/// (MNIST layout) or an NPZ file with arrays `X` `(n_x, m)` and `Y` `(n_y, m)`.
///
/// Every option is optional so a command can tell a flag given from a default: a resumed run
/// and `evaluate --split` take what the model's ``TrainingRun`` recorded, and refuse a flag
/// that contradicts it (``resolve(seed:stored:purpose:)``).
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp(
        "Data: flower, moons, circles, spirals, xor, a CSV file, an IDX folder (MNIST layout) or an NPZ file with X (n_x, m) and Y (n_y, m) (default flower; on --resume and evaluate, the run's).",
        valueName: "name-or-path"))
    var dataOption: String?

    @Option(help: "CSV label column, by name or 0-based index (default: the last column).")
    var label: String?

    @Option(help: "Fraction of the training examples held out for validation (default 0).")
    var validationSplit: Double?

    @Option(help: "Fraction held out as a test set when the data has none (CSV, NPZ, built-in; default 0).")
    var testSplit: Double?

    @Option(help: "Use only the first N training examples (a quick slice of a big set).")
    var limit: Int?

    @Flag(inversion: .prefixedNo, help: "Standardise CSV and NPZ features (fitted on the training split; default on).")
    var standardize: Bool?

    @Option(help: "classification (labels are classes) or regression (numeric labels, identity output, MSE; CSV and NPZ) (default classification).")
    var task: ModelTask?

    static let builtInNames = ["flower", "moons", "circles", "spirals", "xor"]

    /// The `--data` argument, or `flower`.
    var data: String { dataOption ?? "flower" }

    func validate() throws {
        if let validationSplit, !(0..<1).contains(validationSplit) { throw ValidationError("--validation-split must be in [0, 1), not \(validationSplit)") }
        if let testSplit, !(0..<1).contains(testSplit) { throw ValidationError("--test-split must be in [0, 1), not \(testSplit)") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive, not \(limit)") }
    }

    /// The data options as a run record: the flags given, the rest from `stored` (a checkpoint's
    /// or model's run) or the defaults. A flag that contradicts `stored` is an error that says
    /// `purpose` (why the stored value holds).
    func resolve(seed: UInt64?, stored: TrainingRun?, purpose: String? = nil) throws -> TrainingRun {
        var run = stored ?? TrainingRun(data: "flower", seed: 1)
        func take<T: Equatable>(_ flag: String, _ value: T?, _ keyPath: WritableKeyPath<TrainingRun, T>, shown: (T) -> String = { "\($0)" }) throws {
            guard let value else { return }
            if let stored, let purpose, stored[keyPath: keyPath] != value {
                throw BackpropError.invalidArgument("\(flag) \(shown(value)) contradicts the run recorded in the file (\(flag) \(shown(stored[keyPath: keyPath]))); \(purpose)")
            }
            run[keyPath: keyPath] = value
        }
        try take("--data", dataOption, \.data)
        try take("--label", label.map(Optional.some), \.labelColumn, shown: { $0 ?? "the last column" })
        try take("--validation-split", validationSplit, \.validationSplit)
        try take("--test-split", testSplit, \.testSplit)
        try take("--limit", limit.map(Optional.some), \.limit, shown: { $0.map(String.init) ?? "none" })
        try take("--standardize", standardize, \.standardize, shown: { $0 ? "(on)" : "off (--no-standardize)" })
        try take("--seed", seed, \.seed)
        return run
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
        /// How the labels were encoded.
        var labelEncoding: LabelEncoding
        /// A warning about the labels (a continuous-looking column trained as classes).
        var warning: String?
    }

    /// What a saved model fixes about its inputs: the standardisation it was trained with (or
    /// none), its class names and its labels.
    struct ModelInputs {
        var standardizer: Standardizer?
        var classNames: [String]?
        var labelEncoding: LabelEncoding
    }

    /// Loads and splits the data of `run`. For training (`model == nil`) a standardiser is fitted
    /// on the training split (if `run.standardize`); for a saved model nothing is fitted: its
    /// standardiser, if it has one, is applied, and CSV labels map onto its classes. Every size
    /// is checked against `budget` before it is allocated.
    static func load<S: BackpropScalar>(
        _: S.Type, run: TrainingRun, task: ModelTask = .classification, outputHint: Activation? = nil,
        model: ModelInputs? = nil, budget: MemoryBudget
    ) throws -> Loaded<S> {
        let data = run.data
        let saved = model?.standardizer
        var all: Dataset<S>
        var test: Dataset<S>?
        var classNames: [String]?
        var standardizable = false
        var warning: String?
        let regression = task == .regression || model?.labelEncoding == .numeric
        let url = URL(fileURLWithPath: data)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory)
        let generated: Dataset<S>? = switch data {
        case "flower": Generators.flower(seed: run.seed)
        case "moons": Generators.moons(seed: run.seed)
        case "circles": Generators.circles(seed: run.seed)
        case "spirals": Generators.spirals(seed: run.seed)
        case "xor": Generators.xor(seed: run.seed)
        default: nil
        }
        if let generated {
            all = generated
            if regression { throw BackpropError.invalidArgument("--task regression needs numeric labels (a CSV or NPZ file); the built-in \(data) set has classes") }
        } else {
            guard exists else {
                throw BackpropError.invalidArgument("--data '\(data)': no such file or folder, and not a built-in set (\(Self.builtInNames.joined(separator: ", ")))")
            }
            if isDirectory.boolValue {
                if regression { throw BackpropError.invalidArgument("--task regression needs numeric labels (a CSV or NPZ file); the IDX folder \(data) has classes") }
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
                let column: CSVLoader.LabelColumn = run.labelColumn.map { Int($0).map(CSVLoader.LabelColumn.index) ?? .name($0) } ?? .last
                let encoding: CSVLoader.LabelEncoding = regression ? .numeric
                    : model.map { $0.labelEncoding == .oneHot ? .oneHot : .binary }
                    ?? (outputHint == .softmax ? .oneHot : (outputHint == .sigmoid ? .binary : .automatic))
                let table: LabeledDataset<S> = try CSVLoader.load(
                    contentsOf: url, labelColumn: column, labelEncoding: encoding,
                    classes: regression ? nil : model?.classNames, budget: budget)
                all = table.dataset
                if !regression {
                    classNames = table.classNames
                    if model == nil, CSVLoader.looksContinuous(classNames: table.classNames, rows: table.count) {
                        warning = "warning: the label column of \(data) has \(table.classNames.count) distinct numeric values in \(table.count) rows, "
                            + "so it looks continuous, but it is trained as \(table.classNames.count) classes; for a numeric target pass --task regression"
                    }
                }
                standardizable = true
            }
        }
        if let limit = run.limit, limit < all.count { all = all.prefix(limit) }
        // Splitting and standardising copy the examples: about twice the data again.
        let dataElements = try CheckedSize.add(all.X.count, all.Y.count, "\(data): X and Y")
        try budget.require(
            elements: try CheckedSize.multiply(dataElements, 2, "\(data): X and Y"), of: S.self,
            for: "splitting and standardising \(data) (X \(all.X.shape), Y \(all.Y.shape))")
        var train = all
        var validation: Dataset<S>?
        let testFraction = test == nil ? run.testSplit : 0
        if run.validationSplit > 0 || testFraction > 0 {  // a split copies the data: only when asked
            let split = try all.split(validation: run.validationSplit, test: testFraction, seed: run.splitSeed)
            train = split.train
            validation = split.validation.count > 0 ? split.validation : nil
            if test == nil && split.test.count > 0 { test = split.test }
        }
        var fitted: Standardizer?
        if standardizable && (model == nil ? run.standardize : saved != nil) {
            let standardizer = try saved ?? Standardizer(fittedTo: train.X)
            fitted = standardizer
            train = try standardizer.transform(train)
            validation = try validation.map { try standardizer.transform($0) }
            test = try test.map { try standardizer.transform($0) }
        }
        let encoding: LabelEncoding = regression ? .numeric : (train.Y.rows == 1 ? .binary : .oneHot)
        return Loaded(train: train, validation: validation, test: test, classNames: classNames, description: data,
                      standardizer: fitted, labelEncoding: encoding, warning: warning)
    }
}

extension ModelTask: ExpressibleByArgument {}

extension DataOptions {
    /// The kind of source `--data` names, for the flags that apply to some kinds only.
    enum Kind { case builtIn, idx, npz, csv }

    static func kind(of data: String) -> Kind {
        if builtInNames.contains(data) { return .builtIn }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue { return .idx }
        return data.lowercased().hasSuffix(".npz") ? .npz : .csv
    }

    /// Refuses a data flag given for data it does not apply to (`--label` on a built-in set,
    /// `--test-split` on an IDX folder that brings its own test set, …).
    func checkFlagsApply(to data: String) throws {
        let kind = Self.kind(of: data)
        func refuse(_ flag: String, _ why: String) -> BackpropError {
            .invalidArgument("\(flag) does not apply to --data \(data): \(why)")
        }
        if label != nil, kind != .csv { throw refuse("--label", "only a CSV file has label columns") }
        if standardize != nil, kind == .builtIn || kind == .idx {
            throw refuse(standardize! ? "--standardize" : "--no-standardize", "only CSV and NPZ features are standardised")
        }
        if let testSplit, testSplit > 0, kind == .idx { throw refuse("--test-split", "an IDX folder brings its own test set (t10k)") }
    }
}
