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
        #expect(Self.files.filter { $0.hasPrefix("notebook_") }.count >= 30)
        for required in ["mistake_origin_question.py", "mistake_sign.py", "mistake_transpose.py",
                         "mistake_sigma_prime_twice.py", "mistake_axis0.py", "mistake_keepdims.py",
                         "mistake_missing_1_over_m.py", "mistake_missing_derivative.py"] {
            #expect(Self.files.contains(required), "\(required)")
        }
        let correct = Self.files.filter { $0.hasPrefix("deferred_") || $0.hasPrefix("absorbed_") }
        #expect(correct.contains { $0.hasPrefix("deferred_3layer") } && correct.contains { $0.hasPrefix("absorbed_3layer") })
    }

    /// The `# expect:` comment of the statement starting on 1-based `line` (on it or on one of
    /// its continuation lines).
    static func expectation(_ lines: [String], at line: Int) -> (text: String, line: Int)? {
        var depth = 0
        var n = line
        while n - 1 < lines.count {
            let text = lines[n - 1]
            if let range = text.range(of: "# expect:") {
                return (text[range.upperBound...].trimmingCharacters(in: .whitespaces), n)
            }
            let code = text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            depth += code.filter { "([{".contains($0) }.count - code.filter { ")]}".contains($0) }.count
            guard depth > 0 || code.hasSuffix("\\") else { return nil }
            n += 1
        }
        return nil
    }

    @Test(arguments: files)
    func verdictsMatchExpectations(_ file: String) throws {
        let source = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
        let architecture = try #require(
            try DerivationArchitecture.fromHeader(source) ?? DerivationArchitecture.inferred(from: source)?.architecture,
            "\(file) has no architecture header and none can be inferred")
        let report = try DerivationChecker(architecture: architecture).check(source)
        let lines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)

        var allFine = true, anyWrong = false
        var consumed = Set<Int>()
        for verdict in report.lines {
            let label = "\(file):\(verdict.line):\(verdict.column) \(verdict.text) → \(verdict.status) \(verdict.diagnosis ?? "")"
            guard let (expectation, line) = Self.expectation(lines, at: verdict.line) else {
                Issue.record("\(file):\(verdict.line) has no '# expect:' comment (\(label))")
                continue
            }
            consumed.insert(line)
            switch expectation {
            case "correct":
                #expect(verdict.status == .correct, "\(label)")
            case "not checked":
                #expect(verdict.status == .notChecked, "\(label)")
            case "wrong":
                allFine = false
                anyWrong = true
                #expect(verdict.status == .wrong, "\(label)")
            case let text where text.hasPrefix("error"):
                allFine = false
                #expect(verdict.status == .error, "\(label)")
                let part = text.dropFirst("error".count).drop { $0 == ":" || $0 == " " }
                #expect(part.isEmpty || (verdict.diagnosis ?? "").contains(part), "\(label)")
            case let text where text.hasPrefix("correct:"):
                let part = text.dropFirst("correct:".count).drop { $0 == " " }
                #expect(verdict.status == .correct, "\(label)")
                #expect((verdict.diagnosis ?? "").contains(part), "\(label) should note '\(part)'")
            default:
                allFine = false
                anyWrong = true
                #expect(verdict.status == .wrong, "\(label)")
                #expect((verdict.diagnosis ?? "").contains(expectation), "\(label) should contain '\(expectation)'")
            }
        }
        for (index, text) in lines.enumerated() where text.contains("# expect:") && !consumed.contains(index + 1) {
            Issue.record("\(file):\(index + 1) expects a verdict, but the report has no line there")
        }
        #expect(report.isCorrect == allFine, "\(file): isCorrect")
        #expect(report.hasMistakes == anyWrong, "\(file): hasMistakes")

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
