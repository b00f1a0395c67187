import Foundation
import Testing
@testable import Backprop

/// The corpus of hand derivations in `Derivations/`: each file declares its architecture in a
/// header comment (`# layers: 2,4,1  hidden: tanh  output: sigmoid`), its convention
/// (`convention: deferred|absorbed|none`), and each statement's expected verdict in a trailing
/// `# expect: …` comment: `correct`, `not checked`, `error: <message part>`, `wrong`, or a phrase
/// the diagnosis must contain.
struct DerivationCorpusTests {
    static let directory: URL = Bundle.module.url(forResource: "Derivations", withExtension: nil)
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Derivations")

    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
        .filter { $0.hasSuffix(".py") }
        .sorted()

    @Test func corpusHasTheClassicCases() {
        #expect(Self.files.count >= 25)
        for required in ["mistake_origin_question.py", "mistake_sign.py", "mistake_transpose.py",
                         "mistake_sigma_prime_twice.py", "mistake_axis0.py", "mistake_keepdims.py",
                         "mistake_missing_1_over_m.py", "mistake_missing_derivative.py"] {
            #expect(Self.files.contains(required), "\(required)")
        }
        let correct = Self.files.filter { $0.hasPrefix("deferred_") || $0.hasPrefix("absorbed_") }
        #expect(correct.contains { $0.hasPrefix("deferred_3layer") } && correct.contains { $0.hasPrefix("absorbed_3layer") })
    }

    @Test(arguments: files)
    func verdictsMatchExpectations(_ file: String) throws {
        let source = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
        let architecture = try #require(try DerivationArchitecture.fromHeader(source), "\(file) has no architecture header")
        let report = try DerivationChecker(architecture: architecture).check(source)
        let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        let statements = try DerivationStatement.parse(source)
        #expect(report.lines.count == statements.count)

        var allFine = true
        for (index, (statement, verdict)) in zip(statements, report.lines).enumerated() {
            let end = index + 1 < statements.count ? statements[index + 1].line - 1 : lines.count
            let expectation = (statement.line...max(statement.line, end))
                .compactMap { n -> String? in
                    guard n - 1 < lines.count, let range = lines[n - 1].range(of: "# expect:") else { return nil }
                    return lines[n - 1][range.upperBound...].trimmingCharacters(in: .whitespaces)
                }.first
            let label = "\(file):\(statement.line) \(statement.text) → \(verdict.status) \(verdict.diagnosis ?? "")"
            guard let expectation else {
                Issue.record("\(file):\(statement.line) has no '# expect:' comment")
                continue
            }
            switch expectation {
            case "correct":
                #expect(verdict.status == .correct, "\(label)")
            case "not checked":
                #expect(verdict.status == .notChecked, "\(label)")
            case "wrong":
                allFine = false
                #expect(verdict.status == .wrong, "\(label)")
            case let text where text.hasPrefix("error"):
                allFine = false
                #expect(verdict.status == .error, "\(label)")
                let part = text.dropFirst("error".count).drop { $0 == ":" || $0 == " " }
                #expect(part.isEmpty || (verdict.diagnosis ?? "").contains(part), "\(label)")
            default:
                allFine = false
                #expect(verdict.status == .wrong, "\(label)")
                #expect((verdict.diagnosis ?? "").contains(expectation), "\(label) should contain '\(expectation)'")
            }
            #expect(verdict.line == statement.line && verdict.name == statement.target)
        }
        #expect(report.isCorrect == allFine, "\(file): isCorrect")

        let header = lines.prefix { $0.hasPrefix("#") || $0.isEmpty }.joined(separator: " ")
        if let range = header.range(of: "convention: ") {
            let declared = header[range.upperBound...].prefix { $0.isLetter }
            let found = report.convention?.rawValue ?? "none"
            #expect(found == String(declared), "\(file): convention \(found), declared \(declared)")
        }
    }

    /// The origin question, spelled out: 1/m in dZ2, then again in dW1 and db1.
    @Test func originQuestionIsOneOverMAppliedTwice() throws {
        let source = try String(contentsOf: Self.directory.appendingPathComponent("mistake_origin_question.py"), encoding: .utf8)
        let checker = try DerivationChecker(architecture: DerivationArchitecture(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid))
        let report = try checker.check(source)
        #expect(report.convention == .absorbed)
        #expect(report.conventionLine == 2)
        #expect(!report.isCorrect)
        for name in ["dW1", "db1"] {
            let line = try #require(report.line(named: name))
            #expect(line.status == .wrong)
            #expect(line.mistake == .oneOverMExtra)
            #expect(line.diagnosis == "off by 1/m: 1/m applied twice (first applied on line 2)")
        }
        #expect(report.lines(.correct).map(\.name) == ["dZ2", "dW2", "db2", "dZ1"])
    }
}
