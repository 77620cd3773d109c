/// CRC-32C (Castagnoli), the checksum of WAL fragments and of TSDB block files (index sections,
/// chunks, tombstones), computed slicing-by-8.
///
/// Prometheus checksums both with Go's `crc32.Castagnoli` table; this is the same
/// function (reflected polynomial 0x82F63B78, initial and final XOR 0xFFFFFFFF). Slicing-by-8
/// consumes 8 bytes per step with eight 256-entry tables.
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78
    private static let tableCount = 8

    /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: tableCount * 256)
        for b in 0..<256 {
            var crc = UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            t[b] = crc
        }
        for k in 1..<tableCount {
            for b in 0..<256 {
                let prev = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (prev >> 8) ^ t[Int(prev & 0xff)]
            }
        }
        return t
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// Continues `crc` (a previous result, or 0 to start) over `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        tables.withUnsafeBufferPointer { t in
            var i = 0
            let n = bytes.count
            while i &+ 8 <= n {
                let lo = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i &+ 4, as: UInt32.self))
                c = t[7 &* 256 &+ Int(lo & 0xff)] ^ t[6 &* 256 &+ Int((lo >> 8) & 0xff)]
                    ^ t[5 &* 256 &+ Int((lo >> 16) & 0xff)] ^ t[4 &* 256 &+ Int(lo >> 24)]
                    ^ t[3 &* 256 &+ Int(hi & 0xff)] ^ t[2 &* 256 &+ Int((hi >> 8) & 0xff)]
                    ^ t[1 &* 256 &+ Int((hi >> 16) & 0xff)] ^ t[Int(hi >> 24)]
                i &+= 8
            }
            while i < n {
                c = (c >> 8) ^ t[Int((c ^ UInt32(bytes[i])) & 0xff)]
                i &+= 1
            }
        }
        return ~c
    }
}
