import Foundation
import Testing
@testable import Backprop

/// The library's `Model`: metadata round trips, folding the standardisation for PyTorch,
/// per-class and regression metrics, the TensorBoard framing and the default recipes.
@Suite struct ModelTests {
    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("backprop-model-\(name)-\(UUID().uuidString).safetensors")
    }

    static func sample() throws -> Model<Double> {
        let network = try Network<Double>(sizes: [3, 4, 2], hidden: .tanh, output: .softmax, seed: 2)
        let standardizer = try Standardizer(means: [10, -2, 0.5], standardDeviations: [3, 0.25, 2])
        let run = TrainingRun(data: "iris.csv", labelColumn: "species", validationSplit: 0.1, testSplit: 0.2, seed: 3, precision: "float64", threads: 2)
        return Model(network: network, standardizer: standardizer, classNames: ["a", "b"], run: run)
    }

    @Test func savesAndReadsEverythingItCarries() throws {
        let model = try Self.sample()
        let url = Self.temporaryURL("roundtrip")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let read = try Model<Double>(contentsOf: url)
        #expect(read.network == model.network)
        #expect(read.standardizer == model.standardizer)
        #expect(read.classNames == ["a", "b"])
        #expect(read.task == .classification)
        #expect(read.labelEncoding == .oneHot)
        #expect(read.run == model.run)
        #expect(read.run?.splitSeed == 20)
        #expect(read.outputName(1) == "p_b")
    }

    @Test func predictStandardizesRawFeatures() throws {
        let model = try Self.sample()
        let X = Matrix<Double>([[13, 7, 10], [-2, -1.5, -2.25], [0.5, 4.5, -1.5]])
        let expected = try model.network.predict(model.standardizer!.transform(X))
        #expect(maxAbsDifference(try model.predict(X), expected) == 0)
    }

    @Test func theFoldedNetworkTakesRawFeatures() throws {
        let model = try Self.sample()
        let X = Matrix<Double>([[13, 7, 10], [-2, -1.5, -2.25], [0.5, 4.5, -1.5]])
        let folded = try model.folded()
        #expect(folded.standardizer == nil)
        #expect(maxAbsDifference(try folded.network.predict(X), try model.predict(X)) < 1e-14)
        // W' = W / σ column by column.
        let W = model.network.layer(1).W, Wf = folded.network.layer(1).W
        #expect(abs(Wf[1, 1] - W[1, 1] / 0.25) < 1e-15)
    }

    @Test func theFoldedBatchNormNetworkMovesTheShiftIntoTheRunningMean() throws {
        let network = try Network<Double>(sizes: [3, 4, 1], hidden: .relu, output: .sigmoid, seed: 4, batchNorm: true)
        let model = Model(network: network, standardizer: try Standardizer(means: [1, 2, 3], standardDeviations: [2, 0.5, 4]))
        let X = Matrix<Double>([[0, 1, 5], [2, 2.5, -1], [3, 9, 0]])
        #expect(maxAbsDifference(try model.folded().network.predict(X), try model.predict(X)) < 1e-14)
    }

    @Test func aBadMetadataFieldIsNamed() throws {
        let model = try Self.sample()
        let url = Self.temporaryURL("bad")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url, metadata: ["task": "clustering"])
        #expect(throws: BackpropError.self) { try Model<Double>(contentsOf: url) }
        try model.save(to: url, metadata: ["training_run": "{\"data\": 3}"])
        do {
            _ = try Model<Double>(contentsOf: url)
            Issue.record("a malformed training_run was accepted")
        } catch {
            #expect("\(error)".contains("training_run"))
        }
    }

    @Test func aRegressionModelIsNamedByItsOutputs() throws {
        let network = try Network<Double>(sizes: [2, 3, 1], hidden: .relu, output: .identity, loss: .meanSquaredError, seed: 1)
        let model = Model(network: network)
        #expect(model.task == .regression)
        #expect(model.labelEncoding == .numeric)
        #expect(model.outputName(0) == "y")
    }

    @Test func precisionRecallAndF1PerClass() {
        // true \ predicted: class 0 has 3 right, 1 taken for class 1; class 1 has 2 right.
        let report = ClassificationReport(confusion: [[3, 1], [0, 2]])
        #expect(report.classes[0] == .init(precision: 1, recall: 0.75, f1: 2 * 0.75 / 1.75, support: 4))
        #expect(report.classes[1].precision == 2.0 / 3.0)
        #expect(report.classes[1].recall == 1)
        #expect(abs(report.macro.recall - 0.875) < 1e-15)
    }

    @Test func regressionMetricsOfAPerfectAndAMeanFit() throws {
        let network = try Network<Double>(sizes: [1, 1], hidden: .identity, output: .identity, loss: .meanSquaredError, seed: 1)
        var identity = network
        try identity.setParameters(layer: 1, W: Matrix([[2]]), b: Matrix([[1]]))
        let data = try Dataset(X: Matrix<Double>([[0, 1, 2, 3]]), Y: Matrix<Double>([[1, 3, 5, 7]]), name: "line")
        let perfect = try identity.evaluateRegression(data)
        #expect(perfect.r2 == 1 && perfect.meanAbsoluteError == 0 && perfect.loss == 0)
        try identity.setParameters(layer: 1, W: Matrix([[0]]), b: Matrix([[4]]))  // the mean of Y
        let mean = try identity.evaluateRegression(data)
        #expect(mean.r2 == 0)
        #expect(mean.meanAbsoluteError == 2)
    }

    @Test func crc32cOfTheStandardCheckString() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func aTensorBoardRecordIsFramedWithMaskedChecksums() throws {
        let payload: [UInt8] = [1, 2, 3]
        let record = [UInt8](TensorBoardWriter.record(payload))
        #expect(record.count == 8 + 4 + 3 + 4)
        #expect(record[0..<8] == [3, 0, 0, 0, 0, 0, 0, 0])
        let stored = record[15..<19].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        #expect(stored == CRC32C.masked(payload))
    }

    @Test func anEventRoundTripsThroughSwiftProtobuf() throws {
        var event = TensorBoardEvent()
        event.wallTime = 1.5
        event.step = 7
        event.summary = TensorBoardSummary(value: [.init(tag: "loss/train", simpleValue: 0.25)])
        let bytes: [UInt8] = try event.serializedBytes()
        #expect(try TensorBoardEvent(serializedBytes: bytes) == event)
    }

    @Test func theRecipes() {
        #expect(TrainingConfiguration.course.learningRate == 1.2 && TrainingConfiguration.course.batchSize == nil)
        let small = TrainingConfiguration.recipe(examples: 120)
        #expect(small.batchSize == 64 && small.epochs == 1_000 && small.learningRate == 0.001)
        let large = TrainingConfiguration.recipe(examples: 60_000)
        #expect(large.epochs == 10)
        #expect(TrainingConfiguration().optimizer == large.optimizer && TrainingConfiguration().batchSize == large.batchSize)
    }

    @Test func aContinuousLabelColumnIsRecognized() {
        #expect(CSVLoader.looksContinuous(classNames: (0..<40).map { "\(Double($0) / 3)" }, rows: 40))
        #expect(!CSVLoader.looksContinuous(classNames: ["0", "1", "2"], rows: 150))
        #expect(!CSVLoader.looksContinuous(classNames: (0..<12).map(String.init), rows: 10_000))
    }
}
