import Backprop
import Foundation

/// A 2-3-1 tanh → sigmoid checker, built once.
let checker = try! DerivationChecker(
    architecture: DerivationArchitecture(sizes: [2, 3, 1], hidden: .tanh, output: .sigmoid), seeds: 1)

/// libFuzzer entry point: formula text → `DerivationStatement.parse`, the lint, and
/// `DerivationChecker.check` (which evaluates every statement on a random network).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? DerivationStatement.parseExpression(source)
    _ = DerivationLint.warnings(in: source)
    _ = try? checker.check(source)
    return 0
}
