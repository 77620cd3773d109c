import StrataModel

/// One of the five aggregates a downsampled series keeps per window, in the order Thanos's
/// aggregate chunk stores them.
public enum Aggregate: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// Samples in the window.
    case count = 0
    /// Sum of the window's values.
    case sum = 1
    /// Smallest value of the window.
    case min = 2
    /// Largest value of the window.
    case max = 3
    /// Reset-adjusted running total of a counter, plus the series' first and last raw values.
    case counter = 4

    public var description: String {
        switch self {
        case .count: return "count"
        case .sum: return "sum"
        case .min: return "min"
        case .max: return "max"
        case .counter: return "counter"
        }
    }
}

/// A downsampled chunk: one sub-chunk per aggregate, in Thanos's `AggrChunk` layout, so Thanos
/// and Strata read each other's 5m and 1h blocks. See `docs/format/aggr-chunk.md`.
///
/// Any aggregate may be absent. A float series' chunk has XOR sub-chunks; every present one
/// holds the same window timestamps, except that the counter chunk also starts with the first
/// raw sample of the chunk's range and ends with the last raw value, repeated at the last
/// window's timestamp. A native histogram series' chunk (`isHistogram`) has an XOR `count` and
/// float histogram (encoding 3) `sum` and `counter` sub-chunks, one sample per window each, and
/// no `min` or `max`, as Thanos writes them.
public struct AggrChunk: Sendable, Equatable {
    /// The chunk encoding byte of an aggregate chunk in a block's chunk files (Thanos's
    /// `ChunkEncAggr`, chosen at the top of the byte range to stay clear of Prometheus's).
    public static let encodingByte: UInt8 = 0xff

    /// Sub-chunks by `Aggregate.rawValue`; nil where the aggregate is absent.
    public private(set) var parts: [[UInt8]?]
    /// The encoding of each sub-chunk by `Aggregate.rawValue` (`.xor` or `.floatHistogram`);
    /// nil where the aggregate is absent.
    public private(set) var encodings: [ChunkEncoding?]

    /// A chunk of the given XOR sub-chunks (nil = absent), in `Aggregate` order.
    public init(count: XORChunk?, sum: XORChunk?, min: XORChunk?, max: XORChunk?, counter: XORChunk?) {
        parts = [count?.bytes, sum?.bytes, min?.bytes, max?.bytes, counter?.bytes]
        encodings = parts.map { $0 == nil ? nil : .xor }
    }

    /// A native histogram aggregate chunk as Thanos writes it: the XOR `count` of histograms per
    /// window, the float histogram `sum` and `counter` sub-chunks, no `min` or `max`.
    public init(count: XORChunk?, histogramSum sum: FloatHistogramChunk?, histogramCounter counter: FloatHistogramChunk?) {
        parts = [count?.bytes, sum?.bytes, nil, nil, counter?.bytes]
        encodings = [count == nil ? nil : .xor, sum == nil ? nil : .floatHistogram, nil, nil,
                     counter == nil ? nil : .floatHistogram]
    }

    /// True for a native histogram aggregate chunk: its counter (or, without a counter, its
    /// sum) is a float histogram sub-chunk, as Thanos's `isHistogramAggrChunk` decides.
    public var isHistogram: Bool {
        let decisive = encodings[Aggregate.counter.rawValue] ?? encodings[Aggregate.sum.rawValue]
        return decisive == .floatHistogram
    }

    /// Where the entries of an aggregate chunk's bytes (what follows the encoding byte) hold
    /// their sub-chunks, from `count` through `last`: the byte range and encoding of each
    /// sub-chunk (nil where the aggregate is absent) and the offset after `last`'s entry. Checks
    /// the lengths and the sub-encodings (XOR, or float histogram); decodes no sample.
    static func entries(_ bytes: [UInt8], through last: Aggregate) throws(ChunkError)
        -> (ranges: [Range<Int>?], encodings: [ChunkEncoding?], end: Int) {
        var ranges: [Range<Int>?] = []
        var encodings: [ChunkEncoding?] = []
        ranges.reserveCapacity(last.rawValue + 1)
        var i = 0
        for aggregate in Aggregate.allCases.prefix(last.rawValue + 1) {
            var reader = BitReader(bytes: bytes, offset: i)
            guard let length = reader.readUvarint() else {
                throw .corrupt("aggregate chunk: \(aggregate) entry length unreadable at byte \(i)")
            }
            // Whole bytes were read, so the bit position is a byte boundary.
            i = reader.bitsConsumed / 8
            if length == 0 {
                ranges.append(nil)
                encodings.append(nil)
                continue
            }
            // The length counts the sub-chunk's data; its encoding byte comes first, outside it.
            guard length < UInt64(bytes.count), UInt64(bytes.count - i) >= length + 1 else {
                throw .corrupt("aggregate chunk: \(aggregate) entry of \(length) bytes runs past the end (\(bytes.count - i) left)")
            }
            guard bytes[i] == ChunkEncoding.xor.rawValue || bytes[i] == ChunkEncoding.floatHistogram.rawValue else {
                throw .corrupt("aggregate chunk: \(aggregate) has encoding \(bytes[i]), only XOR (1) and float histogram (3) are read")
            }
            encodings.append(bytes[i] == ChunkEncoding.xor.rawValue ? .xor : .floatHistogram)
            ranges.append((i + 1)..<(i + 1 + Int(length)))
            i += 1 + Int(length)
        }
        return (ranges, encodings, i)
    }

    /// The XOR sub-chunk of `aggregate` in the bytes of an aggregate chunk (what follows the
    /// encoding byte), found by walking the entry lengths without decoding any sample: the query
    /// path reads one aggregate of each chunk. Nil when the aggregate is absent; throws when the
    /// entries up to it are malformed. The sub-chunk's samples are checked when they are read.
    public static func subChunk(_ aggregate: Aggregate, in bytes: [UInt8]) throws(ChunkError) -> [UInt8]? {
        try encodedSubChunk(aggregate, in: bytes)?.data
    }

    /// `subChunk(_:in:)` with the sub-chunk's encoding (`.xor` or `.floatHistogram`).
    public static func encodedSubChunk(_ aggregate: Aggregate, in bytes: [UInt8]) throws(ChunkError)
        -> (encoding: ChunkEncoding, data: [UInt8])? {
        let found = try entries(bytes, through: aggregate)
        guard let range = found.ranges[aggregate.rawValue], let encoding = found.encodings[aggregate.rawValue] else { return nil }
        return (encoding, Array(bytes[range]))
    }

    /// Parses the bytes that follow the encoding byte in a chunk file; throws when they are not
    /// five well-formed entries with XOR or float histogram sub-chunks that decode, and nothing
    /// after them.
    public init(bytes: [UInt8]) throws(ChunkError) {
        let (ranges, encodings, end) = try Self.entries(bytes, through: .counter)
        guard end == bytes.count else {
            throw .corrupt("aggregate chunk: \(bytes.count - end) unexpected bytes after the five entries")
        }
        var parts: [[UInt8]?] = []
        parts.reserveCapacity(ranges.count)
        for (aggregate, range) in zip(Aggregate.allCases, ranges) {
            guard let range else {
                parts.append(nil)
                continue
            }
            let data = Array(bytes[range])
            if encodings[aggregate.rawValue] == .floatHistogram {
                var samples = FloatHistogramIterator(bytes: data)
                while samples.next() != nil {}
                if let error = samples.error { throw .corrupt("aggregate chunk: \(aggregate): \(error)") }
            } else {
                var samples = XORIterator(bytes: data)
                while samples.next() != nil {}
                if let error = samples.error { throw .corrupt("aggregate chunk: \(aggregate): \(error)") }
            }
            parts.append(data)
        }
        self.parts = parts
        self.encodings = encodings
    }

    /// The bytes that follow the encoding byte in a chunk file.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(5) { $0 + ($1?.count ?? 0) + 3 })
        for (part, encoding) in zip(parts, encodings) {
            guard let part else {
                out.append(0)
                continue
            }
            Self.appendUvarint(UInt64(part.count), to: &out)
            out.append((encoding ?? .xor).rawValue)
            out.append(contentsOf: part)
        }
        return out
    }

    /// The sub-chunk bytes of `aggregate` (see `encodings` for their encoding), or nil when the
    /// chunk does not have it.
    public func bytes(of aggregate: Aggregate) -> [UInt8]? {
        parts[aggregate.rawValue]
    }

    /// The float samples of `aggregate` (empty when absent or a float histogram sub-chunk).
    public func samples(of aggregate: Aggregate) -> [Sample] {
        guard let data = parts[aggregate.rawValue], encodings[aggregate.rawValue] == .xor else { return [] }
        var it = XORIterator(bytes: data)
        var out: [Sample] = []
        while let s = it.next() { out.append(s) }
        return out
    }

    /// The histogram samples of `aggregate` (empty when absent or an XOR sub-chunk).
    public func histogramSamples(of aggregate: Aggregate) -> [FloatHistogramSample] {
        guard let data = parts[aggregate.rawValue], encodings[aggregate.rawValue] == .floatHistogram else { return [] }
        var it = FloatHistogramIterator(bytes: data)
        var out: [FloatHistogramSample] = []
        while let s = it.next() { out.append(s) }
        return out
    }

    /// Windows in the chunk: the count aggregate's samples, as Thanos counts them.
    public var windowCount: Int {
        guard let count = parts[Aggregate.count.rawValue], count.count >= 2 else { return 0 }
        return Int(count[0]) << 8 | Int(count[1])
    }

    static func appendUvarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
