import BackpropKernels
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Backprop

/// `bp_pool_run` (Backprop's own spinning pool, ThreadPool.c) and `ParallelFor.parts` on top of
/// it: every part runs exactly once per job, job after job; a job the pool cannot take (too
/// many parts, or the pool already busy, as for a part that asks for parts) runs nothing and
/// says so; and `ParallelFor` then runs the parts another way, with the same results.
struct ThreadPoolTests {
    /// How many times each part of a job ran, one counter per part.
    private struct Tally {
        var counts: [Int]
        var busyInside = false
    }

    /// Runs a job of `parts` parts on the pool, retrying while another test holds it; returns
    /// each part's count, or nil if the pool stayed busy.
    private func runJob(parts: Int, nested: Bool = false) -> Tally? {
        for _ in 0..<10_000 {
            var tally = Tally(counts: Array(repeating: 0, count: parts))
            let status = tally.counts.withUnsafeMutableBufferPointer { counts in
                var context = (counts.baseAddress!, nested, false)
                let status = withUnsafeMutablePointer(to: &context) { pointer in
                    bp_pool_run(parts, { raw, part in
                        let context = raw!.assumingMemoryBound(to: (UnsafeMutablePointer<Int>, Bool, Bool).self)
                        context.pointee.0[part] += 1
                        if part == 0 && context.pointee.1 {
                            // The pool is this job's: a job asked for from inside it is refused.
                            context.pointee.2 = bp_pool_run(2, { _, _ in }, nil) != 0
                        }
                    }, pointer)
                }
                tally.busyInside = context.2
                return status
            }
            if status == 0 { return tally }
            // Another test's job holds the pool: nothing of this one ran.
            #expect(tally.counts.allSatisfy { $0 == 0 })
            usleep(20)
        }
        return nil
    }

    @Test("Every part runs exactly once, for 2, 3 and 8 parts, and 2 again after 8, 2,000 jobs in a row")
    func everyPartOnce() throws {
        for parts in [2, 3, 8, 2] {
            for job in 0..<2_000 {
                let tally = try #require(runJob(parts: parts), "the pool stayed busy")
                #expect(tally.counts == Array(repeating: 1, count: parts), "\(parts) parts, job \(job)")
            }
        }
    }

    @Test("A job of more parts than the pool has runs nothing and is refused; 0 and 1 parts run on the caller")
    func refusals() {
        var ran = 0
        let status = withUnsafeMutablePointer(to: &ran) { pointer in
            bp_pool_run(bp_pool_capacity() + 1, { raw, _ in raw!.assumingMemoryBound(to: Int.self).pointee += 1 }, pointer)
        }
        #expect(status != 0)
        #expect(ran == 0)
        for parts in [0, 1] {
            let status = withUnsafeMutablePointer(to: &ran) { pointer in
                bp_pool_run(parts, { raw, _ in raw!.assumingMemoryBound(to: Int.self).pointee += 1 }, pointer)
            }
            #expect(status == 0)
        }
        #expect(ran == 1)
    }

    @Test("A job asked for from inside a part finds the pool busy")
    func nestedIsRefused() throws {
        let tally = try #require(runJob(parts: 2, nested: true), "the pool stayed busy")
        #expect(tally.counts == [1, 1])
        #expect(tally.busyInside)
    }

    @Test("ParallelFor.parts: nested parts and several calling threads at once all run every part once")
    func parallelForFallsBack() {
        let callers = 4, outer = 3, inner = 5
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: callers * outer * inner)
        results.initialize(repeating: 0)
        defer { results.deallocate() }
        let shared = SendablePointer(results.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<200 {
                ParallelFor.parts(outer) { o in
                    ParallelFor.parts(inner) { i in shared.pointer[(caller * outer + o) * inner + i] += 1 }
                }
            }
        }
        #expect(Array(results) == Array(repeating: 200, count: callers * outer * inner))
    }
}

/// A pointer the test's threads write disjoint elements of.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int>
    init(_ pointer: UnsafeMutablePointer<Int>) { self.pointer = pointer }
}
