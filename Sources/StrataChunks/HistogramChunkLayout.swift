import StrataModel

/// The counter-reset bits in the third byte of a histogram chunk (Prometheus
/// `CounterResetHeader`, the top two bits of the byte after the sample count).
public enum CounterResetHeader: UInt8, Sendable {
    /// Whether the chunk starts after a counter reset is not known.
    case unknown = 0x00
    /// The chunk's first sample follows a counter reset.
    case counterReset = 0x80
    /// The chunk's first sample is known not to follow a counter reset.
    case notCounterReset = 0x40
    /// The chunk holds gauge histograms only.
    case gauge = 0xc0

    /// The header of a chunk's flag byte (the low six bits are reserved and ignored).
    init(flags: UInt8) {
        self = CounterResetHeader(rawValue: flags & 0xc0) ?? .unknown
    }

    /// The hint a sample read at `position` (0-based) of a chunk with this header carries, as
    /// Prometheus's `counterResetHint`: only gauge chunks and later samples are certain; the first
    /// sample says "unknown" because the previous chunk may have been replaced since.
    func hint(forSampleAt position: Int) -> CounterResetHint {
        if self == .gauge { return .gauge }
        return position > 0 ? .notCounterReset : .unknown
    }
}

/// The bucket layout a histogram chunk fixes with its first sample: schema, zero threshold,
/// spans and, for custom buckets, their bounds (Prometheus `histogram_meta.go`).
struct HistogramChunkLayout: Sendable, Equatable {
    var schema: Int32
    var zeroThreshold: Double
    var positiveSpans: [HistogramSpan]
    var negativeSpans: [HistogramSpan]
    var customValues: [Double]

    /// Most spans or custom bounds a layout may declare: more than the 2-byte sample count could
    /// ever need buckets for, and a bound on what corrupt bytes make the reader allocate.
    static let maxEntries = 1 << 16

    static func == (a: Self, b: Self) -> Bool {
        a.schema == b.schema && a.zeroThreshold.bitPattern == b.zeroThreshold.bitPattern
            && a.positiveSpans == b.positiveSpans && a.negativeSpans == b.negativeSpans
            && a.customValues.count == b.customValues.count
            && zip(a.customValues, b.customValues).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    func write(_ w: inout BitWriter) {
        Self.putZeroThreshold(&w, zeroThreshold)
        Varbit.putInt(&w, Int64(schema))
        Self.putSpans(&w, positiveSpans)
        Self.putSpans(&w, negativeSpans)
        if HistogramSchema.isCustom(schema) {
            Varbit.putUint(&w, UInt64(customValues.count))
            for bound in customValues { Self.putCustomBound(&w, bound) }
        }
    }

    static func read(_ r: inout BitReader) throws(ChunkError) -> HistogramChunkLayout {
        guard let threshold = readZeroThreshold(&r) else { throw .corrupt("truncated zero threshold") }
        guard let schema = Varbit.readInt(&r) else { throw .corrupt("truncated schema") }
        guard schema >= Int64(Int32.min), schema <= Int64(Int32.max) else { throw .corrupt("schema \(schema) out of range") }
        let positive = try readSpans(&r)
        let negative = try readSpans(&r)
        var custom: [Double] = []
        if HistogramSchema.isCustom(Int32(schema)) {
            guard let n = Varbit.readUint(&r) else { throw .corrupt("truncated custom bound count") }
            guard n <= UInt64(maxEntries) else { throw .corrupt("\(n) custom bounds exceed \(maxEntries)") }
            for _ in 0..<Int(n) {
                guard let b = readCustomBound(&r) else { throw .corrupt("truncated custom bound") }
                custom.append(b)
            }
        }
        return HistogramChunkLayout(schema: Int32(schema), zeroThreshold: threshold,
                                    positiveSpans: positive, negativeSpans: negative, customValues: custom)
    }

    private static func putSpans(_ w: inout BitWriter, _ spans: [HistogramSpan]) {
        Varbit.putUint(&w, UInt64(spans.count))
        for s in spans {
            Varbit.putUint(&w, UInt64(s.length))
            Varbit.putInt(&w, Int64(s.offset))
        }
    }

    private static func readSpans(_ r: inout BitReader) throws(ChunkError) -> [HistogramSpan] {
        guard let n = Varbit.readUint(&r) else { throw .corrupt("truncated span count") }
        guard n <= UInt64(maxEntries) else { throw .corrupt("\(n) spans exceed \(maxEntries)") }
        var spans: [HistogramSpan] = []
        spans.reserveCapacity(Int(n))
        var buckets: UInt64 = 0
        for _ in 0..<Int(n) {
            guard let length = Varbit.readUint(&r), let offset = Varbit.readInt(&r) else { throw .corrupt("truncated span") }
            buckets &+= length
            guard length <= UInt64(UInt32.max), buckets <= UInt64(maxEntries),
                  offset >= Int64(Int32.min), offset <= Int64(Int32.max) else {
                throw .corrupt("span (offset \(offset), length \(length)) out of range")
            }
            spans.append(HistogramSpan(offset: Int32(offset), length: UInt32(length)))
        }
        return spans
    }

    /// One byte for 0 and for powers of two 2^-243…2^10 (`243 + exponent` of `0.5·2^e`), else
    /// 255 and the 8 bytes of the float (`putZeroThreshold`).
    private static func putZeroThreshold(_ w: inout BitWriter, _ threshold: Double) {
        if threshold == 0 {  // -0 too, as Go compares
            w.write(0, 8)
            return
        }
        // Go's math.Frexp: threshold = frac · 2^exp with frac in [0.5, 1).
        if threshold.isFinite && threshold > 0 && threshold.significand == 1 {
            let exp = Int(threshold.exponent) + 1
            if exp >= -242 && exp <= 11 {
                w.write(UInt64(exp + 243), 8)
                return
            }
        }
        w.write(255, 8)
        w.write(threshold.bitPattern, 64)
    }

    private static func readZeroThreshold(_ r: inout BitReader) -> Double? {
        guard let b = r.read(8) else { return nil }
        switch b {
        case 0: return 0
        case 255: return r.read(64).map { Double(bitPattern: $0) }
        default: return Double(sign: .plus, exponent: Int(b) - 243 - 1, significand: 1)
        }
    }

    /// Bounds that are multiples of 0.001 in 0…33554.430 as unsigned varbit `bound·1000 + 1`;
    /// others as a varbit 0 and the 8 bytes of the float (`putCustomBound`).
    private static func putCustomBound(_ w: inout BitWriter, _ bound: Double) {
        let scaled = bound * 1000
        if scaled >= 0 && scaled <= 33_554_430 && isWholeWhenMultiplied(bound) {
            Varbit.putUint(&w, UInt64(scaled.rounded()) + 1)
            return
        }
        w.write(0, 1)
        w.write(bound.bitPattern, 64)
    }

    /// Go's `isWholeWhenMultiplied`: the bound survives `round(b·1000)/1000` exactly.
    private static func isWholeWhenMultiplied(_ bound: Double) -> Bool {
        let rounded = (bound * 1000).rounded()
        guard rounded >= 0, rounded < 1.8e19 else { return false }
        return Double(UInt64(rounded)) / 1000 == bound
    }

    private static func readCustomBound(_ r: inout BitReader) -> Double? {
        guard let v = Varbit.readUint(&r) else { return nil }
        if v == 0 { return r.read(64).map { Double(bitPattern: $0) } }
        return Double(v - 1) / 1000
    }
}
