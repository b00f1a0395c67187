import Backprop

/// How `backprop check` marks each line: ✓/✗ on a terminal, ok/WRONG otherwise.
struct CheckMarks {
    let correct: String
    let wrong: String
    let notChecked: String
    let error: String

    static let symbols = CheckMarks(correct: "✓", wrong: "✗", notChecked: "·", error: "!")
    static let plain = CheckMarks(correct: "ok   ", wrong: "WRONG", notChecked: "--   ", error: "ERROR")

    /// The widest mark, for aligning diagnoses under the statements.
    var width: Int { [correct, wrong, notChecked, error].map(\.count).max() ?? 1 }

    func mark(_ status: DerivationReport.Status) -> String {
        switch status {
        case .correct: correct
        case .wrong: wrong
        case .notChecked: notChecked
        case .error: error
        }
    }
}
