import Backprop
import Foundation

/// libFuzzer entry point: safetensors bytes → `SafeTensors.decode`, then `Network(safeTensors:)`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let file = try? SafeTensors.decode(bytes, source: "fuzz.safetensors") {
        _ = try? Network<Double>(safeTensors: file, source: "fuzz.safetensors")
        _ = try? Network<Float>(safeTensors: file, source: "fuzz.safetensors")
    }
    return 0
}
