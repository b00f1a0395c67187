import Backprop
import Foundation

/// libFuzzer entry point: CSV bytes → `CSVLoader.decode` with the default (last) label column,
/// and with the first column as one-hot labels.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    _ = try? CSVLoader.decode(bytes, source: "fuzz.csv", as: Double.self)
    _ = try? CSVLoader.decode(bytes, source: "fuzz.csv", labelColumn: .index(0), labelEncoding: .oneHot, as: Float.self)
    return 0
}
