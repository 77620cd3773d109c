import StrataModel

/// An appendable Gorilla/XOR float chunk in Prometheus's `chunkenc.XORChunk` format: Prometheus
/// decodes it, though the encoder chooses XOR windows more tightly (see `writeValue`).
///
/// `bytes` is always the exact Prometheus layout (2-byte big-endian sample count, then the bit
/// stream), so it can be handed to blocks, the wire and queries at any moment. The appender state
/// (last timestamp, delta, XOR window, free bits of the last byte) is kept alongside, so an append
/// costs O(1) bit writes and never re-reads the stream. See `docs/format/chunks.md`.
public struct XORChunk: Sendable {
    /// Prometheus's samples per chunk: the head's default cut (`HeadOptions.samplesPerChunk`).
    public static let maxSamples = 120
    /// The most samples the 2-byte count header can describe; appends beyond it are dropped.
    public static let maxEncodableSamples = Int(UInt16.max)
    /// Initial byte capacity (Prometheus allocates the same).
    static let initialCapacity = 128
    /// Spare capacity `compact()` tolerates (Prometheus's `chunkCompactCapacityThreshold`).
    static let compactSlack = 32
    /// Bytes of the sample-count header.
    static let headerSize = 2
    /// Bits a new XOR window's header costs beyond reusing the previous one: 5 for the leading
    /// zeros, 6 for the significant-bit count.
    static let windowHeaderBits = 11
    /// `leading` value meaning "no XOR window written yet" (Prometheus uses the same sentinel).
    static let noWindow: UInt8 = 0xff

    /// The chunk in Prometheus layout.
    public private(set) var bytes: [UInt8]
    /// Number of samples.
    public var count: Int { Int(sampleCount) }
    /// Timestamp of the first sample (valid when `count > 0`).
    public private(set) var minTime: Int64
    /// Timestamp of the last sample (valid when `count > 0`).
    public private(set) var maxTime: Int64
    /// Value of the last sample (valid when `count > 0`).
    public private(set) var lastValue: Double

    /// The previous timestamp delta, as Prometheus keeps it (unsigned, wrapping).
    var tDelta: UInt64
    // Narrow stored fields keep the struct at 48 bytes: the head holds one per series.
    /// Number of samples, as the header stores it.
    var sampleCount: UInt16
    /// Unused low bits of the last byte of `bytes` (0 when the stream ends on a byte boundary).
    var bitsFree: UInt8
    /// Leading zeros of the current XOR window, or `noWindow`.
    var leading: UInt8
    /// Trailing zeros of the current XOR window.
    var trailing: UInt8

    /// Creates an empty, appendable chunk.
    public init() {
        bytes = [0, 0]
        bytes.reserveCapacity(Self.initialCapacity)
        sampleCount = 0
        minTime = 0
        maxTime = 0
        lastValue = 0
        bitsFree = 0
        tDelta = 0
        leading = Self.noWindow
        trailing = 0
    }

    /// Resumes appending to existing chunk bytes: decodes every sample to restore the appender
    /// state, and throws if the bytes are not a valid XOR chunk.
    ///
    /// Unlike Prometheus's `Appender()`, a chunk that has not opened an XOR window yet resumes
    /// with none, so appending after a resume yields exactly the bytes an uninterrupted appender
    /// would have written (Prometheus reads both forms).
    public init(bytes: [UInt8]) throws(ChunkError) {
        var it = XORIterator(bytes: bytes)
        var n = 0
        var first: Int64 = 0
        while let s = it.next() {
            if n == 0 { first = s.timestamp }
            n += 1
        }
        if let error = it.error { throw error }
        let usedBits = it.reader.bitsConsumed
        let usedBytes = (usedBits + 7) / 8
        guard usedBytes <= bytes.count else { throw .corrupt("stream shorter than its samples") }
        if usedBytes < bytes.count {
            throw .corrupt("\(bytes.count - usedBytes) unexpected bytes after the last of \(n) samples")
        }
        var trimmed = bytes
        let free = usedBytes * 8 - usedBits
        if free > 0 {
            // Clear bits past the stream's end so later appends can OR into the last byte.
            trimmed[usedBytes - 1] &= ~UInt8(truncatingIfNeeded: (1 << free) - 1)
        }
        self.bytes = trimmed
        sampleCount = UInt16(truncatingIfNeeded: n)
        minTime = first
        maxTime = it.timestamp
        lastValue = Double(bitPattern: it.valueBits)
        bitsFree = UInt8(truncatingIfNeeded: free)
        tDelta = it.tDelta
        leading = it.windowOpened ? it.leading : Self.noWindow
        trailing = it.trailing
    }

    /// True when the count header cannot take another sample.
    public var isFull: Bool { count >= Self.maxEncodableSamples }

    /// Appends a sample. The caller keeps timestamps increasing (the head rejects others); the
    /// format still encodes any order. Appends to a full chunk (`isFull`) are dropped.
    public mutating func append(timestamp t: Int64, value v: Double) {
        if count >= Self.maxEncodableSamples { return }
        let bits = v.bitPattern
        var newDelta: UInt64 = 0
        switch count {
        case 0:
            writeUvarint(zigzagEncode(t))
            writeBits(bits, 64)
            minTime = t
        case 1:
            newDelta = UInt64(bitPattern: t &- maxTime)
            writeUvarint(newDelta)
            writeValue(bits)
        default:
            newDelta = UInt64(bitPattern: t &- maxTime)
            let dod = Int64(bitPattern: newDelta &- tDelta)
            if dod == 0 {
                writeBits(0, 1)
            } else if Self.fits(dod, 14) {
                writeBits(0b10, 2)
                writeBits(UInt64(bitPattern: dod), 14)
            } else if Self.fits(dod, 17) {
                writeBits(0b110, 3)
                writeBits(UInt64(bitPattern: dod), 17)
            } else if Self.fits(dod, 20) {
                writeBits(0b1110, 4)
                writeBits(UInt64(bitPattern: dod), 20)
            } else {
                writeBits(0b1111, 4)
                writeBits(UInt64(bitPattern: dod), 64)
            }
            writeValue(bits)
        }
        maxTime = t
        lastValue = v
        tDelta = newDelta
        sampleCount &+= 1
        bytes[0] = UInt8(truncatingIfNeeded: sampleCount >> 8)
        bytes[1] = UInt8(truncatingIfNeeded: sampleCount)
    }

    /// Releases spare capacity of `bytes` (as Prometheus's `Compact`), for chunks that will not
    /// grow much more, e.g. when the head cuts them.
    public mutating func compact() {
        if bytes.capacity > bytes.count + Self.compactSlack {
            let source = bytes
            bytes = [UInt8](unsafeUninitializedCapacity: source.count) { buffer, initialized in
                initialized = buffer.initialize(fromContentsOf: source)
            }
        }
    }

    /// Prometheus `bitRange`: whether `x` is in the asymmetric range an `n`-bit dod bucket holds.
    @inline(__always)
    static func fits(_ x: Int64, _ n: Int64) -> Bool {
        let half: Int64 = 1 << (n - 1)
        return -(half - 1) <= x && x <= half
    }

    @inline(__always)
    mutating func writeValue(_ bits: UInt64) {
        let delta = bits ^ lastValue.bitPattern
        if delta == 0 {
            writeBits(0, 1)
            return
        }
        // Clamped to 31 because the field is 5 bits wide.
        let lead = UInt8(min(delta.leadingZeroBitCount, 31))
        let trail = UInt8(delta.trailingZeroBitCount)
        // Prometheus reuses the previous window whenever the XOR fits in it, so a window widened by
        // one outlier costs its full width for the rest of the chunk. A new window is opened
        // instead when it is narrower by more than the bits its header costs; the control bits
        // tell every decoder (Prometheus's too) which was chosen, so the samples read back the same.
        if leading != Self.noWindow && lead >= leading && trail >= trailing
            && Int(lead) + Int(trail) - Int(leading) - Int(trailing) <= Self.windowHeaderBits {
            writeBits(0b10, 2)
            writeBits(delta >> UInt64(trailing), 64 - Int(leading) - Int(trailing))
        } else {
            leading = lead
            trailing = trail
            let significant = 64 - Int(lead) - Int(trail)
            // 64 significant bits do not fit in 6 bits; they are written as 0 (never a real width).
            writeBits(0b11, 2)
            writeBits(UInt64(lead), 5)
            writeBits(UInt64(significant & 0x3f), 6)
            writeBits(delta >> UInt64(trail), significant)
        }
    }

    @inline(__always)
    mutating func writeUvarint(_ value: UInt64) {
        var x = value
        while x >= 0x80 {
            writeBits(x & 0x7f | 0x80, 8)
            x >>= 7
        }
        writeBits(x, 8)
    }

    /// Writes the low `n` bits (1...64) of `value`, MSB first.
    @inline(__always)
    mutating func writeBits(_ value: UInt64, _ n: Int) {
        var remaining = n
        var free = Int(bitsFree)
        while remaining > 0 {
            if free == 0 {
                bytes.append(0)
                free = 8
            }
            let k = min(free, remaining)
            let part = UInt8(truncatingIfNeeded: value >> UInt64(remaining - k)) & UInt8(truncatingIfNeeded: (1 << k) - 1)
            bytes[bytes.count - 1] |= part << UInt8(free - k)
            free -= k
            remaining -= k
        }
        bitsFree = UInt8(truncatingIfNeeded: free)
    }

    /// An iterator over the samples appended so far.
    public func makeIterator() -> XORIterator { XORIterator(bytes: bytes) }

    /// The chunk as an `EncodedChunk` (copy-on-write shares the bytes).
    public func encoded() -> EncodedChunk {
        EncodedChunk(minTime: minTime, maxTime: maxTime, encoding: .xor, data: bytes)
    }
}
