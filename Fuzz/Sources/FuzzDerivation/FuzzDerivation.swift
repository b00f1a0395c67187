import Backprop
import Foundation

/// A 2-3-1 tanh → sigmoid checker, built once.
let checker = try! DerivationChecker(
    architecture: DerivationArchitecture(sizes: [2, 3, 1], hidden: .tanh, output: .sigmoid), seeds: 1)

/// libFuzzer entry point: formula text → the lint and `DerivationChecker.check`, both of which
/// run the lexer and parser (internal to Backprop), and the check evaluates every statement on
/// a random network.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = DerivationLint.warnings(in: source)
    _ = try? checker.check(source)
    return 0
}
