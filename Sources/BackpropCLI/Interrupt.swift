#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C during training: the first one asks the loop to stop after the current batch (and
/// save a checkpoint); a second one ends the process at once.
enum Interrupt {
    // Written only by the signal handler, read by the training loop: a plain word is what a
    // signal handler may touch.
    nonisolated(unsafe) private static var requests: sig_atomic_t = 0

    /// Whether Ctrl-C has been pressed since ``install()``.
    static var requested: Bool { requests > 0 }

    /// Installs the SIGINT handler.
    static func install() {
        signal(SIGINT) { _ in
            Interrupt.requests += 1
            if Interrupt.requests > 1 { _exit(130) }
        }
    }
}
