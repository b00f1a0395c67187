/// Overflow-checked arithmetic on sizes that come from input: element counts, byte counts,
/// layer widths, dimensions read from a file header.
///
/// The one place where Backprop multiplies or adds untrusted sizes. Each operation throws
/// ``BackpropError/tooLarge(_:)`` naming what overflowed instead of trapping:
///
/// ```swift
/// let pixels = try CheckedSize.product(dimensions.dropFirst(), "\(path): image dimensions")
/// let bytes = try CheckedSize.multiply(pixels, MemoryLayout<Float>.size, "\(path): X")
/// ```
public enum CheckedSize {
    /// `a × b`, or an error naming `what` when the product overflows `Int` or a factor is negative.
    public static func multiply(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws(BackpropError) -> Int {
        guard a >= 0, b >= 0 else { throw negative(what(), [a, b]) }
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw overflowed(what(), [a, b], "×") }
        return product
    }

    /// `a + b`, or an error naming `what` when the sum overflows `Int` or a term is negative.
    public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws(BackpropError) -> Int {
        guard a >= 0, b >= 0 else { throw negative(what(), [a, b]) }
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw overflowed(what(), [a, b], "+") }
        return sum
    }

    /// The product of `factors` (1 for none), or an error naming `what` on overflow.
    public static func product<S: Sequence>(_ factors: S, _ what: @autoclosure () -> String) throws(BackpropError) -> Int
    where S.Element == Int {
        let all = Array(factors)
        guard all.allSatisfy({ $0 >= 0 }) else { throw negative(what(), all) }
        var result = 1
        // A zero factor makes the product 0 however large the others are.
        if all.contains(0) { return 0 }
        for factor in all {
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { throw overflowed(what(), all, "×") }
            result = next
        }
        return result
    }

    /// The sum of `terms` (0 for none), or an error naming `what` on overflow.
    public static func sum<S: Sequence>(_ terms: S, _ what: @autoclosure () -> String) throws(BackpropError) -> Int
    where S.Element == Int {
        let all = Array(terms)
        guard all.allSatisfy({ $0 >= 0 }) else { throw negative(what(), all) }
        var result = 0
        for term in all {
            let (next, overflow) = result.addingReportingOverflow(term)
            guard !overflow else { throw overflowed(what(), all, "+") }
            result = next
        }
        return result
    }

    private static func overflowed(_ what: String, _ operands: [Int], _ symbol: String) -> BackpropError {
        .tooLarge("\(what): \(shown(operands, symbol)) overflows a 64-bit size")
    }

    private static func negative(_ what: String, _ operands: [Int]) -> BackpropError {
        .tooLarge("\(what): a size is negative (\(shown(operands, ",")))")
    }

    /// The operands as `a × b × c`, at most eight of them.
    private static func shown(_ operands: [Int], _ symbol: String) -> String {
        let spacer = symbol == "," ? ", " : " \(symbol) "
        let text = operands.prefix(8).map(String.init).joined(separator: spacer)
        return operands.count > 8 ? text + "\(spacer)… (\(operands.count) in all)" : text
    }
}
