/// Incremental xxHash64 over a label set's bytes: each string followed by a 0xff separator.
///
/// 0xff never occurs in valid UTF-8, so `a=bc` and `ab=c` hash differently. The wire decoder and
/// the head both hash through this type, which is what lets a decoded series be looked up by its
/// raw bytes.
public struct LabelsHasher {
    private static let p1: UInt64 = 11_400_714_785_074_694_791
    private static let p2: UInt64 = 14_029_467_366_897_019_727
    private static let p3: UInt64 = 1_609_587_929_392_839_161
    private static let p4: UInt64 = 9_650_029_242_287_828_579
    private static let p5: UInt64 = 2_870_177_450_012_600_261

    private var v1: UInt64 = 0 &+ LabelsHasher.p1 &+ LabelsHasher.p2
    private var v2: UInt64 = LabelsHasher.p2
    private var v3: UInt64 = 0
    private var v4: UInt64 = 0 &- LabelsHasher.p1
    private var total: UInt64 = 0
    /// Pending bytes that do not yet fill a 32-byte stripe.
    private var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var buffered = 0

    /// Creates a hasher with seed 0.
    public init() {}

    /// Adds a string and the separator.
    @inlinable
    public mutating func add(_ s: String) {
        var s = s
        s.withUTF8 { add(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Adds raw bytes and the separator.
    ///
    /// Whole 32-byte stripes are consumed straight from `bytes`; only the remainder goes through
    /// the pending buffer.
    public mutating func add(bytes: UnsafeRawBufferPointer) {
        var offset = 0
        let count = bytes.count
        // Top up a partially filled stripe first.
        if buffered > 0 {
            let take = Swift.min(32 - buffered, count)
            copyToBuffer(bytes, from: 0, count: take)
            offset = take
            if buffered == 32 { consumeBuffer() }
        }
        if let base = bytes.baseAddress {
            while count - offset >= 32 {
                let p = base + offset
                v1 = Self.round(v1, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
                v2 = Self.round(v2, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
                v3 = Self.round(v3, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
                v4 = Self.round(v4, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
                total &+= 32
                offset += 32
            }
        }
        if offset < count { copyToBuffer(bytes, from: offset, count: count - offset) }
        push(0xff)
    }

    @inline(__always)
    private mutating func copyToBuffer(_ bytes: UnsafeRawBufferPointer, from: Int, count: Int) {
        guard count > 0, let src = bytes.baseAddress else { return }
        let start = buffered
        withUnsafeMutableBytes(of: &buffer) { dst in
            // Label names and values are mostly short: a byte loop beats a memmove call there.
            if count <= 16 {
                for i in 0..<count { dst[start + i] = src.load(fromByteOffset: from + i, as: UInt8.self) }
            } else {
                dst.baseAddress.map { ($0 + start).copyMemory(from: src + from, byteCount: count) }
            }
        }
        buffered += count
    }

    @inline(__always)
    private mutating func consumeBuffer() {
        let (a, b, c, d) = buffer
        v1 = Self.round(v1, UInt64(littleEndian: a))
        v2 = Self.round(v2, UInt64(littleEndian: b))
        v3 = Self.round(v3, UInt64(littleEndian: c))
        v4 = Self.round(v4, UInt64(littleEndian: d))
        buffered = 0
        total &+= 32
    }

    @inline(__always)
    private mutating func push(_ byte: UInt8) {
        withUnsafeMutableBytes(of: &buffer) { $0[buffered] = byte }
        buffered += 1
        if buffered == 32 { consumeBuffer() }
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always)
    private static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    /// The final hash.
    public func finish() -> UInt64 {
        var h: UInt64
        let length = total &+ UInt64(buffered)
        if total >= 32 {
            h = Self.rotl(v1, 1) &+ Self.rotl(v2, 7) &+ Self.rotl(v3, 12) &+ Self.rotl(v4, 18)
            h = Self.merge(h, v1)
            h = Self.merge(h, v2)
            h = Self.merge(h, v3)
            h = Self.merge(h, v4)
        } else {
            h = Self.p5
        }
        h &+= length
        var buf = buffer
        let n = buffered
        withUnsafeBytes(of: &buf) { raw in
            var i = 0
            while i + 8 <= n {
                let k = Self.round(0, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian)
                h = Self.rotl(h ^ k, 27) &* Self.p1 &+ Self.p4
                i += 8
            }
            if i + 4 <= n {
                let k = UInt64(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian)
                h = Self.rotl(h ^ (k &* Self.p1), 23) &* Self.p2 &+ Self.p3
                i += 4
            }
            while i < n {
                h = Self.rotl(h ^ (UInt64(raw[i]) &* Self.p5), 11) &* Self.p1
                i += 1
            }
        }
        h ^= h >> 33
        h &*= Self.p2
        h ^= h >> 29
        h &*= Self.p3
        h ^= h >> 32
        return h
    }
}
