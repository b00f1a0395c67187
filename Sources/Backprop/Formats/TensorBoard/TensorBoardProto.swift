import SwiftProtobuf

// The few fields of TensorFlow's `Event` and `Summary` messages (tensorflow/core/util/event.proto,
// tensorflow/core/framework/summary.proto) that scalar logging needs, written by hand on
// swift-protobuf's runtime (no protoc at build time):
//
//   message Event { double wall_time = 1; int64 step = 2;
//                   oneof what { string file_version = 3; Summary summary = 5; } }
//   message Summary { repeated Value value = 1;
//                     message Value { string tag = 1; float simple_value = 2; } }

/// `tensorflow.Event`: a timestamped record of the event file.
struct TensorBoardEvent: Sendable, Equatable {
    var wallTime: Double = 0
    var step: Int64 = 0
    /// `file_version` (the first event of a file: `brain.Event:2`).
    var fileVersion: String?
    var summary: TensorBoardSummary?
    var unknownFields = SwiftProtobuf.UnknownStorage()
}

/// `tensorflow.Summary`: the values logged at one step.
struct TensorBoardSummary: Sendable, Equatable {
    var value: [Value] = []
    var unknownFields = SwiftProtobuf.UnknownStorage()

    /// `tensorflow.Summary.Value` with a `simple_value` (a scalar).
    struct Value: Sendable, Equatable {
        var tag: String = ""
        var simpleValue: Float = 0
        var unknownFields = SwiftProtobuf.UnknownStorage()
    }
}

extension TensorBoardEvent: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase, SwiftProtobuf._ProtoNameProviding {
    static let protoMessageName = "tensorflow.Event"
    static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{3}wall_time\0\u{1}step\0\u{3}file_version\0\u{2}\u{2}summary\0")

    mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
        while let fieldNumber = try decoder.nextFieldNumber() {
            switch fieldNumber {
            case 1: try decoder.decodeSingularDoubleField(value: &wallTime)
            case 2: try decoder.decodeSingularInt64Field(value: &step)
            case 3: try decoder.decodeSingularStringField(value: &fileVersion)
            case 5: try decoder.decodeSingularMessageField(value: &summary)
            default: break
            }
        }
    }

    func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
        if wallTime != 0 { try visitor.visitSingularDoubleField(value: wallTime, fieldNumber: 1) }
        if step != 0 { try visitor.visitSingularInt64Field(value: step, fieldNumber: 2) }
        if let fileVersion { try visitor.visitSingularStringField(value: fileVersion, fieldNumber: 3) }
        if let summary { try visitor.visitSingularMessageField(value: summary, fieldNumber: 5) }
        try unknownFields.traverse(visitor: &visitor)
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.wallTime == rhs.wallTime && lhs.step == rhs.step && lhs.fileVersion == rhs.fileVersion
            && lhs.summary == rhs.summary && lhs.unknownFields == rhs.unknownFields
    }
}

extension TensorBoardSummary: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase, SwiftProtobuf._ProtoNameProviding {
    static let protoMessageName = "tensorflow.Summary"
    static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{1}value\0")

    mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
        while let fieldNumber = try decoder.nextFieldNumber() {
            if fieldNumber == 1 { try decoder.decodeRepeatedMessageField(value: &value) }
        }
    }

    func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
        if !value.isEmpty { try visitor.visitRepeatedMessageField(value: value, fieldNumber: 1) }
        try unknownFields.traverse(visitor: &visitor)
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.value == rhs.value && lhs.unknownFields == rhs.unknownFields }
}

extension TensorBoardSummary.Value: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase, SwiftProtobuf._ProtoNameProviding {
    static let protoMessageName = "tensorflow.Summary.Value"
    static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{1}tag\0\u{3}simple_value\0")

    mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
        while let fieldNumber = try decoder.nextFieldNumber() {
            switch fieldNumber {
            case 1: try decoder.decodeSingularStringField(value: &tag)
            case 2: try decoder.decodeSingularFloatField(value: &simpleValue)
            default: break
            }
        }
    }

    func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
        if !tag.isEmpty { try visitor.visitSingularStringField(value: tag, fieldNumber: 1) }
        if simpleValue.bitPattern != 0 { try visitor.visitSingularFloatField(value: simpleValue, fieldNumber: 2) }
        try unknownFields.traverse(visitor: &visitor)
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.tag == rhs.tag && lhs.simpleValue == rhs.simpleValue && lhs.unknownFields == rhs.unknownFields
    }
}
