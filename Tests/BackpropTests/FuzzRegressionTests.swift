import Foundation
import Testing
@testable import Backprop

/// The inputs that found bugs while fuzzing the file parsers (see `Fuzz/README.md`), kept in
/// `FuzzRegressions/` as `<target>-<short-name>.bin`. Each is fed to the parser its prefix names,
/// exactly as its fuzz target does; the parser must return or throw its own one-line error —
/// never crash, overflow the stack or allocate what a header merely claims.
struct FuzzRegressionTests {
    static let directory: URL = Bundle.module.url(forResource: "FuzzRegressions", withExtension: nil)
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")

    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".bin") }
        .sorted()

    /// The fuzz targets' parsers, by file-name prefix.
    static let prefixes = ["safetensors", "npy", "npz", "idx", "csv", "derivation"]

    /// The 2-3-1 tanh → sigmoid network the derivation target checks formulas against.
    static let checker = try! DerivationChecker(
        architecture: DerivationArchitecture(sizes: [2, 3, 1], hidden: .tanh, output: .sigmoid), seeds: 1)

    @Test func regressionInputsArePresent() {
        #expect(Self.files.count >= 4, "FuzzRegressions holds \(Self.files)")
        for file in Self.files {
            #expect(Self.prefixes.contains { file.hasPrefix($0 + "-") }, "\(file) names no fuzz target")
        }
    }

    @Test(arguments: files)
    func parserSurvives(_ file: String) throws {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(file))
        do {
            try Self.feed(file, data)
        } catch let error as BackpropError {
            // One line, naming the source.
            #expect(!"\(error)".contains("\n"), "\(file): \(error)")
        } catch let error as DerivationParseError {
            #expect(!error.description.contains("\n"), "\(file): \(error)")
        } catch {
            Issue.record("\(file): unexpected error type \(type(of: error)): \(error)")
        }
    }

    /// Feeds `data` to the parser named by `file`'s prefix, as the fuzz target of that name does.
    static func feed(_ file: String, _ data: Data) throws {
        switch file.prefix(while: { $0 != "-" }) {
        case "safetensors":
            let parsed = try SafeTensors.decode(data, source: file)
            _ = try Network<Double>(safeTensors: parsed, source: file)
        case "npy":
            _ = try NPY.decode(data, source: file).matrix(Double.self)
        case "npz":
            let archive = try NPZ.decode(data, source: file)
            for name in archive.names { _ = try archive.matrix(named: name, as: Float.self) }
        case "idx":
            _ = try IDX.decode(data, source: file).doubleValues
        case "csv":
            _ = try CSVLoader.decode(data, source: file, as: Double.self)
        case "derivation":
            let source = String(decoding: data, as: UTF8.self)
            _ = DerivationLint.warnings(in: source)
            _ = try checker.check(source)
        default:
            Issue.record("\(file): no parser for this prefix")
        }
    }

    /// The fuzzers' seed corpora (`Fuzz/Corpus/<Target>/`, written by NumPy, safetensors, gzip)
    /// are valid files: each parses without an error, so the hardening rejected nothing real.
    @Test func seedCorporaStillParse() throws {
        let corpus = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/Corpus")
        let targets = ["FuzzSafeTensors": "safetensors", "FuzzNPY": "npy", "FuzzNPZ": "npz",
                       "FuzzIDX": "idx", "FuzzCSV": "csv"]
        var parsed = 0
        for (target, prefix) in targets.sorted(by: { $0.key < $1.key }) {
            let folder = corpus.appendingPathComponent(target)
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for file in files.sorted() {
                let data = try Data(contentsOf: folder.appendingPathComponent(file))
                #expect(throws: Never.self, "\(target)/\(file)") {
                    switch prefix {
                    case "safetensors": _ = try SafeTensors.decode(data, source: file)
                    case "npy": _ = try NPY.decode(data, source: file)
                    case "npz": #expect(try !NPZ.decode(data, source: file).names.isEmpty)
                    case "idx": _ = try IDX.decode(data, source: file)
                    default: _ = try CSVLoader.decode(data, source: file, as: Double.self)
                    }
                }
                parsed += 1
            }
        }
        if FileManager.default.fileExists(atPath: corpus.path) { #expect(parsed >= 10) }
    }

    // The limits the fixes introduced, at and just past the boundary.

    @Test func formulaNestingIsLimitedWithALineAndColumn() throws {
        let limit = DerivationParser.maximumNesting
        let fits = "x = " + String(repeating: "(", count: limit - 1) + "1" + String(repeating: ")", count: limit - 1)
        #expect(try DerivationStatement.parse(fits).count == 1)
        let tooDeep = "x = " + String(repeating: "-", count: limit + 1) + "1"
        #expect(throws: DerivationParseError.self) { try DerivationStatement.parse(tooDeep) }
        do {
            _ = try DerivationStatement.parse("y = 1\n" + tooDeep)
        } catch let error as DerivationParseError {
            #expect(error.line == 2 && error.message.contains("nested too deeply"), "\(error)")
        }
    }

    @Test func longOperatorChainsAreLimitedAndTheLongestAllowedOneEvaluates() throws {
        let height = DerivationParser.maximumHeight
        // `1 + 1 + … + 1` with n terms is a left-leaning tree of height n.
        let longest = "x = 1" + String(repeating: " + 1", count: height - 1)
        let report = try Self.checker.check(longest)
        #expect(report.lines.count == 1)
        let tooLong = "x = 1" + String(repeating: " + 1", count: height)
        #expect(throws: DerivationParseError.self) { try DerivationStatement.parse(tooLong) }
    }

    @Test func npyHeaderNestingIsLimited() {
        var parser = PythonLiteralParser(String(repeating: "(", count: 40) + String(repeating: ")", count: 40))
        #expect(throws: NPYHeaderError.self) { try parser.parseValue() }
        var shallow = PythonLiteralParser("{'shape': ((((3,),),),)}")
        #expect((try? shallow.parseValue()) != nil)
    }

    @Test func reshapeWithOverflowingDimensionsIsAnEvaluationError() throws {
        let report = try Self.checker.check("x = X.reshape(-1, 100000000, 100000000, 100000000)\n")
        #expect(report.lines.count == 1)
        #expect(report.lines[0].diagnosis?.contains("reshape") == true, "\(report.lines[0])")
    }
}
