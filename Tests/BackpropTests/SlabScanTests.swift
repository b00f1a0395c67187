import Foundation
import Testing
@testable import Backprop

/// The trainer's whole-slab scans: the finiteness check finds one bad value anywhere, and the
/// sum of squares follows its documented order (element i into partial sum i mod 8).
struct SlabScanTests {
    @Test("allFinite finds one infinity or NaN at any position, in Float and Double")
    func allFinite() {
        for count in [0, 1, 7, 8, 9, 31, 100] {
            var floats = (0..<count).map { Float($0) * 0.5 - 3 }
            var doubles = floats.map(Double.init)
            #expect(floats.withUnsafeBufferPointer(\.allFinite))
            #expect(doubles.withUnsafeBufferPointer(\.allFinite))
            for position in 0..<count {
                for bad in [Float.infinity, -.infinity, .nan] {
                    floats[position] = bad
                    doubles[position] = Double(bad)
                    #expect(!floats.withUnsafeBufferPointer(\.allFinite), "\(bad) at \(position) of \(count)")
                    #expect(!doubles.withUnsafeBufferPointer(\.allFinite), "\(bad) at \(position) of \(count)")
                }
                floats[position] = 1
                doubles[position] = 1
            }
        }
        // The largest finite values are finite.
        #expect([Float.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude].withUnsafeBufferPointer(\.allFinite))
    }

    @Test("sumOfSquares: eight partial sums by position mod 8, added pairwise")
    func sumOfSquares() {
        for count in [0, 1, 5, 8, 13, 64, 1001] {
            let values: [Float] = (0..<count).map { Float(Foundation.sin(Double($0) * 0.7)) }
            var partial = [Double](repeating: 0, count: 8)
            for (i, v) in values.enumerated() { partial[i % 8] += Double(v) * Double(v) }
            let expected = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]))
            let got = values.withUnsafeBufferPointer { $0.sumOfSquares }
            #expect(got.bitPattern == expected.bitPattern, "\(count) values: \(got) against \(expected)")
            // And close to the plain sum.
            let plain = values.reduce(0.0) { $0 + Double($1) * Double($1) }
            #expect(Swift.abs(got - plain) <= 1e-12 * Swift.max(plain, 1))
        }
        #expect([3.0, 4.0].withUnsafeBufferPointer { $0.sumOfSquares } == 25)
    }
}
