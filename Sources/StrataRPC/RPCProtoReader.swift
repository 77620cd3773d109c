import GRPCCore
import StrataWire

// Protobuf wire-format reading for Strata's own RPC messages.
//
// StrataWire's reader names remote-write/remote-read messages in its typed errors and refuses
// what those messages cannot hold, so this module carries a small reader of its own (errors
// name the RPC message and become gRPC statuses) with the same rules: strict on
// known fields (wire type, length, varint shape), lenient on unknown ones (skipped), so a newer
// peer can add fields without breaking an older one.

/// A decoded tag: field number, wire type, and where it starts.
struct ProtoTag {
    var field: Int
    var wireType: UInt8
    var offset: Int
}

/// A cursor over one protobuf message inside a buffer. A nested message is the same reader
/// with a narrower `end`, so offsets in errors are always relative to the whole RPC message.
struct RPCProtoReader {
    /// Largest valid field number (2^29 - 1).
    static let maxFieldNumber: UInt64 = (1 << 29) - 1
    /// Unknown groups nested deeper than this are refused rather than recursed into.
    static let maxGroupDepth = 16

    let bytes: UnsafeRawBufferPointer
    var position: Int
    var end: Int
    /// The message name used in errors.
    let message: String

    init(_ bytes: UnsafeRawBufferPointer, message: String) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.message = message
    }

    var isAtEnd: Bool { position >= end }

    func error(_ field: Int, _ offset: Int, _ reason: String) -> RPCWireError {
        RPCWireError(message: message, field: field, offset: offset, reason: reason)
    }

    /// Reads a varint of at most 10 bytes.
    @inline(__always)
    mutating func readVarint(field: Int) throws(RPCWireError) -> UInt64 {
        if position < end {
            let b = bytes[position]
            if b < 0x80 {
                position += 1
                return UInt64(b)
            }
        }
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw error(field, start, "the message ends inside a varint") }
            let b = bytes[position]
            position += 1
            if shift == 63 {
                guard b <= 1 else { throw error(field, start, "varint wider than 64 bits") }
                result |= UInt64(b) << 63
                return result
            }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// Reads the next tag, refusing field 0, field numbers above 2^29-1 and wire types 6 and 7.
    mutating func readTag() throws(RPCWireError) -> ProtoTag {
        let offset = position
        let raw = try readVarint(field: 0)
        let field = raw >> 3
        guard field != 0, field <= Self.maxFieldNumber else {
            throw error(0, offset, "tag \(raw) has field number \(field), outside 1...\(Self.maxFieldNumber)")
        }
        let wireType = UInt8(truncatingIfNeeded: raw & 7)
        guard wireType <= WireType.fixed32 else {
            throw error(Int(field), offset, "wire type \(wireType) is not defined by protobuf")
        }
        return ProtoTag(field: Int(field), wireType: wireType, offset: offset)
    }

    /// Refuses a known field that arrived with another wire type than the contract's.
    func expect(_ tag: ProtoTag, _ wireType: UInt8) throws(RPCWireError) {
        guard tag.wireType == wireType else {
            throw error(tag.field, tag.offset, "wire type \(tag.wireType) where the contract has wire type \(wireType)")
        }
    }

    /// A length-delimited field as an absolute byte range.
    mutating func bytesField(_ tag: ProtoTag) throws(RPCWireError) -> Range<Int> {
        try expect(tag, WireType.lengthDelimited)
        let length = try readVarint(field: tag.field)
        guard length <= UInt64(end - position) else {
            throw error(tag.field, tag.offset, "length \(length) exceeds the \(end - position) bytes left in the message")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// A nested message: a reader over the field's bytes; `self` moves past it.
    mutating func subMessage(_ tag: ProtoTag, name: String) throws(RPCWireError) -> RPCProtoReader {
        let range = try bytesField(tag)
        var sub = RPCProtoReader(bytes, message: name)
        sub.position = range.lowerBound
        sub.end = range.upperBound
        return sub
    }

    /// A string field, refusing invalid UTF-8.
    mutating func stringField(_ tag: ProtoTag) throws(RPCWireError) -> String {
        let range = try bytesField(tag)
        if range.isEmpty { return "" }
        guard let s = String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) else {
            throw error(tag.field, tag.offset, "string is not valid UTF-8")
        }
        return s
    }

    /// A varint field (int64, uint64, enum).
    mutating func varintField(_ tag: ProtoTag) throws(RPCWireError) -> UInt64 {
        try expect(tag, WireType.varint)
        return try readVarint(field: tag.field)
    }

    /// An `int64` field: a varint holding the two's complement bits.
    mutating func int64Field(_ tag: ProtoTag) throws(RPCWireError) -> Int64 {
        Int64(bitPattern: try varintField(tag))
    }

    /// A non-negative count that must fit an `Int`.
    mutating func countField(_ tag: ProtoTag) throws(RPCWireError) -> Int {
        let v = try varintField(tag)
        guard v <= UInt64(Int.max) else { throw error(tag.field, tag.offset, "count \(v) does not fit 63 bits") }
        return Int(v)
    }

    /// Skips a field this decoder does not know, whatever its wire type.
    mutating func skip(_ tag: ProtoTag) throws(RPCWireError) {
        try skip(tag, depth: 0)
    }

    private mutating func skip(_ tag: ProtoTag, depth: Int) throws(RPCWireError) {
        switch tag.wireType {
        case WireType.varint:
            _ = try readVarint(field: tag.field)
        case WireType.fixed64:
            guard end - position >= 8 else { throw error(tag.field, tag.offset, "the message ends inside a fixed64") }
            position += 8
        case WireType.fixed32:
            guard end - position >= 4 else { throw error(tag.field, tag.offset, "the message ends inside a fixed32") }
            position += 4
        case WireType.lengthDelimited:
            _ = try bytesField(tag)
        case WireType.startGroup:
            guard depth < Self.maxGroupDepth else {
                throw error(tag.field, tag.offset, "unknown groups nested deeper than \(Self.maxGroupDepth) levels")
            }
            while true {
                guard !isAtEnd else { throw error(tag.field, tag.offset, "the message ends inside a group") }
                let inner = try readTag()
                if inner.wireType == WireType.endGroup {
                    guard inner.field == tag.field else { throw error(inner.field, inner.offset, "end-group tag does not match its group") }
                    return
                }
                try skip(inner, depth: depth + 1)
            }
        default:
            throw error(tag.field, tag.offset, "end-group tag outside a group")
        }
    }
}

extension RPCProtoReader {
    /// Runs `body` over the contiguous bytes of a received message.
    static func withMessage<Bytes: GRPCContiguousBytes, R>(
        _ serialized: Bytes, name: String, _ body: (inout RPCProtoReader) throws(RPCWireError) -> R
    ) throws(RPCWireError) -> R {
        let result: Result<R, RPCWireError> = serialized.withUnsafeBytes { raw in
            var reader = RPCProtoReader(raw, message: name)
            do throws(RPCWireError) { return .success(try body(&reader)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

extension RPCProtoReader {
    /// Reads a response a peer sent, with `body` over its contiguous bytes. A malformed
    /// response is the peer's fault, so its error becomes an `internalError` status.
    static func readResponse<Bytes: GRPCContiguousBytes, R>(
        _ serialized: Bytes, name: String, _ body: (inout RPCProtoReader) throws(RPCWireError) -> R
    ) throws -> R {
        do throws(RPCWireError) {
            return try withMessage(serialized, name: name, body)
        } catch {
            throw RPCError(code: .internalError, message: error.description)
        }
    }
}
