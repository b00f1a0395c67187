import Foundation
import FuzzSupport

/// libFuzzer calls this once, before any input: the fixtures are made outside the timeout.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    prepareFixtures()
    return 0
}

/// libFuzzer entry point: edits to a valid checkpoint (``CheckpointEdits``) → `train --resume`
/// through the real command line, capped (``CommandRunner``).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    Scratch.reset()
    guard let edits = CheckpointEdits(Data(bytes: data, count: size)), let arguments = edits.prepare() else { return 0 }
    if ProcessInfo.processInfo.environment["FUZZ_SHOW"] != nil {
        FileHandle.standardError.write(Data((arguments.joined(separator: " ") + "\n").utf8))
        try? FileManager.default.removeItem(atPath: "/tmp/fuzz-last-checkpoint.safetensors")
        try? FileManager.default.copyItem(atPath: Scratch.work.appendingPathComponent("checkpoint.safetensors").path, toPath: "/tmp/fuzz-last-checkpoint.safetensors")
    }
    CommandRunner.run(arguments)
    return 0
}
