/// Reads MSB-first bit fields out of a chunk's bytes (Prometheus `bstreamReader` order).
///
/// Up to 64 bits are kept in a left-aligned buffer so that most reads are a shift and a mask;
/// bytes are loaded only when the buffer runs low. Every read returns nil at the end of the data
/// instead of trapping, which is what lets arbitrary bytes be iterated safely.
@usableFromInline
struct BitReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    /// Index of the next byte to load into `buffer`.
    @usableFromInline var position: Int
    /// Unread bits, left-aligned (the next bit is the MSB).
    @usableFromInline var buffer: UInt64 = 0
    /// Number of valid bits in `buffer`.
    @usableFromInline var available: Int = 0

    @inlinable
    init(bytes: [UInt8], offset: Int) {
        self.bytes = bytes
        self.position = offset
    }

    /// Bits consumed since the start of `bytes`.
    @inlinable
    var bitsConsumed: Int { position &* 8 &- available }

    @inlinable @inline(__always)
    mutating func refill() {
        if available <= 56 && position &+ 8 <= bytes.count {
            // Fast path: one unaligned load, keeping only the whole bytes that fit.
            let word = UInt64(bigEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: UInt64.self) })
            let take = (64 &- available) >> 3
            let drop = UInt64(64 &- take &* 8)
            let kept = (word >> drop) << drop
            buffer |= kept >> UInt64(available)
            available &+= take &* 8
            position &+= take
            return
        }
        while available <= 56, position < bytes.count {
            buffer |= UInt64(bytes[position]) << UInt64(56 &- available)
            available &+= 8
            position &+= 1
        }
    }

    /// Reads one bit.
    @inlinable @inline(__always)
    mutating func readBit() -> Bool? {
        if available == 0 {
            refill()
            if available == 0 { return nil }
        }
        let bit = buffer >> 63
        buffer <<= 1
        available &-= 1
        return bit == 1
    }

    /// Reads `n` bits (1...32) as the low bits of the result.
    @inlinable @inline(__always)
    mutating func readSmall(_ n: Int) -> UInt64? {
        if available < n {
            refill()
            if available < n { return nil }
        }
        let value = buffer >> UInt64(64 &- n)
        buffer <<= UInt64(n)
        available &-= n
        return value
    }

    /// Reads `n` bits (1...64) as the low bits of the result.
    @inlinable @inline(__always)
    mutating func read(_ n: Int) -> UInt64? {
        if n <= 32 { return readSmall(n) }
        guard let high = readSmall(n &- 32), let low = readSmall(32) else { return nil }
        return high << 32 | low
    }

    /// Reads a Go `binary.ReadUvarint` value; nil on end of data or overflow past 64 bits.
    @inlinable
    mutating func readUvarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for i in 0..<maxVarintBytes {
            guard let byte = readSmall(8) else { return nil }
            if byte < 0x80 {
                if i == maxVarintBytes - 1 && byte > 1 { return nil }
                return result | byte << shift
            }
            result |= (byte & 0x7f) << shift
            shift &+= 7
        }
        return nil
    }

    /// Reads a Go `binary.ReadVarint` (zigzag) value.
    @inlinable
    mutating func readVarint() -> Int64? {
        guard let u = readUvarint() else { return nil }
        return zigzagDecode(u)
    }
}

/// The longest encoding of a 64-bit varint.
@usableFromInline let maxVarintBytes = 10

/// Go's `binary.PutVarint` mapping of signed to unsigned.
@inlinable @inline(__always)
func zigzagEncode(_ x: Int64) -> UInt64 {
    let u = UInt64(bitPattern: x) << 1
    return x < 0 ? ~u : u
}

/// Inverse of `zigzagEncode`.
@inlinable @inline(__always)
func zigzagDecode(_ u: UInt64) -> Int64 {
    let x = Int64(bitPattern: u >> 1)
    return u & 1 != 0 ? ~x : x
}
