import StrataModel

/// One native histogram sample of the series `ref`, as the WAL logs it.
public struct RefHistogramSample: Sendable, Equatable {
    /// The head's series reference.
    public var ref: UInt64
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    /// The histogram, integer or float counts.
    public var value: HistogramValue

    /// Creates a sample.
    public init(ref: UInt64, timestamp: Int64, value: HistogramValue) {
        self.ref = ref
        self.timestamp = timestamp
        self.value = value
    }

    /// The record type Prometheus logs this sample in: by count kind and custom buckets.
    public var recordType: RecordType {
        switch value {
        case .integer(let h):
            return HistogramSchema.isCustom(h.schema) ? .customBucketsHistogramSamples : .histogramSamples
        case .float(let h):
            return HistogramSchema.isCustom(h.schema) ? .customBucketsFloatHistogramSamples : .floatHistogramSamples
        }
    }
}

extension RecordEncoder {
    /// Appends a histogram samples record of `type` (7, 8, 9 or 10; Prometheus's `tsdb/record`
    /// V1 layout): the type byte, the first sample's ref and timestamp as BE64, then per sample
    /// the varint ref and timestamp deltas from those and the histogram (`docs/format/wal.md`).
    /// Every sample must belong in `type` (`RefHistogramSample.recordType`); samples of another
    /// kind are skipped, so the record never holds a histogram its type does not describe.
    public static func histogramSamples(_ samples: some Collection<RefHistogramSample>, type: RecordType,
                                        into out: inout [UInt8]) {
        out.append(type.rawValue)
        guard let first = samples.first(where: { $0.recordType == type }) else { return }
        Varint.appendBE64(first.ref, to: &out)
        Varint.appendBE64(UInt64(bitPattern: first.timestamp), to: &out)
        for s in samples where s.recordType == type {
            Varint.appendVarint(Int64(bitPattern: s.ref &- first.ref), to: &out)
            Varint.appendVarint(s.timestamp &- first.timestamp, to: &out)
            switch s.value {
            case .integer(let h): encode(h, into: &out)
            case .float(let h): encode(h, into: &out)
            }
        }
    }

    /// Prometheus's `EncodeHistogram`.
    static func encode(_ h: Histogram, into out: inout [UInt8]) {
        out.append(h.counterResetHint.rawValue)
        Varint.appendVarint(Int64(h.schema), to: &out)
        Varint.appendBE64(h.zeroThreshold.bitPattern, to: &out)
        Varint.appendUvarint(h.zeroCount, to: &out)
        Varint.appendUvarint(h.count, to: &out)
        Varint.appendBE64(h.sum.bitPattern, to: &out)
        encode(h.positiveSpans, into: &out)
        encode(h.negativeSpans, into: &out)
        Varint.appendUvarint(UInt64(h.positiveBuckets.count), to: &out)
        for b in h.positiveBuckets { Varint.appendVarint(b, to: &out) }
        Varint.appendUvarint(UInt64(h.negativeBuckets.count), to: &out)
        for b in h.negativeBuckets { Varint.appendVarint(b, to: &out) }
        if HistogramSchema.isCustom(h.schema) { encode(floats: h.customValues, into: &out) }
    }

    /// Prometheus's `EncodeFloatHistogram`.
    static func encode(_ h: FloatHistogram, into out: inout [UInt8]) {
        out.append(h.counterResetHint.rawValue)
        Varint.appendVarint(Int64(h.schema), to: &out)
        Varint.appendBE64(h.zeroThreshold.bitPattern, to: &out)
        Varint.appendBE64(h.zeroCount.bitPattern, to: &out)
        Varint.appendBE64(h.count.bitPattern, to: &out)
        Varint.appendBE64(h.sum.bitPattern, to: &out)
        encode(h.positiveSpans, into: &out)
        encode(h.negativeSpans, into: &out)
        encode(floats: h.positiveBuckets, into: &out)
        encode(floats: h.negativeBuckets, into: &out)
        if HistogramSchema.isCustom(h.schema) { encode(floats: h.customValues, into: &out) }
    }

    private static func encode(_ spans: [HistogramSpan], into out: inout [UInt8]) {
        Varint.appendUvarint(UInt64(spans.count), to: &out)
        for s in spans {
            Varint.appendVarint(Int64(s.offset), to: &out)
            Varint.appendUvarint(UInt64(s.length), to: &out)
        }
    }

    private static func encode(floats: [Double], into out: inout [UInt8]) {
        Varint.appendUvarint(UInt64(floats.count), to: &out)
        for v in floats { Varint.appendBE64(v.bitPattern, to: &out) }
    }
}

extension RecordDecoder {
    /// Decodes a histogram samples record (types 7–10, Prometheus's V1 layout) into `out`.
    ///
    /// Every count is checked against the bytes left before anything is allocated. Histograms
    /// of a schema Strata does not know (neither exponential -4…8 nor custom buckets) are
    /// skipped and counted in `skipped`, as Prometheus skips them with a warning.
    public static func histogramSamples(_ record: UnsafeRawBufferPointer, into out: inout [RefHistogramSample],
                                        skipped: inout Int) throws(RecordError) {
        guard let first = record.first else { throw .corrupt("empty record") }
        guard let type = RecordType(rawValue: first), type.isHistogramSamples else { throw .unknownType(first) }
        var cursor = ByteCursor(record, offset: 1)
        guard cursor.remaining > 0 else { return }
        guard let baseRef = cursor.be64(), let baseTime = cursor.be64() else {
            throw .corrupt("histogram samples record: truncated base ref and timestamp")
        }
        let float = type == .floatHistogramSamples || type == .customBucketsFloatHistogramSamples
        var index = 0
        while cursor.remaining > 0 {
            guard let dref = cursor.varint(), let dtime = cursor.varint() else {
                throw .corrupt("histogram samples record: sample \(index) truncated")
            }
            let value: HistogramValue
            do throws(HistogramDecodeError) {
                value = float ? .float(try decodeFloat(&cursor)) : .integer(try decodeInteger(&cursor))
            } catch {
                throw .corrupt("histogram samples record: sample \(index): \(error.reason)")
            }
            index += 1
            let schema: Int32
            switch value {
            case .integer(let h): schema = h.schema
            case .float(let h): schema = h.schema
            }
            guard HistogramSchema.isCustom(schema)
                    || (HistogramSchema.minExponential...HistogramSchema.maxExponential).contains(schema) else {
                skipped += 1
                continue
            }
            out.append(RefHistogramSample(ref: baseRef &+ UInt64(bitPattern: dref),
                                          timestamp: Int64(bitPattern: baseTime) &+ dtime, value: value))
        }
    }

    private struct HistogramDecodeError: Error {
        let reason: String
    }

    private static func decodeInteger(_ c: inout ByteCursor) throws(HistogramDecodeError) -> Histogram {
        guard let hint = c.byte(), let schema = c.varint(), let zt = c.be64(), let zeroCount = c.uvarint(),
              let count = c.uvarint(), let sum = c.be64() else {
            throw HistogramDecodeError(reason: "truncated header")
        }
        var h = Histogram(counterResetHint: CounterResetHint(rawValue: hint) ?? .unknown,
                          schema: try schema32(schema), zeroThreshold: Double(bitPattern: zt),
                          zeroCount: zeroCount, count: count, sum: Double(bitPattern: sum))
        h.positiveSpans = try spans(&c, "positive")
        h.negativeSpans = try spans(&c, "negative")
        h.positiveBuckets = try deltas(&c, "positive")
        h.negativeBuckets = try deltas(&c, "negative")
        if HistogramSchema.isCustom(h.schema) { h.customValues = try floats(&c, "custom values") }
        return h
    }

    private static func decodeFloat(_ c: inout ByteCursor) throws(HistogramDecodeError) -> FloatHistogram {
        guard let hint = c.byte(), let schema = c.varint(), let zt = c.be64(), let zeroCount = c.be64(),
              let count = c.be64(), let sum = c.be64() else {
            throw HistogramDecodeError(reason: "truncated header")
        }
        var h = FloatHistogram(counterResetHint: CounterResetHint(rawValue: hint) ?? .unknown,
                               schema: try schema32(schema), zeroThreshold: Double(bitPattern: zt),
                               zeroCount: Double(bitPattern: zeroCount), count: Double(bitPattern: count),
                               sum: Double(bitPattern: sum))
        h.positiveSpans = try spans(&c, "positive")
        h.negativeSpans = try spans(&c, "negative")
        h.positiveBuckets = try floats(&c, "positive buckets")
        h.negativeBuckets = try floats(&c, "negative buckets")
        if HistogramSchema.isCustom(h.schema) { h.customValues = try floats(&c, "custom values") }
        return h
    }

    private static func schema32(_ v: Int64) throws(HistogramDecodeError) -> Int32 {
        guard let s = Int32(exactly: v) else { throw HistogramDecodeError(reason: "schema \(v) out of range") }
        return s
    }

    private static func spans(_ c: inout ByteCursor, _ what: String) throws(HistogramDecodeError) -> [HistogramSpan] {
        // A span takes at least 2 bytes (two 1-byte varints).
        guard let n = c.uvarint(), n <= UInt64(c.remaining / 2) else {
            throw HistogramDecodeError(reason: "bad \(what) span count")
        }
        var out: [HistogramSpan] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) {
            guard let offset = c.varint(), let length = c.uvarint(), let o = Int32(exactly: offset),
                  let l = UInt32(exactly: length) else {
                throw HistogramDecodeError(reason: "\(what) span \(i) truncated or out of range")
            }
            out.append(HistogramSpan(offset: o, length: l))
        }
        return out
    }

    private static func deltas(_ c: inout ByteCursor, _ what: String) throws(HistogramDecodeError) -> [Int64] {
        guard let n = c.uvarint(), n <= UInt64(c.remaining) else {
            throw HistogramDecodeError(reason: "bad \(what) bucket count")
        }
        var out: [Int64] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) {
            guard let v = c.varint() else { throw HistogramDecodeError(reason: "\(what) bucket \(i) truncated") }
            out.append(v)
        }
        return out
    }

    private static func floats(_ c: inout ByteCursor, _ what: String) throws(HistogramDecodeError) -> [Double] {
        guard let n = c.uvarint(), n <= UInt64(c.remaining / 8) else {
            throw HistogramDecodeError(reason: "bad \(what) count")
        }
        var out: [Double] = []
        out.reserveCapacity(Int(n))
        for _ in 0..<Int(n) {
            guard let v = c.be64() else { throw HistogramDecodeError(reason: "\(what) truncated") }
            out.append(Double(bitPattern: v))
        }
        return out
    }
}

extension RecordType {
    /// One of Prometheus's four histogram sample record types (7–10).
    public var isHistogramSamples: Bool {
        switch self {
        case .histogramSamples, .floatHistogramSamples, .customBucketsHistogramSamples,
             .customBucketsFloatHistogramSamples:
            return true
        default:
            return false
        }
    }
}
