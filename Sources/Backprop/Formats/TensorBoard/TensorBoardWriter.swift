import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TensorBoard event file (`events.out.tfevents.<time>.<host>`) of scalars, as
/// `tensorboard --logdir` and `event_accumulator.EventAccumulator` read it.
///
/// Each record is TFRecord-framed: the length (`UInt64`, little-endian), the masked CRC-32C of
/// those 8 bytes, the serialized `tensorflow.Event`, its masked CRC-32C. The first event holds
/// `file_version = "brain.Event:2"`. Every ``write(step:scalars:wallTime:)`` is one unbuffered `write`,
/// so the file is readable while the run goes.
public final class TensorBoardWriter {
    /// The event file.
    public let url: URL
    private let handle: FileHandle

    /// Creates a new event file in `folder`.
    public init(folder: URL, wallTime: Date = Date()) throws {
        let seconds = Int(wallTime.timeIntervalSince1970)
        var host = [CChar](repeating: 0, count: 256)
        let name = gethostname(&host, host.count) == 0
            ? String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        url = folder.appendingPathComponent("events.out.tfevents.\(seconds).\(name)")
        // open(2), not FileManager.createFile: that writes through a temporary file of its
        // own, which a signal could leave behind.
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BackpropError.invalidArgument("cannot create the TensorBoard event file \(url.path): \(String(cString: strerror(errno)))")
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var first = TensorBoardEvent()
        first.wallTime = wallTime.timeIntervalSince1970
        first.fileVersion = "brain.Event:2"
        try append(first)
    }

    deinit { try? handle.close() }

    /// Logs `scalars` (tag, value) at `step`.
    public func write(step: Int, scalars: [(tag: String, value: Double)], wallTime: Date = Date()) throws {
        var event = TensorBoardEvent()
        event.wallTime = wallTime.timeIntervalSince1970
        event.step = Int64(step)
        event.summary = TensorBoardSummary(value: scalars.map { TensorBoardSummary.Value(tag: $0.tag, simpleValue: Float($0.value)) })
        try append(event)
    }

    private func append(_ event: TensorBoardEvent) throws {
        try handle.write(contentsOf: Self.record(try event.serializedBytes() as [UInt8]))
    }

    /// `payload` framed as a TFRecord.
    static func record(_ payload: [UInt8]) -> Data {
        var length = UInt64(payload.count).littleEndian
        let header = withUnsafeBytes(of: &length) { Array($0) }
        var headerCRC = CRC32C.masked(header).littleEndian
        var payloadCRC = CRC32C.masked(payload).littleEndian
        var data = Data(header)
        withUnsafeBytes(of: &headerCRC) { data.append(contentsOf: $0) }
        data.append(contentsOf: payload)
        withUnsafeBytes(of: &payloadCRC) { data.append(contentsOf: $0) }
        return data
    }
}
