import Backprop
import Foundation

/// libFuzzer entry point: `.npy` bytes → `NPY.decode`, then the array as a matrix.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let array = try? NPY.decode(bytes, source: "fuzz.npy") {
        _ = try? array.matrix(Double.self)
        _ = NPY.encode(array)
    }
    return 0
}
