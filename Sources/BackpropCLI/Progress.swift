import Backprop
import Foundation

/// Shows training progress: a live bar on a terminal, one plain line per epoch otherwise, or
/// one JSON object per epoch with `--json`.
struct Progress {
    enum Style { case bar, lines, json }

    let style: Style
    let logEvery: Int
    private var lastDraw = ContinuousClock.now
    private let clock = ContinuousClock()

    init(json: Bool, logEvery: Int) {
        style = json ? .json : (isatty(STDOUT_FILENO) == 1 ? .bar : .lines)
        self.logEvery = logEvery
    }

    /// Redraws the bar at most ten times a second.
    mutating func batch(_ p: BatchProgress) {
        guard style == .bar else { return }
        let now = clock.now
        guard now - lastDraw > .milliseconds(100) || p.batch == p.batchCount else { return }
        lastDraw = now
        let width = 24
        let filled = p.batchCount > 0 ? width * p.batch / p.batchCount : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let rate = p.seconds > 0 ? Double(p.examples) / p.seconds : 0
        let remaining = p.batch > 0 ? p.seconds / Double(p.batch) * Double(p.batchCount - p.batch) : 0
        let line = String(format: "\r\u{1B}[2Kepoch %d/%d %@ %d/%d  loss %.4f  acc %.2f%%  %@ ex/s  ETA %@",
                          p.epoch, p.totalEpochs, bar, p.batch, p.batchCount, p.loss, 100 * p.accuracy,
                          compact(rate), clockTime(remaining))
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    func epoch(_ r: EpochRecord, total: Int) {
        switch style {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            if let data = try? encoder.encode(r) { print(String(decoding: data, as: UTF8.self)) }
        case .bar, .lines:
            guard style == .bar || r.epoch % logEvery == 0 || r.epoch == 1 || r.epoch == total else { return }
            var line = String(format: "epoch %d/%d  loss %.4f  acc %.2f%%", r.epoch, total, r.trainLoss, 100 * r.trainAccuracy)
            if let vl = r.validationLoss, let va = r.validationAccuracy {
                line += String(format: "  val_loss %.4f  val_acc %.2f%%", vl, 100 * va)
            }
            line += String(format: "  %.2fs", r.seconds)
            print(style == .bar ? "\r\u{1B}[2K" + line : line)
        }
    }

    /// Prints a message where it does not disturb machine-readable output.
    func note(_ text: String) {
        if style == .json {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } else {
            print(text)
        }
    }
}

/// `12.3k`, `4.56M`.
func compact(_ x: Double) -> String {
    x >= 1e6 ? String(format: "%.2fM", x / 1e6) : (x >= 1e3 ? String(format: "%.1fk", x / 1e3) : String(format: "%.0f", x))
}

/// `mm:ss` or `h:mm:ss`.
func clockTime(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
}
