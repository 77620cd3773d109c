import StrataModel

/// Decodes the samples of XOR chunk bytes, in stored order (Prometheus `xorIterator`).
///
/// Never traps on bad input: a truncated or inconsistent stream ends iteration and sets `error`.
public struct XORIterator: IteratorProtocol, Sendable {
    @usableFromInline var reader: BitReader
    /// Samples the header promises.
    @usableFromInline let total: Int
    /// Samples decoded so far.
    @usableFromInline var decoded = 0
    @usableFromInline var timestamp: Int64 = 0
    @usableFromInline var valueBits: UInt64 = 0
    @usableFromInline var tDelta: UInt64 = 0
    @usableFromInline var leading: UInt8 = 0
    @usableFromInline var trailing: UInt8 = 0
    /// Whether a '11' control has set the XOR window yet (lets a resumed appender match a fresh one).
    @usableFromInline var windowOpened = false

    /// Why iteration stopped early, or nil.
    public private(set) var error: ChunkError?

    /// Iterates the chunk in `bytes` (including its 2-byte count header).
    public init(bytes: [UInt8]) {
        reader = BitReader(bytes: bytes, offset: XORChunk.headerSize)
        if bytes.count < XORChunk.headerSize {
            total = 0
            error = .corrupt("chunk of \(bytes.count) bytes is shorter than its 2-byte header")
        } else {
            total = Int(bytes[0]) << 8 | Int(bytes[1])
        }
    }

    /// The number of samples the chunk header declares.
    public var declaredCount: Int { total }

    /// The next sample, or nil at the end or on corrupt data (then `error` is set).
    @inlinable
    public mutating func next() -> Sample? {
        guard decoded < total, error == nil else { return nil }
        // Past the first two samples and far from the end of the bytes, the fast path needs
        // no end-of-data checks: one sample is at most 145 bits, so 32 bytes (19 bytes of
        // sample plus an 8-byte load at any position inside it, rounded up) are always there.
        if decoded >= 2 && reader.position &+ Self.fastPathMargin <= reader.bytes.count {
            return nextFast()
        }
        if decoded == 0 {
            guard let t = reader.readVarint(), let v = reader.read(64) else {
                return fail("truncated first sample")
            }
            timestamp = t
            valueBits = v
            decoded = 1
            return Sample(timestamp: t, value: Double(bitPattern: v))
        }
        if decoded == 1 {
            guard let delta = reader.readUvarint() else { return fail("truncated second timestamp") }
            tDelta = delta
        } else {
            guard let dod = readDod() else { return nil }
            tDelta = UInt64(bitPattern: Int64(bitPattern: tDelta) &+ dod)
        }
        timestamp = timestamp &+ Int64(bitPattern: tDelta)
        guard readValue() else { return nil }
        decoded &+= 1
        return Sample(timestamp: timestamp, value: Double(bitPattern: valueBits))
    }

    /// Bytes that must follow `reader.position` for `nextFast()` (see `next()`).
    @usableFromInline static let fastPathMargin = 32

    /// Decodes the third and later samples with the reader's state in locals and unchecked
    /// loads, the same bit fields in the same order as `readDod()` and `readValue()`.
    ///
    /// Written as one function on purpose: the compiler did not inline the `BitReader` calls
    /// of the general path, and a call per bit field cost more than the decoding.
    @inlinable
    mutating func nextFast() -> Sample? {
        var buffer = reader.buffer, available = reader.available, position = reader.position
        var tDelta = self.tDelta, valueBits = self.valueBits
        var leading = self.leading, trailing = self.trailing, windowOpened = self.windowOpened
        var badWindow: (lead: UInt64, significant: Int)? = nil
        reader.bytes.withUnsafeBytes { raw in
            /// Tops the buffer up to at least 57 bits with one unaligned 8-byte load.
            @inline(__always)
            func refill() {
                let word = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                let take = (64 &- available) >> 3
                let drop = UInt64(64 &- take &* 8)
                buffer |= ((word >> drop) << drop) >> UInt64(available)
                available &+= take &* 8
                position &+= take
            }
            /// Reads `n` (1...56) bits.
            @inline(__always)
            func take(_ n: Int) -> UInt64 {
                if available < n { refill() }
                let value = buffer >> UInt64(64 &- n)
                buffer <<= UInt64(n)
                available &-= n
                return value
            }
            /// Reads `n` (1...64) bits as `BitReader.read` splits them.
            @inline(__always)
            func takeWide(_ n: Int) -> UInt64 {
                if n <= 32 { return take(n) }
                let high = take(n &- 32)
                return high << 32 | take(32)
            }

            // Timestamp: up to four '1' bits choose the width of the delta of deltas.
            if available < 4 { refill() }
            let ones = min((~buffer).leadingZeroBitCount, 4)
            buffer <<= UInt64(ones < 4 ? ones &+ 1 : 4)
            available &-= ones < 4 ? ones &+ 1 : 4
            var dod: Int64 = 0
            switch ones {
            case 0: dod = 0
            case 4: dod = Int64(bitPattern: takeWide(64))
            default:
                let width = ones == 1 ? 14 : ones == 2 ? 17 : 20
                let raw = take(width)
                let signed = Int64(bitPattern: raw)
                dod = raw > UInt64(1) << UInt64(width &- 1) ? signed &- (1 << Int64(width)) : signed
            }
            tDelta = UInt64(bitPattern: Int64(bitPattern: tDelta) &+ dod)

            // Value: '0' unchanged, '10' XOR in the current window, '11' new window.
            if take(1) == 0 { return }
            if take(1) == 1 {
                let lead = take(5)
                let sig = take(6)
                let significant = sig == 0 ? 64 : Int(sig)
                guard Int(lead) &+ significant <= 64 else {
                    badWindow = (lead, significant)
                    return
                }
                leading = UInt8(truncatingIfNeeded: lead)
                trailing = UInt8(truncatingIfNeeded: 64 &- Int(lead) &- significant)
                windowOpened = true
            }
            let significant = 64 &- Int(leading) &- Int(trailing)
            valueBits ^= takeWide(significant) << UInt64(trailing)
        }
        reader.buffer = buffer
        reader.available = available
        reader.position = position
        self.leading = leading
        self.trailing = trailing
        self.windowOpened = windowOpened
        self.tDelta = tDelta
        timestamp = timestamp &+ Int64(bitPattern: tDelta)
        if let (lead, significant) = badWindow {
            return fail("value window of \(lead) leading and \(significant) significant bits exceeds 64")
        }
        self.valueBits = valueBits
        decoded &+= 1
        return Sample(timestamp: timestamp, value: Double(bitPattern: valueBits))
    }

    @usableFromInline
    mutating func fail(_ reason: String) -> Sample? {
        error = .corrupt("sample \(decoded) of \(total): \(reason)")
        return nil
    }

    @inlinable @inline(__always)
    mutating func readDod() -> Int64? {
        var prefix = 0
        var width = 0
        while prefix < 4 {
            guard let bit = reader.readBit() else {
                _ = fail("truncated timestamp")
                return nil
            }
            if !bit { break }
            prefix &+= 1
        }
        switch prefix {
        case 0: return 0
        case 1: width = 14
        case 2: width = 17
        case 3: width = 20
        default:
            guard let raw = reader.read(64) else {
                _ = fail("truncated timestamp")
                return nil
            }
            return Int64(bitPattern: raw)
        }
        guard let raw = reader.readSmall(width) else {
            _ = fail("truncated timestamp")
            return nil
        }
        // Negative values come back as large unsigned ones (see `XORChunk.fits`).
        let signed = Int64(bitPattern: raw)
        return raw > UInt64(1) << UInt64(width &- 1) ? signed &- (1 << Int64(width)) : signed
    }

    @inlinable @inline(__always)
    mutating func readValue() -> Bool {
        guard let changed = reader.readBit() else {
            _ = fail("truncated value")
            return false
        }
        if !changed { return true }
        guard let newWindow = reader.readBit() else {
            _ = fail("truncated value")
            return false
        }
        if newWindow {
            guard let lead = reader.readSmall(5), let sig = reader.readSmall(6) else {
                _ = fail("truncated value window")
                return false
            }
            let significant = sig == 0 ? 64 : Int(sig)
            guard Int(lead) &+ significant <= 64 else {
                _ = fail("value window of \(lead) leading and \(significant) significant bits exceeds 64")
                return false
            }
            leading = UInt8(truncatingIfNeeded: lead)
            trailing = UInt8(truncatingIfNeeded: 64 &- Int(lead) &- significant)
            windowOpened = true
        }
        let significant = 64 &- Int(leading) &- Int(trailing)
        guard let bits = reader.read(significant) else {
            _ = fail("truncated value bits")
            return false
        }
        valueBits ^= bits << UInt64(trailing)
        return true
    }
}
