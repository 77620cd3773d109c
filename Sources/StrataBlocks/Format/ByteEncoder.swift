import StrataModel
/// Appends big-endian integers, Go-style varints and length-prefixed strings to a byte array.
///
/// Prometheus's `encoding.Encbuf` equivalent: every block structure is built with it before it is
/// written, so the CRC32C of a section can be computed over exactly the bytes that hit the disk.
struct ByteEncoder {
    /// The encoded bytes.
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    mutating func putByte(_ b: UInt8) { bytes.append(b) }

    mutating func putBE32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func putBE64(_ v: UInt64) {
        putBE32(UInt32(truncatingIfNeeded: v >> 32))
        putBE32(UInt32(truncatingIfNeeded: v))
    }

    /// Overwrites 4 bytes at `offset` (for length fields reserved before the content is known).
    mutating func setBE32(_ v: UInt32, at offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: v >> 24)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
        bytes[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[offset + 3] = UInt8(truncatingIfNeeded: v)
    }

    /// Go `binary.PutUvarint`: LEB128, 7 bits per byte, low group first.
    mutating func putUvarint(_ v: UInt64) {
        var x = v
        while x >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: x))
    }

    /// Go `binary.PutVarint`: zigzag, then uvarint.
    mutating func putVarint(_ v: Int64) {
        putUvarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    /// A uvarint byte length followed by the UTF-8 bytes.
    mutating func putUvarintString(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            putUvarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func putBytes(_ b: some Collection<UInt8>) { bytes.append(contentsOf: b) }

    /// Appends the CRC32C of `bytes[from...]`, big-endian.
    mutating func putCRC(from start: Int) {
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        putBE32(crc)
    }

    /// Number of bytes `putUvarint(v)` would append.
    static func uvarintSize(_ v: UInt64) -> Int {
        var x = v
        var n = 1
        while x >= 0x80 {
            x >>= 7
            n += 1
        }
        return n
    }
}
