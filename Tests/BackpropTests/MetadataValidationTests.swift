import Foundation
import Testing
@testable import Backprop

/// The error `body` throws, as its one-line message ("no error" when it throws none).
private func message(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}

/// Checkpoints and models whose metadata was edited: each is refused naming the file and the
/// field, never resumed on defaults, never a trap.
@Suite("Checkpoint and model metadata")
struct CheckpointMetadataTests {
    static let data: Dataset<Double> = Generators.moons(examples: 40, seed: 3)

    static var configuration: TrainingConfiguration {
        var c = TrainingConfiguration()
        c.optimizer = .momentum(beta: 0.9)
        c.learningRate = 0.1
        c.batchSize = 8
        c.epochs = 4
        return c
    }

    /// A checkpoint saved in the middle of epoch 2 (after 2 of its 5 batches), then edited.
    func checkpoint(_ edit: (inout SafeTensors.File) -> Void) throws -> URL {
        let network = try Network<Double>(sizes: [2, 3, 1], hidden: .tanh, output: .sigmoid, seed: 1)
        var trainer = try Trainer(network: network, configuration: Self.configuration)
        var batches = 0
        _ = try trainer.fit(training: Self.data, onBatch: { _ in
            batches += 1
            return batches < 7
        })
        #expect(trainer.partialEpoch?.batches == 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-meta-\(UUID().uuidString).safetensors")
        try Checkpoint.save(trainer, to: url)
        var file = try SafeTensors.read(contentsOf: url)
        edit(&file)
        try SafeTensors.write(file.tensors, metadata: file.metadata, to: url)
        return url
    }

    /// The message of resuming `url` the way `train --resume` does.
    func resumeMessage(_ url: URL) -> String {
        message {
            let stored = try Checkpoint.configuration(savedIn: url) ?? Self.configuration
            var trainer: Trainer<Double> = try Checkpoint.load(from: url, configuration: stored)
            _ = try trainer.fit(training: Self.data)
        }
    }

    @Test("An untouched checkpoint resumes to the end")
    func untouchedResumes() throws {
        let url = try checkpoint { _ in }
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(resumeMessage(url) == "no error")
    }

    @Test("A field that does not parse or holds an impossible value is refused naming the file and the field",
          arguments: [
              ("configuration", "{not json", "configuration"),
              ("configuration", #"{"epochs": 4}"#, "configuration"),
              ("optimizer_step", "9223372036854775807", "optimizer_step"),
              ("optimizer_step", "-1", "optimizer_step"),
              ("optimizer_step", "12x", "optimizer_step"),
              ("history", "[{]", "history"),
              ("epochs_completed", "7", "epochs_completed"),
              ("partial_epoch", "{}", "partial_epoch"),
          ])
    func corruptField(key: String, value: String, field: String) throws {
        let url = try checkpoint { $0.metadata[key] = value }
        defer { try? FileManager.default.removeItem(at: url) }
        let text = resumeMessage(url)
        #expect(text.contains(url.path) && text.contains(field), "\(text)")
    }

    /// `json` with the keys of `edit` (a JSON object) replaced.
    func merged(_ json: String, _ edit: String) -> String {
        var object = try! JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        object.merge(try! JSONSerialization.jsonObject(with: Data(edit.utf8)) as! [String: Any]) { $1 }
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test("A configuration with batch size 0 or a NaN-making schedule names the checkpoint")
    func impossibleConfiguration() throws {
        for edit in [#"{"batchSize":0}"#, #"{"schedule":{"step":{"every":1,"factor":0}}}"#, #"{"schedule":{"exponential":{"rate":-1}}}"#] {
            let url = try checkpoint { $0.metadata["configuration"] = merged($0.metadata["configuration"]!, edit) }
            defer { try? FileManager.default.removeItem(at: url) }
            let text = resumeMessage(url)
            #expect(text.contains(url.path) && text.contains("configuration"), "\(text)")
        }
    }

    @Test("Edited partial-epoch counts are refused, never indexed or overflowed",
          arguments: [
              (#"{"gradientNormSums":[]}"#, "gradientNormSums"),
              (#"{"batches":-3}"#, "batches"),
              (#"{"correct":999}"#, "correct"),
              (#"{"examples":9223372036854775807}"#, "examples"),
              (#"{"epoch":1}"#, "epoch"),
          ])
    func partialEpochFields(edit: String, field: String) throws {
        let url = try checkpoint { $0.metadata["partial_epoch"] = merged($0.metadata["partial_epoch"]!, edit) }
        defer { try? FileManager.default.removeItem(at: url) }
        let text = resumeMessage(url)
        #expect(text.contains(url.path) && text.contains("partial_epoch") && text.contains(field), "\(text)")
    }

    @Test("A partial epoch of more batches than the data has is refused at the resume")
    func partialEpochLongerThanTheData() throws {
        let url = try checkpoint { $0.metadata["partial_epoch"] = merged($0.metadata["partial_epoch"]!, #"{"batches":9}"#) }
        defer { try? FileManager.default.removeItem(at: url) }
        let text = resumeMessage(url)
        #expect(text.contains("partial epoch 2 has 9 batches"), "\(text)")
    }

    @Test("A NaN in an optimizer buffer or a weight is refused naming the tensor")
    func nonFiniteTensors() throws {
        for name in ["optimizer.velocity.0.weight", "0.weight"] {
            let url = try checkpoint { file in
                let index = file.tensors.firstIndex { $0.name == name }!
                file.tensors[index].tensor.values[0] = .nan
            }
            defer { try? FileManager.default.removeItem(at: url) }
            let text = resumeMessage(url)
            #expect(text.contains(url.path) && text.contains(name) && text.contains("NaN"), "\(text)")
        }
    }

    @Test("A model's sizes, activations, dtype, format and loss fields are checked whenever present",
          arguments: [
              ("sizes", "2,x,1"), ("sizes", "2,4,1,1"), ("activations", "tanh,bogus"), ("activations", "relu,sigmoid"),
              ("dtype", "float16"), ("format", "keras"), ("loss", "hinge"),
          ])
    func modelFields(key: String, value: String) throws {
        let network = try Network<Double>(sizes: [2, 3, 1], hidden: .tanh, output: .sigmoid, seed: 1)
        var file = try SafeTensors.decode(SafeTensors.encode(network.stateDict, metadata: network.architectureMetadata))
        file.metadata[key] = value
        let text = message { _ = try Network<Double>(safeTensors: file, source: "m.safetensors") }
        #expect(text.hasPrefix("m.safetensors: ") && text.contains("'\(key)'"), "\(text)")
        file.metadata["layers"] = nil  // the older form: sizes and activations only
        if ["2,x,1", "tanh,bogus"].contains(value) {
            let older = message { _ = try Network<Double>(safeTensors: file, source: "m.safetensors") }
            #expect(older.hasPrefix("m.safetensors: "), "\(older)")
        }
    }
}

@Suite("Learning-rate schedules")
struct ScheduleValidationTests {
    @Test("Schedules whose rates would not be positive and finite are refused",
          arguments: ["step:1:0", "step:1:-0.5", "step:1:1.5", "exponential:-1", "exponential:0", "exponential:2",
                      "inverse:0", "inverse:-1:2", "cosine:-0.1"])
    func invalid(text: String) throws {
        let schedule = try #require(LearningRateSchedule(name: text, epochs: 10))
        #expect(schedule.problem != nil)
        var c = TrainingConfiguration()
        c.schedule = schedule
        #expect(message { try c.validate() }.hasPrefix("schedule "))
    }

    @Test("Valid schedules pass and give positive rates",
          arguments: ["constant", "step:3:0.5", "step:1:1", "exponential:0.95", "exponential:1", "inverse:0.1:2", "cosine", "cosine:0.001"])
    func valid(text: String) throws {
        let schedule = try #require(LearningRateSchedule(name: text, epochs: 10))
        #expect(schedule.problem == nil)
        for epoch in [0, 5, 10, 1_000_000] {
            let rate = schedule.rate(initial: 0.1, epoch: epoch)
            #expect(rate.isFinite && rate >= 0, "\(text) epoch \(epoch): \(rate)")
        }
    }
}

@Suite("Derivation headers")
struct DerivationHeaderTests {
    @Test("Unknown, misspelt, repeated, empty or invalid header fields are refused naming the line and the field",
          arguments: [
              ("# layers: 2,4,1  hiden: relu", "hiden"),
              ("# layers: 2,4,1  hidden: bogus", "hidden"),
              ("# layers: 2,4,1  output: relu6", "output"),
              ("# layers: 2,4,1  output: sigmoid  loss: hinge", "loss"),
              ("# layers: 2,x,1", "layers"),
              ("# layers: 2,0,1", "layers"),
              ("# layers: 2,4,1  hidden: softmax", "hidden"),
              ("# layers: 2,4,1  hidden:", "hidden"),
              ("# layers: 2,4,1\n# layers: 3,4,1", "twice"),
              ("# layer: 2,4,1", "layer"),
              ("# outputs: softmax", "outputs"),
              ("# layers: 2,4,1  convention: sideways", "convention"),
              ("# layers: 2,4,3  output: sigmoid  loss: ce", "line 1"),
          ])
    func invalid(header: String, mention: String) {
        let text = message { _ = try DerivationArchitecture.fromHeader(header + "\ndZ2 = A2 - Y\n") }
        #expect(text.hasPrefix("line ") && text.contains(mention), "\(text)")
    }

    @Test("Valid headers, prose comments and no header at all")
    func valid() throws {
        let full = try #require(try DerivationArchitecture.fromHeader(
            "# The course's network: tanh then sigmoid.\n# layers: 3,5,1  hidden: relu  output: sigmoid  loss: bce\n# convention: deferred\ndZ2 = A2 - Y\n"))
        #expect(full.sizes == [3, 5, 1] && full.hidden == .relu && full.output == .sigmoid && full.loss == .binaryCrossEntropy)
        let leaky = try #require(try DerivationArchitecture.fromHeader("# layers: 2,4,1  hidden: leaky_relu:0.2\n"))
        #expect(leaky.hidden == .leakyReLU(slope: 0.2))
        #expect(try DerivationArchitecture.fromHeader("# convention: none\ndZ2 = A2 - Y\n") == nil)
        #expect(try DerivationArchitecture.fromHeader("# Note: a plain comment.\ndZ2 = A2 - Y\n") == nil)
        #expect(try DerivationArchitecture.fromHeader("# hidden: relu\n")?.sizes == [2, 4, 1])
    }
}

@Suite("Atomic file writes")
struct AtomicFileTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("A write replaces the file and leaves no temporary file")
    func replaces() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        try AtomicFile.write(Data("one".utf8), to: url)
        try AtomicFile.write(Data("two".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("two".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
        #expect(AtomicFile.temporaryURL(for: url).lastPathComponent == ".model.safetensors.tmp-\(getpid())")
    }

    @Test("Temporary names are recognised and stale ones removed; nothing else is touched")
    func staleFiles() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stale = [".model.safetensors.tmp-123", ".metrics.csv.tmp-9"]
        let kept = ["model.safetensors", ".tmp-12", "x.tmp-12", ".model.tmp-", ".model.tmp-12a", ".dat.nosync1234"]
        for name in stale + kept { try Data().write(to: dir.appendingPathComponent(name)) }
        #expect(Set(AtomicFile.removeStaleTemporaryFiles(in: dir)) == Set(stale))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == Set(kept))
    }

    @Test("A folder, a device or a missing folder is refused naming the path, leaving nothing behind")
    func refused() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for url in [dir, URL(fileURLWithPath: "/dev/null"), dir.appendingPathComponent("no/such/file.npy")] {
            let text = message { try AtomicFile.write(Data("x".utf8), to: url) }
            #expect(text.hasPrefix(url.path + ": "), "\(text)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
