import Backprop
import Foundation

/// libFuzzer entry point: IDX bytes (raw or gzip) → `IDX.decode`, then the values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let array = try? IDX.decode(bytes, source: "fuzz.idx") {
        _ = array.doubleValues
    }
    return 0
}
