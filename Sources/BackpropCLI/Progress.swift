import Backprop
import Foundation

/// Shows training progress as tqdm and Keras users expect: on a terminal one live bar for the
/// whole run (overall fraction, examples per second, the run's ETA, the running loss), redrawn
/// at most four times a second, with an epoch line every `logEvery` epochs above it; piped, the
/// same epoch lines only; with `--json`, one JSON object per epoch.
struct Progress {
    enum Style { case bar, lines, json }

    let style: Style
    let logEvery: Int
    private let clock = ContinuousClock()
    private var lastDraw: ContinuousClock.Instant?
    private var started = ContinuousClock.now
    private var totalEpochs = 1
    private var firstEpoch = 0
    private var examplesPerEpoch = 1
    private var drawn = false

    init(json: Bool, logEvery: Int) {
        style = json ? .json : (isatty(STDOUT_FILENO) == 1 ? .bar : .lines)
        self.logEvery = logEvery
    }

    /// The redraw interval of the bar.
    static let redrawInterval: Duration = .milliseconds(250)

    /// Starts the clock of a run of `epochs` epochs, `completed` of them done before (a resumed run).
    mutating func start(epochs: Int, from completed: Int, examplesPerEpoch: Int) {
        totalEpochs = epochs
        firstEpoch = completed
        self.examplesPerEpoch = Swift.max(examplesPerEpoch, 1)
        started = clock.now
    }

    /// Redraws the bar (at most four times a second).
    mutating func batch(_ p: BatchProgress) {
        guard style == .bar else { return }
        let now = clock.now
        if let lastDraw, now - lastDraw < Self.redrawInterval { return }
        lastDraw = now
        let runExamples = Double(Swift.max(totalEpochs - firstEpoch, 1) * examplesPerEpoch)
        let done = Double((p.epoch - 1 - firstEpoch) * examplesPerEpoch + p.examples)
        let fraction = Swift.min(Swift.max(done / runExamples, 0), 1)
        let elapsed = (now - started).secondsValue
        let rate = elapsed > 0 ? done / elapsed : 0
        let remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let width = 30
        let filled = Int(Double(width) * fraction)
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r\u{1B}[2K%3.0f%% |%@| epoch %d/%d  %@ ex/s  %@<%@  loss %.4f",
                          100 * fraction, bar, p.epoch, p.totalEpochs, compact(rate), clockTime(elapsed), clockTime(remaining), p.loss)
        FileHandle.standardOutput.write(Data(line.utf8))
        drawn = true
    }

    /// An epoch line every `logEvery` epochs (and for the first and the last).
    mutating func epoch(_ r: EpochRecord, total: Int) {
        switch style {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            if let data = try? encoder.encode(r) { print(String(decoding: data, as: UTF8.self)) }
        case .bar, .lines:
            guard r.epoch % logEvery == 0 || r.epoch == firstEpoch + 1 || r.epoch == total else { return }
            var line = String(format: "epoch %d/%d  loss %.4f  acc %.2f%%", r.epoch, total, r.trainLoss, 100 * r.trainAccuracy)
            if let vl = r.validationLoss, let va = r.validationAccuracy {
                line += String(format: "  val_loss %.4f  val_acc %.2f%%", vl, 100 * va)
            }
            line += String(format: "  %.2fs", r.seconds)
            print(style == .bar && drawn ? "\r\u{1B}[2K" + line : line)
            lastDraw = nil  // redraw the bar under the new line at the next batch
        }
    }

    /// Clears the bar at the end of the run.
    mutating func finish() {
        guard style == .bar, drawn else { return }
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
        drawn = false
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
    let s = Int(seconds.isFinite ? seconds.rounded() : 0)
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
}
