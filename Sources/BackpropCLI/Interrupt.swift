import Backprop
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP.
///
/// During training (``install()``) the first of them asks the loop to stop after the current
/// batch and save a checkpoint; the run then exits with the signal's conventional status
/// (``exitCode``: 130, 143, 129). A second one ends the process at once with that status.
/// Elsewhere (``installForWriting()``, in commands that write files) a signal ends the process
/// at once. Either way the temporary file of a save in progress is deleted first, so no
/// half-written file is left under our temporary names.
enum Interrupt {
    /// The signals handled: interrupt, terminate, hang-up.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    // Written only by the signal handlers, read by the training loop: plain words are what a
    // signal handler may touch.
    nonisolated(unsafe) private static var requests: sig_atomic_t = 0
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Whether one of ``signals`` has arrived since ``install()``.
    static var requested: Bool { requests > 0 }

    /// The name of the signal that arrived, e.g. `SIGTERM` (`nil` before one did).
    static var signalName: String? {
        switch received {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: nil
        }
    }

    /// The conventional exit status after the signal that arrived: 128 + its number (130 for
    /// SIGINT, 143 for SIGTERM, 129 for SIGHUP).
    static var exitCode: Int32 { 128 + (received == 0 ? SIGINT : received) }

    /// Installs the training handlers: stop after the batch, then at once on a second signal.
    static func install() {
        AtomicFile.prepareForSignals()
        for number in signals {
            signal(number) { number in
                Interrupt.received = number
                Interrupt.requests += 1
                if Interrupt.requests > 1 {
                    AtomicFile.removeTemporaryFileInProgress()
                    _exit(128 + number)
                }
            }
        }
    }

    /// Installs handlers that end the process at once, removing the temporary file of a save in
    /// progress first.
    static func installForWriting() {
        AtomicFile.prepareForSignals()
        for number in signals {
            signal(number) { number in
                AtomicFile.removeTemporaryFileInProgress()
                _exit(128 + number)
            }
        }
    }
}
