import Backprop
import Foundation

/// libFuzzer entry point: `.npz` bytes → `NPZ.decode`, then every array as a matrix.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let archive = try? NPZ.decode(bytes, source: "fuzz.npz") {
        for name in archive.names { _ = try? archive.matrix(named: name, as: Float.self) }
    }
    return 0
}
