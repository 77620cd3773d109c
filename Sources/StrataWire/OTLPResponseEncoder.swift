/// OTLP/HTTP response bodies: `ExportMetricsServiceResponse` on success (with `partial_success`
/// when points were refused) and `google.rpc.Status` on failure, in the request's encoding.
public enum OTLPResponseEncoder {
    /// `ExportMetricsServiceResponse` as protobuf; empty (all points accepted) when
    /// `rejectedDataPoints` is 0 and there is no message.
    public static func exportResponseProtobuf(rejectedDataPoints: Int, errorMessage: String) -> [UInt8] {
        guard rejectedDataPoints > 0 || !errorMessage.isEmpty else { return [] }
        var partial = OTLPProtoBuffer()
        if rejectedDataPoints > 0 { partial.varint(field: 1, UInt64(rejectedDataPoints)) }
        if !errorMessage.isEmpty { partial.bytes(field: 2, Array(errorMessage.utf8)) }
        var out = OTLPProtoBuffer()
        out.bytes(field: 1, partial.bytes)
        return out.bytes
    }

    /// `ExportMetricsServiceResponse` in OTLP/JSON (`rejectedDataPoints` is an int64, so a string).
    public static func exportResponseJSON(rejectedDataPoints: Int, errorMessage: String) -> [UInt8] {
        guard rejectedDataPoints > 0 || !errorMessage.isEmpty else { return Array("{}".utf8) }
        let text = "{\"partialSuccess\":{\"rejectedDataPoints\":\"\(rejectedDataPoints)\",\"errorMessage\":\(OTLPValueFormat.jsonString(errorMessage))}}"
        return Array(text.utf8)
    }

    /// `google.rpc.Status` as protobuf (`code` is the gRPC code matching the HTTP status).
    public static func statusProtobuf(code: Int, message: String) -> [UInt8] {
        var out = OTLPProtoBuffer()
        if code != 0 { out.varint(field: 1, UInt64(code)) }
        if !message.isEmpty { out.bytes(field: 2, Array(message.utf8)) }
        return out.bytes
    }

    /// `google.rpc.Status` in JSON.
    public static func statusJSON(code: Int, message: String) -> [UInt8] {
        Array("{\"code\":\(code),\"message\":\(OTLPValueFormat.jsonString(message))}".utf8)
    }
}

/// A growable protobuf writer for small messages (responses, tests). Bulk encoders size their
/// output first (`ProtoWriter`); these bodies are a few hundred bytes.
package struct OTLPProtoBuffer {
    package var bytes: [UInt8] = []

    package init() {}

    package mutating func rawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    package mutating func tag(_ field: Int, _ wireType: UInt8) { rawVarint(UInt64(field) << 3 | UInt64(wireType)) }

    package mutating func varint(field: Int, _ value: UInt64) {
        tag(field, WireType.varint)
        rawVarint(value)
    }

    package mutating func fixed64(field: Int, _ value: UInt64) {
        tag(field, WireType.fixed64)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func double(field: Int, _ value: Double) { fixed64(field: field, value.bitPattern) }

    package mutating func bytes(field: Int, _ payload: [UInt8]) {
        tag(field, WireType.lengthDelimited)
        rawVarint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    package mutating func string(field: Int, _ s: String) { bytes(field: field, Array(s.utf8)) }

    package mutating func message(field: Int, _ build: (inout OTLPProtoBuffer) -> Void) {
        var sub = OTLPProtoBuffer()
        build(&sub)
        bytes(field: field, sub.bytes)
    }
}
