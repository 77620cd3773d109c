// Protobuf wire-format primitives shared by every codec in this module: tags, varints,
// fixed-width values, length-delimited fields and skipping of unknown fields.
//
// The reader works on an `UnsafeRawBufferPointer` over the whole body and keeps absolute
// offsets, so a nested message is just the same reader with a smaller `end`, and an error can
// name the byte where it happened.

/// Protobuf wire types (the low three bits of a tag); shared with StrataRPC's codecs.
package enum WireType {
    package static let varint: UInt8 = 0
    package static let fixed64: UInt8 = 1
    package static let lengthDelimited: UInt8 = 2
    package static let startGroup: UInt8 = 3
    package static let endGroup: UInt8 = 4
    package static let fixed32: UInt8 = 5
}

/// Protobuf limits that bound what a decoder will accept.
enum ProtoLimits {
    /// Largest valid field number (2^29 - 1).
    static let maxFieldNumber: UInt64 = (1 << 29) - 1
    /// Longest varint: 10 bytes carry 64 bits.
    static let maxVarintBytes = 10
    /// How deep unknown groups may nest before the body is refused. Known messages are at most
    /// three levels deep, so only groups (which are skipped recursively) need this bound.
    static let maxGroupDepth = 32
    /// Bodies are indexed with `UInt32` offsets (`SeriesBatch.LabelRef`).
    static let maxBodySize = Int(UInt32.max)
    /// Most elements one repeated field of a native histogram (spans, bucket counts, custom
    /// bounds) may hold. Prometheus's clients keep well under 200 buckets a side and no float64
    /// histogram at the finest schema needs more than ~540,000 indexes; 2^16 per field keeps
    /// what a hostile histogram can make the decoder allocate small.
    static let maxHistogramItems = 1 << 16
}

/// A decoded tag: field number, wire type, and the offset of its first byte.
struct ProtoTag {
    var field: Int
    var wireType: UInt8
    var offset: Int
}

/// A cursor over a protobuf message inside a body.
struct ProtoReader {
    /// The whole body; offsets are into it.
    let bytes: UnsafeRawBufferPointer
    /// Next byte to read.
    var position: Int
    /// One past the last byte of the current message.
    var end: Int
    /// Named in errors.
    let codec: WireCodec

    init(_ bytes: UnsafeRawBufferPointer, codec: WireCodec) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.codec = codec
    }

    @inline(__always)
    var isAtEnd: Bool { position >= end }

    @inline(__always)
    func location(_ message: WireMessage, _ field: Int, _ offset: Int) -> WireLocation {
        WireLocation(codec: codec, message: message, field: field, offset: offset)
    }

    // MARK: varints

    /// Reads a varint; the one-byte case (most tags, lengths and small values) is inlined.
    @inline(__always)
    mutating func readVarint(_ message: WireMessage, field: Int) throws(WireError) -> UInt64 {
        if position < end {
            let b = bytes[position]
            if b < 0x80 {
                position += 1
                return UInt64(b)
            }
        }
        return try readVarintSlow(message, field: field)
    }

    @inline(never)
    mutating func readVarintSlow(_ message: WireMessage, field: Int) throws(WireError) -> UInt64 {
        let start = position
        var p = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard p < end else { throw .truncated(location(message, field, start)) }
            let b = bytes[p]
            p += 1
            if shift == 63 {
                // The tenth byte may only contribute bit 63 and must end the varint.
                guard b <= 1 else { throw .varintOverflow(location(message, field, start)) }
                result |= UInt64(b) << 63
                break
            }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { break }
            shift += 7
        }
        position = p
        return result
    }

    // MARK: tags

    /// Reads the next tag, refusing field number 0, field numbers above 2^29-1 and wire types
    /// 6 and 7.
    @inline(__always)
    mutating func readTag(_ message: WireMessage) throws(WireError) -> ProtoTag {
        let offset = position
        let raw = try readVarint(message, field: 0)
        let field = raw >> 3
        guard field != 0, field <= ProtoLimits.maxFieldNumber else {
            throw .invalidFieldNumber(location(message, 0, offset), tag: raw)
        }
        let wireType = UInt8(truncatingIfNeeded: raw & 7)
        guard wireType <= WireType.fixed32 else {
            throw .invalidWireType(location(message, Int(field), offset), found: wireType, expected: nil)
        }
        return ProtoTag(field: Int(field), wireType: wireType, offset: offset)
    }

    /// Refuses a known field that arrived with the wrong wire type (as Prometheus's gogo-generated
    /// decoder does).
    @inline(__always)
    func expect(_ tag: ProtoTag, _ wireType: UInt8, _ message: WireMessage) throws(WireError) {
        guard tag.wireType == wireType else {
            throw .invalidWireType(location(message, tag.field, tag.offset), found: tag.wireType, expected: wireType)
        }
    }

    // MARK: values

    /// Reads a length prefix and checks it against what is left of the current message.
    @inline(__always)
    mutating func readLength(_ tag: ProtoTag, _ message: WireMessage) throws(WireError) -> Int {
        let length = try readVarint(message, field: tag.field)
        let remaining = end - position
        guard length <= UInt64(remaining) else {
            throw .lengthOutOfBounds(location(message, tag.field, tag.offset), length: length, remaining: remaining)
        }
        return Int(length)
    }

    /// Reads a length-delimited field and returns a reader over its contents; `self` moves past it.
    @inline(__always)
    mutating func subMessage(_ tag: ProtoTag, _ message: WireMessage) throws(WireError) -> ProtoReader {
        try expect(tag, WireType.lengthDelimited, message)
        let length = try readLength(tag, message)
        var sub = self
        sub.end = position + length
        position += length
        return sub
    }

    /// Reads a length-delimited field as a byte range (absolute offset and length).
    @inline(__always)
    mutating func bytesField(_ tag: ProtoTag, _ message: WireMessage) throws(WireError) -> (offset: Int, length: Int) {
        try expect(tag, WireType.lengthDelimited, message)
        let length = try readLength(tag, message)
        let offset = position
        position += length
        return (offset, length)
    }

    /// Reads a length-delimited field as a `String`, refusing invalid UTF-8.
    mutating func stringField(_ tag: ProtoTag, _ message: WireMessage) throws(WireError) -> String {
        let (offset, length) = try bytesField(tag, message)
        if length == 0 { return "" }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw .invalidUTF8(location(message, tag.field, tag.offset))
        }
        return s
    }

    /// Reads a varint field (int64, uint64, enum).
    @inline(__always)
    mutating func varintField(_ tag: ProtoTag, _ message: WireMessage) throws(WireError) -> UInt64 {
        try expect(tag, WireType.varint, message)
        return try readVarint(message, field: tag.field)
    }

    /// Reads a fixed64 field (double, fixed64, sfixed64) as its little-endian bits.
    @inline(__always)
    mutating func fixed64Field(_ tag: ProtoTag, _ message: WireMessage) throws(WireError) -> UInt64 {
        try expect(tag, WireType.fixed64, message)
        guard end - position >= 8 else { throw .truncated(location(message, tag.field, tag.offset)) }
        let v = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: v)
    }

    // MARK: skipping

    /// Skips the value of a field this decoder does not know, whatever its wire type.
    mutating func skip(_ tag: ProtoTag, _ message: WireMessage) throws(WireError) {
        try skip(tag, message, depth: 0)
    }

    private mutating func skip(_ tag: ProtoTag, _ message: WireMessage, depth: Int) throws(WireError) {
        switch tag.wireType {
        case WireType.varint:
            _ = try readVarint(message, field: tag.field)
        case WireType.fixed64:
            guard end - position >= 8 else { throw .truncated(location(message, tag.field, tag.offset)) }
            position += 8
        case WireType.fixed32:
            guard end - position >= 4 else { throw .truncated(location(message, tag.field, tag.offset)) }
            position += 4
        case WireType.lengthDelimited:
            position += try readLength(tag, message)
        case WireType.startGroup:
            guard depth < ProtoLimits.maxGroupDepth else {
                throw .nestingTooDeep(location(message, tag.field, tag.offset), limit: ProtoLimits.maxGroupDepth)
            }
            // A group runs until the end-group tag with the same field number.
            while true {
                guard !isAtEnd else { throw .truncated(location(message, tag.field, tag.offset)) }
                let inner = try readTag(.group)
                if inner.wireType == WireType.endGroup {
                    guard inner.field == tag.field else { throw .unexpectedEndGroup(location(.group, inner.field, inner.offset)) }
                    return
                }
                try skip(inner, .group, depth: depth + 1)
            }
        default:
            // End-group outside a group (wire types 6 and 7 were refused by readTag).
            throw .unexpectedEndGroup(location(message, tag.field, tag.offset))
        }
    }
}

// MARK: - writing

/// Number of bytes `v` takes as a varint.
@inline(__always)
package func varintSize(_ v: UInt64) -> Int {
    // Most tags and lengths fit in one byte.
    if v < 0x80 { return 1 }
    // ceil(bits / 7).
    let bits = 64 - (v | 1).leadingZeroBitCount
    return (bits + 6) / 7
}

/// Number of bytes a tag for `field` takes.
@inline(__always)
package func tagSize(_ field: Int) -> Int { varintSize(UInt64(field) << 3) }

/// Size of a length-delimited field with a payload of `length` bytes, tag included.
@inline(__always)
package func lengthDelimitedSize(field: Int, length: Int) -> Int {
    tagSize(field) + varintSize(UInt64(length)) + length
}

/// A cursor writing into memory the caller sized exactly beforehand (sizes are computed first,
/// so nothing is reallocated or copied while writing).
struct ProtoWriter {
    let base: UnsafeMutableRawPointer
    var position: Int = 0

    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    @inline(__always)
    mutating func writeByte(_ b: UInt8) {
        base.storeBytes(of: b, toByteOffset: position, as: UInt8.self)
        // Positions stay below the exactly computed output size, so they cannot overflow.
        position &+= 1
    }

    @inline(__always)
    mutating func writeVarint(_ value: UInt64) {
        if value < 0x80 {
            writeByte(UInt8(truncatingIfNeeded: value))
            return
        }
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

    @inline(__always)
    mutating func writeFixed64(_ value: UInt64) {
        base.storeBytes(of: value.littleEndian, toByteOffset: position, as: UInt64.self)
        position &+= 8
    }

    @inline(__always)
    mutating func writeBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let src = bytes.baseAddress, !bytes.isEmpty else { return }
        (base + position).copyMemory(from: src, byteCount: bytes.count)
        position &+= bytes.count
    }

    /// Writes a string's UTF-8 bytes (native Swift strings are contiguous UTF-8, so this copies
    /// once, straight into the output).
    @inline(__always)
    mutating func writeUTF8(_ s: String) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { writeBytes(UnsafeRawBufferPointer($0)) }
        if done == nil {
            for b in s.utf8 { writeByte(b) }
        }
    }

    /// Writes tag and length prefix of a length-delimited field whose payload follows.
    @inline(__always)
    mutating func writeLengthPrefix(_ field: Int, _ length: Int) {
        writeTag(field, WireType.lengthDelimited)
        writeVarint(UInt64(length))
    }
}

/// Builds an array of exactly `size` bytes by running `body` on a writer over it.
@inline(__always)
func buildMessage(size: Int, _ body: (inout ProtoWriter) -> Void) -> [UInt8] {
    guard size > 0 else { return [] }
    return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        guard let base = buffer.baseAddress else { initialized = 0; return }
        var writer = ProtoWriter(UnsafeMutableRawPointer(base))
        body(&writer)
        // Sizes are computed by the same code paths that write; a mismatch is a bug here, not
        // something input can cause.
        assert(writer.position == size, "protobuf size computation disagrees with writer")
        initialized = writer.position
    }
}
