/// Appends the query codec's primitives to a byte array: unsigned and zig-zag varints,
/// length-prefixed strings and raw little-endian doubles.
struct BinaryWriter {
    private(set) var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func uvarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func count(_ n: Int) { uvarint(UInt64(max(0, n))) }

    mutating func varint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func double(_ d: Double) {
        var bits = d.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ s: String) {
        count(s.utf8.count)
        bytes.append(contentsOf: s.utf8)
    }

    mutating func append(_ other: [UInt8]) {
        count(other.count)
        bytes.append(contentsOf: other)
    }
}

/// Reads what `BinaryWriter` wrote, refusing anything truncated or out of bounds with
/// `QueryCodecError` instead of trapping.
struct BinaryReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var atEnd: Bool { offset >= bytes.count }

    mutating func byte() throws(QueryCodecError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated(offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uvarint() throws(QueryCodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw .malformed("varint longer than 10 bytes at \(offset)") }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// A count that must fit in what is left of the input at `minBytesEach` bytes per element,
    /// so a hostile count cannot make the decoder reserve unbounded memory.
    mutating func count(minBytesEach: Int = 1) throws(QueryCodecError) -> Int {
        let v = try uvarint()
        // minBytesEach 0: a plain number (a statistic, a status), bounded only by Int.
        if minBytesEach == 0 {
            guard v <= UInt64(Int.max) else { throw .malformed("number \(v) at \(offset) is too large") }
            return Int(v)
        }
        let left = UInt64(bytes.count - offset)
        guard v <= left / UInt64(minBytesEach) else {
            throw .malformed("count \(v) at \(offset) exceeds the \(left) bytes left")
        }
        return Int(v)
    }

    mutating func varint() throws(QueryCodecError) -> Int64 {
        let u = try uvarint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    mutating func double() throws(QueryCodecError) -> Double {
        guard bytes.count - offset >= 8 else { throw .truncated(offset) }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return Double(bitPattern: bits)
    }

    mutating func string() throws(QueryCodecError) -> String {
        let n = try count()
        let s = String(decoding: bytes[offset..<offset + n], as: UTF8.self)
        offset += n
        return s
    }

    mutating func blob() throws(QueryCodecError) -> [UInt8] {
        let n = try count()
        let b = Array(bytes[offset..<offset + n])
        offset += n
        return b
    }
}

/// Bytes that are not a valid query-codec message.
public enum QueryCodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input ends inside a field.
    case truncated(Int)
    /// A field is out of range or of an unknown kind.
    case malformed(String)

    public var description: String {
        switch self {
        case .truncated(let at): return "query message truncated at byte \(at)"
        case .malformed(let why): return "malformed query message: \(why)"
        }
    }
}
