import ArgumentParser
import Backprop
import Foundation

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Loss and accuracy (or R² and MAE), confusion matrix and per-class precision, recall and F1 of a saved model.",
        discussion: """
            The data is prepared as in training: the model file keeps the standardisation, the \
            classes and the run (data, label column, splits, seed). --split train, validation or \
            test rebuilds that run's own split and gives exactly the report's figures. Without \
            --split: --data (default: the run's) with the split options given (the seed is the \
            run's unless --seed), evaluated on its test part if it has one, else on all of it.

            Examples:
              backprop evaluate --weights runs/cancer/model.safetensors --split test

              backprop evaluate --weights runs/mnist/model.safetensors \\
                --data ../shared/data/mnist

              backprop evaluate --weights params.npz --hidden tanh --data flower
            """
    )

    @OptionGroup var model: ModelOptions
    @OptionGroup(title: "Data") var data: DataOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions
    @OptionGroup var threading: ThreadOptions
    @Option(help: "train, validation or test: the training run's own split, rebuilt from the model file.")
    var split: Split?
    @Option(help: "Seed of the split and of built-in data (default: the run's, else 1).")
    var seed: UInt64?

    enum Split: String, ExpressibleByArgument, CaseIterable { case train, validation, test }

    func run() throws {
        _ = try requireBackend()
        threading.apply()
        if data.task != nil {
            throw BackpropError.invalidArgument("--task does not apply to evaluate: the model file says what it predicts; drop --task")
        }
        switch try model.resolvedPrecision(budget: try memory.budget()) {
        case .float: try evaluate(Float.self)
        case .double: try evaluate(Double.self)
        }
    }

    private func evaluate<S: BackpropScalar>(_: S.Type) throws {
        let budget = try memory.budget()
        let model: Model<S> = try self.model.loadModel(S.self, budget: budget)
        let network = model.network
        let run: TrainingRun
        if let split {
            guard let stored = model.run else {
                throw BackpropError.invalidArgument("--split \(split.rawValue) needs the run recorded in the model file, and \(self.model.weights) has none (an .npz, or a model from an older backprop); give --data and the split options instead")
            }
            run = try data.resolve(seed: seed, stored: stored, purpose: "--split \(split.rawValue) rebuilds the run's own split, so drop the flag (or drop --split to evaluate other data)")
        } else {
            var base = model.run
            if data.dataOption != nil && data.dataOption != base?.data { base = nil }  // other data: only the flags given
            if var kept = base {
                (kept.validationSplit, kept.testSplit) = (0, 0)
                base = kept
            }
            run = try data.resolve(seed: seed ?? model.run?.seed ?? 1, stored: base)
        }
        try data.checkFlagsApply(to: run.data)
        let loaded = try DataOptions.load(
            S.self, run: run, outputHint: network.outputActivation,
            model: .init(standardizer: model.standardizer, classNames: model.classNames, labelEncoding: model.labelEncoding), budget: budget)
        let set: Dataset<S>
        switch split {
        case .train?: set = loaded.train
        case .validation?:
            guard let validation = loaded.validation else {
                throw BackpropError.invalidArgument("--split validation: the run held out no validation set (--validation-split \(run.validationSplit))")
            }
            set = validation
        case .test?:
            guard let test = loaded.test else { throw BackpropError.invalidArgument("--split test: the run held out no test set (--test-split \(run.testSplit))") }
            set = test
        case nil: set = loaded.test ?? loaded.train
        }
        guard set.X.rows == network.inputSize else {
            throw BackpropError.shapeMismatch(operation: "data \(run.data) X against the model's W1 (X rows must equal W1 columns)", left: set.X.shape, right: network.layer(1).W.shape)
        }
        guard set.Y.rows == network.outputSize else {
            throw BackpropError.shapeMismatch(operation: "data \(run.data) Y against the model's output layer (Y rows must equal n_L = \(network.outputSize))", left: set.Y.shape, right: Shape(network.outputSize, set.count))
        }
        try NetworkFootprint(network).requirePasses(of: S.self, examples: Swift.min(set.count, 4096), within: budget)
        let result = try SplitResult(split: split?.rawValue ?? "all", model: model, data: set)
        print("\(network.summary) on \(set.name)\(split.map { " (the run's \($0.rawValue) split, seed \(run.seed))" } ?? ""): \(set.count) examples")
        print(result.figures(lossDigits: 6))
        if let tables = result.tables(classNames: model.classNames ?? loaded.classNames) { print(tables) }
    }
}
