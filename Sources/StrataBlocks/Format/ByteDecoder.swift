import StrataModel

/// Bounds-checked reader over untrusted block bytes.
///
/// Every read checks the remaining length and throws `BlockError.corrupt` naming the file and the
/// absolute offset, so a truncated or hostile file yields an error, never a trap. Reads go through
/// `withUnsafeBufferPointer` without copying the array.
struct ByteDecoder {
    /// The bytes being decoded.
    let bytes: [UInt8]
    /// Next position in `bytes`.
    var position: Int
    /// End (exclusive) of the readable region in `bytes`.
    let end: Int
    /// File name for error messages.
    let file: String
    /// Absolute file offset of `bytes[0]`, for error messages.
    let baseOffset: Int

    init(_ bytes: [UInt8], file: String, baseOffset: Int = 0, start: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
        self.file = file
        self.baseOffset = baseOffset
    }

    var remaining: Int { max(0, end - position) }

    func corrupt(_ reason: String) -> BlockError {
        .corrupt(file: file, offset: baseOffset + position, reason: reason)
    }

    mutating func byte() throws(BlockError) -> UInt8 {
        guard position < end else { throw corrupt("unexpected end of data reading a byte") }
        let b = bytes[position]
        position += 1
        return b
    }

    mutating func be32() throws(BlockError) -> UInt32 {
        guard end - position >= 4 else { throw corrupt("unexpected end of data reading a 4-byte integer") }
        let v = bytes.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt32.self)) }
        position += 4
        return v
    }

    mutating func be64() throws(BlockError) -> UInt64 {
        guard end - position >= 8 else { throw corrupt("unexpected end of data reading an 8-byte integer") }
        let v = bytes.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: position, as: UInt64.self)) }
        position += 8
        return v
    }

    /// Go `binary.Uvarint`, rejecting overlong and overflowing encodings.
    mutating func uvarint() throws(BlockError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = 0
        while true {
            guard position < end else { throw corrupt("unexpected end of data in a varint") }
            let b = bytes[position]
            position += 1
            if i == BlockFormat.maxUvarintSize - 1 && b > 1 { throw corrupt("varint overflows 64 bits") }
            if b < 0x80 { return result | UInt64(b) << shift }
            result |= UInt64(b & 0x7f) << shift
            shift += 7
            i += 1
            if i >= BlockFormat.maxUvarintSize { throw corrupt("varint overflows 64 bits") }
        }
    }

    /// Go `binary.Varint` (zigzag).
    mutating func varint() throws(BlockError) -> Int64 {
        let u = try uvarint()
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    /// A uvarint that must fit in 32 bits (symbol references).
    mutating func uvarint32() throws(BlockError) -> UInt32 {
        let v = try uvarint()
        guard v <= UInt64(UInt32.max) else { throw corrupt("value \(v) does not fit in 32 bits") }
        return UInt32(v)
    }

    /// A uvarint that must be a usable length or count (bounded by `limit`).
    mutating func length(limit: Int) throws(BlockError) -> Int {
        let v = try uvarint()
        guard v <= UInt64(limit) else { throw corrupt("length \(v) exceeds the \(limit) bytes available") }
        return Int(v)
    }

    mutating func skip(_ n: Int) throws(BlockError) {
        guard n >= 0, end - position >= n else { throw corrupt("unexpected end of data skipping \(n) bytes") }
        position += n
    }

    /// `n` bytes as a String; invalid UTF-8 is rejected (Prometheus stores valid UTF-8 only).
    mutating func string(_ n: Int) throws(BlockError) -> String {
        guard n >= 0, end - position >= n else { throw corrupt("unexpected end of data reading a \(n)-byte string") }
        let start = position
        position += n
        let s: String? = bytes.withUnsafeBufferPointer { buf in
            String(validating: UnsafeBufferPointer(rebasing: buf[start..<(start + n)]), as: UTF8.self)
        }
        guard let s else { throw .corrupt(file: file, offset: baseOffset + start, reason: "string is not valid UTF-8") }
        return s
    }

    /// A uvarint length followed by that many bytes of UTF-8.
    mutating func uvarintString() throws(BlockError) -> String {
        let n = try length(limit: remaining)
        return try string(n)
    }
}

extension CRC32C {
    /// The CRC-32C of `bytes[range]` without copying.
    static func checksum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        bytes.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }
}
