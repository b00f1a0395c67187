import BackpropKernels
import Dispatch

/// The few places where Backprop's own Swift code, not the BLAS, runs on more than one core:
/// the shards of a training batch and the elementwise optimizer update of large tensors.
///
/// Work is split into a fixed number of contiguous parts decided by the caller, never by
/// timing, so what each thread computes (and the order results are combined in) is the same
/// from run to run.
///
/// Parts run on Backprop's own pool (`bp_pool_run`, ThreadPool.c): part 0 on the calling
/// thread, part p on worker p (or on the caller, if that worker has not started it when part 0
/// is done), whose thread spins for a moment after each job so the next one, microseconds
/// later in a training step or a prediction, starts without a wake-up. When the
/// pool is busy (a part that asks for parts, or a second thread of the host program), the
/// parts go to `DispatchQueue.concurrentPerform` instead: the same parts, the same results.
///
/// The bodies are not `@Sendable`: they capture the buffers they work on. The contract, kept by
/// every caller, is that different parts write disjoint memory and read nothing another part writes.
enum ParallelFor {
    /// The fewest elements an elementwise pass hands to a thread: below this a pass takes a
    /// few microseconds, less than waking a second thread costs.
    static let minimumElementsPerThread = 32_768

    /// Runs `body(part)` for every part in `0..<parts`, concurrently when there is more than
    /// one, and returns when all have finished.
    @inline(__always)
    static func parts(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        if runOnPool(parts, body) { return }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.value($0) }
        }
    }

    /// Runs `body(part)` for every part in `0..<parts` on the pool, or, when it is busy, one
    /// part after another on the calling thread: for work of a few microseconds, which a
    /// Dispatch hand-off would cost more than it saves.
    @inline(__always)
    static func partsOnPoolOrSerially(_ parts: Int, _ body: (Int) -> Void) {
        if parts > 1, runOnPool(parts, body) { return }
        for part in 0..<Swift.max(parts, 0) { body(part) }
    }

    /// `body`'s parts on Backprop's pool; false, having run nothing, when the pool is busy.
    @inline(__always)
    private static func runOnPool(_ parts: Int, _ body: (Int) -> Void) -> Bool {
        withoutActuallyEscaping(body) { body in
            var job = body
            return withUnsafeMutablePointer(to: &job) { pointer in
                bp_pool_run(parts, { context, part in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(part)
                }, pointer) == 0
            }
        }
    }

    /// Splits `0..<count` into at most `parts` contiguous ranges of at least `grain` elements
    /// (one range when `count` is small) and runs `body` on each, concurrently when more than one.
    @inline(__always)
    static func ranges(count: Int, parts: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let pieces = Swift.max(1, Swift.min(parts, count / Swift.max(grain, 1)))
        if pieces == 1 {
            body(0..<count)
            return
        }
        Self.parts(pieces) { part in body(range(part, of: pieces, count: count)) }
    }

    /// Part `part` of `0..<count` cut into `parts` contiguous ranges whose sizes differ by at most one.
    static func range(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
        (part * count / parts)..<((part + 1) * count / parts)
    }
}

/// A value handed to the threads of ``ParallelFor`` under its contract (disjoint writes).
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
