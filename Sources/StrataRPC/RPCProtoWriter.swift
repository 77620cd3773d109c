import GRPCCore
import StrataWire

// Protobuf wire-format writing for Strata's own RPC messages. Every message computes its exact
// size first (with StrataWire's size functions), so the transport's buffer is allocated once and
// written front to back.

/// Size of a varint field, tag included.
@inline(__always)
func varintFieldSize(field: Int, value: UInt64) -> Int {
    tagSize(field) + varintSize(value)
}

/// Size of a string field, tag included.
@inline(__always)
func stringFieldSize(field: Int, _ s: String) -> Int {
    lengthDelimitedSize(field: field, length: s.utf8.count)
}

/// A cursor writing into a buffer sized beforehand. Writes past the end are dropped and
/// recorded instead of trapping, so a size bug surfaces as an RPC error, never as memory
/// corruption or a crash.
struct RPCProtoWriter {
    let base: UnsafeMutableRawBufferPointer
    private(set) var position = 0
    private(set) var overflowed = false

    init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }

    @inline(__always)
    mutating func writeByte(_ b: UInt8) {
        guard position < base.count else { overflowed = true; return }
        base[position] = b
        position += 1
    }

    @inline(__always)
    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writeByte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        writeByte(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    mutating func writeTag(_ field: Int, _ wireType: UInt8) {
        writeVarint(UInt64(field) << 3 | UInt64(wireType))
    }

    mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        guard bytes.count <= base.count - position, let dst = base.baseAddress, let src = bytes.baseAddress else {
            overflowed = true
            return
        }
        (dst + position).copyMemory(from: src, byteCount: bytes.count)
        position += bytes.count
    }

    /// Tag and length prefix of a length-delimited field whose payload follows.
    mutating func writeLengthPrefix(_ field: Int, _ length: Int) {
        writeTag(field, WireType.lengthDelimited)
        writeVarint(UInt64(length))
    }

    mutating func writeVarintField(_ field: Int, _ value: UInt64) {
        writeTag(field, WireType.varint)
        writeVarint(value)
    }

    mutating func writeInt64Field(_ field: Int, _ value: Int64) {
        writeVarintField(field, UInt64(bitPattern: value))
    }

    mutating func writeStringField(_ field: Int, _ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            writeLengthPrefix(field, utf8.count)
            writeBytes(UnsafeRawBufferPointer(utf8))
        }
    }

    mutating func writeBytesField(_ field: Int, _ bytes: [UInt8]) {
        writeLengthPrefix(field, bytes.count)
        bytes.withUnsafeBytes { writeBytes($0) }
    }
}

/// Builds a transport buffer of exactly `size` bytes by running `body` over it. A writer that
/// disagrees with its own size computation is a bug in this module, reported as `internalError`.
func serializeMessage<Bytes: GRPCContiguousBytes>(
    name: String, size: Int, _ body: (inout RPCProtoWriter) -> Void
) throws(RPCError) -> Bytes {
    var out = Bytes(repeating: 0, count: size)
    let written = out.withUnsafeMutableBytes { raw -> Int? in
        var w = RPCProtoWriter(raw)
        body(&w)
        return w.overflowed ? nil : w.position
    }
    guard written == size else {
        throw RPCError(code: .internalError,
                       message: "encoding \(name) produced \(written.map(String.init) ?? "more than \(size)") bytes where \(size) were computed; this is a bug in StrataRPC")
    }
    return out
}
