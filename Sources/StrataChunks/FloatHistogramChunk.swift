import StrataModel

/// An appendable native-histogram chunk with float counts, byte-compatible with Prometheus's
/// `chunkenc.FloatHistogramChunk` (`EncFloatHistogram`, encoding byte 3); see
/// `docs/format/chunks.md`.
///
/// Same header and layout as `HistogramChunk`; the first sample writes the timestamp as a varbit
/// and count, zero count, sum and every (absolute) bucket count as raw 64-bit floats, later
/// samples a varbit timestamp delta-of-delta and each of those floats XOR-encoded against its
/// previous value, each field with its own XOR window. Layout changes start a new chunk (see
/// `append`), as for `HistogramChunk`.
public struct FloatHistogramChunk: Sendable {
    /// The most samples the 2-byte count header can describe.
    public static let maxEncodableSamples = Int(UInt16.max)

    var writer: BitWriter
    /// Timestamp of the first sample (valid when `count > 0`).
    public private(set) var minTime: Int64 = 0
    /// Timestamp of the last sample (valid when `count > 0`).
    public private(set) var maxTime: Int64 = 0
    /// Number of samples.
    public private(set) var count = 0

    var layout: HistogramChunkLayout?
    var positiveIndexes: [Int32] = []
    var negativeIndexes: [Int32] = []
    var tDelta: Int64 = 0
    var cnt: Double = 0
    var zCnt: Double = 0
    var sum: Double = 0
    var cntWindow = XORWindow()
    var zCntWindow = XORWindow()
    var sumWindow = XORWindow()
    /// Last sample's absolute bucket counts in the chunk's layout, with their XOR windows.
    var pBuckets: [Double] = []
    var nBuckets: [Double] = []
    var pWindows: [XORWindow] = []
    var nWindows: [XORWindow] = []

    /// Creates an empty chunk with a counter-reset header (the first sample's hint may override
    /// it: `.gauge` and `.counterReset` hints set the matching header).
    public init(header: CounterResetHeader = .unknown) {
        var bytes: [UInt8] = [0, 0, header.rawValue]
        bytes.reserveCapacity(128)
        writer = BitWriter(bytes: bytes)
    }

    /// Resumes appending to existing chunk bytes: decodes and re-encodes every sample, and throws
    /// unless the bytes are a valid float histogram chunk in canonical form.
    public init(bytes: [UInt8]) throws(ChunkError) {
        var it = FloatHistogramIterator(bytes: bytes)
        self.init(header: it.header)
        while let s = it.next() {
            guard case .appended = appendUnchecked(timestamp: s.timestamp, histogram: s.histogram) else {
                throw .corrupt("float histogram chunk sample at \(s.timestamp) does not continue the chunk")
            }
        }
        if let error = it.error { throw error }
        guard writer.bytes == bytes else {
            throw .corrupt("float histogram chunk bytes are not in canonical form (\(bytes.count) bytes, re-encoded \(writer.bytes.count))")
        }
    }

    /// The chunk in Prometheus layout.
    public var bytes: [UInt8] { writer.bytes }

    /// The counter-reset header.
    public var header: CounterResetHeader { CounterResetHeader(flags: writer.bytes[2]) }

    /// True when the count header cannot take another sample.
    public var isFull: Bool { count >= Self.maxEncodableSamples }

    var lastIsStale: Bool { count > 0 && StaleNaN.isStale(sum) }

    /// Appends `h` at `t` when it fits this chunk, following Prometheus's `AppendFloatHistogram`
    /// without re-coding. The caller keeps timestamps increasing.
    public mutating func append(timestamp t: Int64, histogram h: FloatHistogram) -> HistogramAppendResult {
        if !h.isStale {
            if let problem = HistogramBuckets.problem(spans: h.positiveSpans, bucketCount: h.positiveBuckets.count) {
                return .invalid("positive buckets: \(problem)")
            }
            if let problem = HistogramBuckets.problem(spans: h.negativeSpans, bucketCount: h.negativeBuckets.count) {
                return .invalid("negative buckets: \(problem)")
            }
        }
        return appendUnchecked(timestamp: t, histogram: h)
    }

    private mutating func appendUnchecked(timestamp t: Int64, histogram h: FloatHistogram) -> HistogramAppendResult {
        guard count > 0 else {
            if h.counterResetHint == .gauge {
                setHeader(.gauge)
            } else if h.counterResetHint == .counterReset {
                setHeader(.counterReset)
            }
            write(timestamp: t, histogram: h, positive: h.positiveBuckets, negative: h.negativeBuckets)
            return .appended
        }
        let gauge = h.counterResetHint == .gauge
        if isFull { return .newChunkNeeded(gauge ? .gauge : .unknown) }
        switch gauge ? gaugeFit(h) : counterFit(h) {
        case .fits(let positive, let negative):
            write(timestamp: t, histogram: h, positive: positive, negative: negative)
            return .appended
        case .newChunk(let header):
            return .newChunkNeeded(header)
        }
    }

    private enum Verdict {
        case fits(positive: [Double], negative: [Double])
        case newChunk(CounterResetHeader)
    }

    /// Prometheus's `appendable` for float counter histograms, in its order of checks.
    private func counterFit(_ h: FloatHistogram) -> Verdict {
        guard let layout else { return .newChunk(.unknown) }
        if header == .gauge { return .newChunk(.unknown) }
        if h.counterResetHint == .counterReset { return .newChunk(.counterReset) }
        if h.isStale { return .fits(positive: [], negative: []) }
        if lastIsStale { return .newChunk(.unknown) }
        if h.count < cnt { return .newChunk(.counterReset) }
        if h.schema != layout.schema || h.zeroThreshold.bitPattern != layout.zeroThreshold.bitPattern {
            return .newChunk(.unknown)
        }
        if HistogramSchema.isCustom(h.schema) && !HistogramChunk.sameBounds(h.customValues, layout.customValues) {
            return .newChunk(.counterReset)
        }
        if h.zeroCount < zCnt { return .newChunk(.counterReset) }
        return fitBuckets(h, counter: true)
    }

    /// Prometheus's `appendableGauge`, without re-coding.
    private func gaugeFit(_ h: FloatHistogram) -> Verdict {
        guard let layout else { return .newChunk(.gauge) }
        if header != .gauge { return .newChunk(.gauge) }
        if h.isStale { return .fits(positive: [], negative: []) }
        if lastIsStale { return .newChunk(.gauge) }
        if h.schema != layout.schema || h.zeroThreshold.bitPattern != layout.zeroThreshold.bitPattern
            || (HistogramSchema.isCustom(h.schema) && !HistogramChunk.sameBounds(h.customValues, layout.customValues)) {
            return .newChunk(.gauge)
        }
        return fitBuckets(h, counter: false)
    }

    private func fitBuckets(_ h: FloatHistogram, counter: Bool) -> Verdict {
        let positive = HistogramBuckets.fit(
            chunkIndexes: positiveIndexes, chunkValues: pBuckets,
            indexes: HistogramSpan.bucketIndexes(h.positiveSpans), values: h.positiveBuckets, counter: counter)
        let negative = HistogramBuckets.fit(
            chunkIndexes: negativeIndexes, chunkValues: nBuckets,
            indexes: HistogramSpan.bucketIndexes(h.negativeSpans), values: h.negativeBuckets, counter: counter)
        switch (positive, negative) {
        case (.counterReset, _), (_, .counterReset): return .newChunk(.counterReset)
        case (.newBuckets, _), (_, .newBuckets): return .newChunk(counter ? .unknown : .gauge)
        case (.fits(let p), .fits(let n)): return .fits(positive: p, negative: n)
        }
    }

    private mutating func setHeader(_ header: CounterResetHeader) {
        writer.bytes[2] = (writer.bytes[2] & 0x3f) | header.rawValue
    }

    /// Writes one sample whose absolute bucket counts are already in the chunk's layout, exactly
    /// as Prometheus's `appendFloatHistogram`.
    private mutating func write(timestamp t: Int64, histogram h: FloatHistogram, positive: [Double], negative: [Double]) {
        let stale = h.isStale
        let positive = stale ? [] : positive
        let negative = stale ? [] : negative
        let hCount = stale ? 0 : h.count
        let hZeroCount = stale ? 0 : h.zeroCount
        var newTDelta: Int64 = 0
        if count == 0 {
            let l = stale
                ? HistogramChunkLayout(schema: 0, zeroThreshold: 0, positiveSpans: [], negativeSpans: [], customValues: [])
                : HistogramChunkLayout(schema: h.schema, zeroThreshold: h.zeroThreshold, positiveSpans: h.positiveSpans,
                                       negativeSpans: h.negativeSpans,
                                       customValues: HistogramSchema.isCustom(h.schema) ? h.customValues : [])
            l.write(&writer)
            layout = l
            positiveIndexes = HistogramSpan.bucketIndexes(l.positiveSpans)
            negativeIndexes = HistogramSpan.bucketIndexes(l.negativeSpans)
            pBuckets = Array(repeating: 0, count: positiveIndexes.count)
            nBuckets = Array(repeating: 0, count: negativeIndexes.count)
            pWindows = Array(repeating: XORWindow(), count: positiveIndexes.count)
            nWindows = Array(repeating: XORWindow(), count: negativeIndexes.count)
            Varbit.putInt(&writer, t)
            writer.write(hCount.bitPattern, 64)
            writer.write(hZeroCount.bitPattern, 64)
            writer.write(h.sum.bitPattern, 64)
            for b in positive { writer.write(b.bitPattern, 64) }
            for b in negative { writer.write(b.bitPattern, 64) }
            minTime = t
        } else {
            newTDelta = t &- maxTime
            Varbit.putInt(&writer, newTDelta &- tDelta)
            cntWindow.write(&writer, hCount, previous: cnt)
            zCntWindow.write(&writer, hZeroCount, previous: zCnt)
            sumWindow.write(&writer, h.sum, previous: sum)
            for (i, b) in positive.enumerated() { pWindows[i].write(&writer, b, previous: pBuckets[i]) }
            for (i, b) in negative.enumerated() { nWindows[i].write(&writer, b, previous: nBuckets[i]) }
        }
        count += 1
        writer.bytes[0] = UInt8(truncatingIfNeeded: count >> 8)
        writer.bytes[1] = UInt8(truncatingIfNeeded: count)
        maxTime = t
        tDelta = newTDelta
        cnt = hCount
        zCnt = hZeroCount
        sum = h.sum
        for (i, b) in positive.enumerated() { pBuckets[i] = b }
        for (i, b) in negative.enumerated() { nBuckets[i] = b }
    }

    /// An iterator over the samples appended so far.
    public func makeIterator() -> FloatHistogramIterator { FloatHistogramIterator(bytes: bytes) }

    /// The chunk as an `EncodedChunk`.
    public func encoded() -> EncodedChunk {
        EncodedChunk(minTime: minTime, maxTime: maxTime, encoding: .floatHistogram, data: bytes)
    }
}
