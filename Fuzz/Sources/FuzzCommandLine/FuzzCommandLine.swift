import Foundation
import FuzzSupport

/// libFuzzer calls this once, before any input: the fixtures are made outside the timeout.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    prepareFixtures()
    return 0
}

/// libFuzzer entry point: an argument vector and a file (``ArgumentInput``) → the real
/// `backprop` parsing, validation and run, capped (``CommandRunner``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Scratch.reset()
    guard let input = ArgumentInput(Data(bytes: data, count: size)) else { return 0 }
    if ProcessInfo.processInfo.environment["FUZZ_SHOW"] != nil {
        FileHandle.standardError.write(Data((input.arguments.map { "'\($0)'" }.joined(separator: " ") + "\n").utf8))
    }
    input.writeFiles()
    CommandRunner.run(input.arguments)
    return 0
}
