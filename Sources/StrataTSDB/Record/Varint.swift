/// Go `encoding/binary`-compatible integer encodings shared by the WAL record codecs.
///
/// Prometheus's record format is built from these, so they follow Go exactly: unsigned LEB128
/// ("uvarint", at most 10 bytes), zigzag signed varints, and big-endian fixed-width integers.
@usableFromInline
enum Varint {
    /// The longest encoding of a 64-bit varint.
    @usableFromInline static let maxLength = 10

    /// Appends `value` as a Go uvarint.
    @inlinable @inline(__always)
    static func appendUvarint(_ value: UInt64, to out: inout [UInt8]) {
        var x = value
        while x >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: x))
    }

    /// Appends `value` as a Go (zigzag) varint.
    @inlinable @inline(__always)
    static func appendVarint(_ value: Int64, to out: inout [UInt8]) {
        let u = UInt64(bitPattern: value) << 1
        appendUvarint(value < 0 ? ~u : u, to: &out)
    }

    /// Writes `value` as a Go varint at `offset` (the caller guarantees `maxLength` bytes of room);
    /// returns the offset after it.
    @inlinable @inline(__always)
    static func putVarint(_ value: Int64, into raw: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let u = UInt64(bitPattern: value) << 1
        var x = value < 0 ? ~u : u
        var p = offset
        while x >= 0x80 {
            raw[p] = UInt8(truncatingIfNeeded: x) | 0x80
            x >>= 7
            p += 1
        }
        raw[p] = UInt8(truncatingIfNeeded: x)
        return p + 1
    }

    /// Appends `value` as 8 big-endian bytes.
    @inlinable @inline(__always)
    static func appendBE64(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// Appends a uvarint length followed by the string's UTF-8 bytes.
    @inlinable @inline(__always)
    static func appendString(_ s: String, to out: inout [UInt8]) {
        appendUvarint(UInt64(s.utf8.count), to: &out)
        out.append(contentsOf: s.utf8)
    }
}

/// A bounds-checked read position in a record; every read returns nil past the end.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - offset }

    @inline(__always)
    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    @inline(__always)
    mutating func be64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        defer { offset += 8 }
        return UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A Go uvarint; nil when truncated or longer than 64 bits.
    @inline(__always)
    mutating func uvarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for i in 0..<Varint.maxLength {
            guard let b = byte() else { return nil }
            if b < 0x80 {
                if i == Varint.maxLength - 1 && b > 1 { return nil }
                return result | UInt64(b) << shift
            }
            result |= UInt64(b & 0x7f) << shift
            shift += 7
        }
        return nil
    }

    /// A Go (zigzag) varint.
    @inline(__always)
    mutating func varint() -> Int64? {
        guard let u = uvarint() else { return nil }
        let x = Int64(bitPattern: u >> 1)
        return u & 1 != 0 ? ~x : x
    }

    /// The next `count` bytes, without copying.
    @inline(__always)
    mutating func slice(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    /// A uvarint length and that many bytes.
    @inline(__always)
    mutating func lengthPrefixed() -> UnsafeRawBufferPointer? {
        guard let n = uvarint(), n <= UInt64(remaining) else { return nil }
        return slice(Int(n))
    }
}
