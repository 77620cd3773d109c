import StrataModel

/// An appendable native-histogram chunk with integer counts, byte-compatible with Prometheus's
/// `chunkenc.HistogramChunk` (`EncHistogram`, encoding byte 2); see `docs/format/chunks.md`.
///
/// Layout: a 2-byte big-endian sample count, one flag byte whose top two bits are the
/// `CounterResetHeader`, then a bit stream: the bucket layout (zero threshold, schema, spans,
/// custom bounds) once, the first sample in full, and every later sample as varbit
/// delta-of-deltas of the timestamp, count, zero count and each bucket, with the sum XOR-encoded.
/// The encoder makes exactly Prometheus's choices, so the bytes are identical to Prometheus's for
/// the same samples.
///
/// A histogram whose layout differs from the chunk's is not re-coded into it (as Prometheus can);
/// `append` reports `.newChunkNeeded` instead. A histogram using a subset of the chunk's buckets
/// is stored in the chunk's layout with the missing buckets empty, as Prometheus does.
public struct HistogramChunk: Sendable {
    /// Bytes before the bit stream: sample count and flags.
    static let headerSize = 3
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
    var cnt: UInt64 = 0
    var zCnt: UInt64 = 0
    var cntDelta: Int64 = 0
    var zCntDelta: Int64 = 0
    /// Last sample's buckets, delta-encoded within the histogram, in the chunk's layout.
    var pBuckets: [Int64] = []
    var nBuckets: [Int64] = []
    var pBucketsDelta: [Int64] = []
    var nBucketsDelta: [Int64] = []
    var sum: Double = 0
    var sumWindow = XORWindow()

    /// Creates an empty chunk with a counter-reset header (the first sample's hint may override
    /// it: `.gauge` and `.counterReset` hints set the matching header).
    public init(header: CounterResetHeader = .unknown) {
        var bytes: [UInt8] = [0, 0, header.rawValue]
        bytes.reserveCapacity(128)
        writer = BitWriter(bytes: bytes)
    }

    /// Resumes appending to existing chunk bytes: decodes and re-encodes every sample, and throws
    /// unless the bytes are a valid histogram chunk in the form this encoder (and Prometheus's)
    /// writes.
    public init(bytes: [UInt8]) throws(ChunkError) {
        var it = HistogramIterator(bytes: bytes)
        self.init(header: it.header)
        while let s = it.next() {
            guard case .appended = appendUnchecked(timestamp: s.timestamp, histogram: s.histogram) else {
                throw .corrupt("histogram chunk sample at \(s.timestamp) does not continue the chunk")
            }
        }
        if let error = it.error { throw error }
        guard writer.bytes == bytes else {
            throw .corrupt("histogram chunk bytes are not in canonical form (\(bytes.count) bytes, re-encoded \(writer.bytes.count))")
        }
    }

    /// The chunk in Prometheus layout.
    public var bytes: [UInt8] { writer.bytes }

    /// The counter-reset header.
    public var header: CounterResetHeader { CounterResetHeader(flags: writer.bytes[2]) }

    /// True when the count header cannot take another sample.
    public var isFull: Bool { count >= Self.maxEncodableSamples }

    /// Whether the last sample is a staleness marker (then only stale markers may follow).
    var lastIsStale: Bool { count > 0 && StaleNaN.isStale(sum) }

    /// Appends `h` at `t` when it fits this chunk, following Prometheus's `AppendHistogram`
    /// without re-coding. The caller keeps timestamps increasing.
    public mutating func append(timestamp t: Int64, histogram h: Histogram) -> HistogramAppendResult {
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

    private mutating func appendUnchecked(timestamp t: Int64, histogram h: Histogram) -> HistogramAppendResult {
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
        let verdict = gauge ? gaugeFit(h) : counterFit(h)
        switch verdict {
        case .fits(let positive, let negative):
            write(timestamp: t, histogram: h, positive: positive, negative: negative)
            return .appended
        case .newChunk(let header):
            return .newChunkNeeded(header)
        }
    }

    private enum Verdict {
        case fits(positive: [Int64], negative: [Int64])
        case newChunk(CounterResetHeader)
    }

    /// Prometheus's `appendable` for counter histograms, in its order of checks.
    private func counterFit(_ h: Histogram) -> Verdict {
        guard let layout else { return .newChunk(.unknown) }
        if header == .gauge { return .newChunk(.unknown) }
        if h.counterResetHint == .counterReset { return .newChunk(.counterReset) }
        if h.isStale { return .fits(positive: [], negative: []) }
        if lastIsStale { return .newChunk(.unknown) }
        if h.count < cnt { return .newChunk(.counterReset) }
        if h.schema != layout.schema || h.zeroThreshold.bitPattern != layout.zeroThreshold.bitPattern {
            return .newChunk(.unknown)
        }
        if HistogramSchema.isCustom(h.schema) && !Self.sameBounds(h.customValues, layout.customValues) {
            return .newChunk(.counterReset)
        }
        if h.zeroCount < zCnt { return .newChunk(.counterReset) }
        return fitBuckets(h, counter: true)
    }

    /// Prometheus's `appendableGauge`, without re-coding.
    private func gaugeFit(_ h: Histogram) -> Verdict {
        guard let layout else { return .newChunk(.gauge) }
        if header != .gauge { return .newChunk(.gauge) }
        if h.isStale { return .fits(positive: [], negative: []) }
        if lastIsStale { return .newChunk(.gauge) }
        if h.schema != layout.schema || h.zeroThreshold.bitPattern != layout.zeroThreshold.bitPattern
            || (HistogramSchema.isCustom(h.schema) && !Self.sameBounds(h.customValues, layout.customValues)) {
            return .newChunk(.gauge)
        }
        return fitBuckets(h, counter: false)
    }

    private func fitBuckets(_ h: Histogram, counter: Bool) -> Verdict {
        let miss: CounterResetHeader = counter ? .unknown : .gauge
        let positive = HistogramBuckets.fit(
            chunkIndexes: positiveIndexes, chunkValues: Histogram.absolute(pBuckets),
            indexes: HistogramSpan.bucketIndexes(h.positiveSpans), values: Histogram.absolute(h.positiveBuckets), counter: counter)
        let negative = HistogramBuckets.fit(
            chunkIndexes: negativeIndexes, chunkValues: Histogram.absolute(nBuckets),
            indexes: HistogramSpan.bucketIndexes(h.negativeSpans), values: Histogram.absolute(h.negativeBuckets), counter: counter)
        switch (positive, negative) {
        case (.counterReset, _), (_, .counterReset): return .newChunk(.counterReset)
        case (.newBuckets, _), (_, .newBuckets): return .newChunk(miss)
        case (.fits(let p), .fits(let n)): return .fits(positive: Histogram.deltas(p), negative: Histogram.deltas(n))
        }
    }

    static func sameBounds(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
    }

    private mutating func setHeader(_ header: CounterResetHeader) {
        writer.bytes[2] = (writer.bytes[2] & 0x3f) | header.rawValue
    }

    /// Writes one sample whose buckets (`positive`, `negative`: delta-encoded) are already in the
    /// chunk's layout, exactly as Prometheus's `appendHistogram`.
    private mutating func write(timestamp t: Int64, histogram h: Histogram, positive: [Int64], negative: [Int64]) {
        let stale = h.isStale
        // A stale marker carries no buckets and, opening a chunk, an empty layout.
        let positive = stale ? [] : positive
        let negative = stale ? [] : negative
        let hCount: UInt64 = stale ? 0 : h.count
        let hZeroCount: UInt64 = stale ? 0 : h.zeroCount
        var newTDelta: Int64 = 0, newCntDelta: Int64 = 0, newZCntDelta: Int64 = 0
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
            pBucketsDelta = pBuckets
            nBucketsDelta = nBuckets
            Varbit.putInt(&writer, t)
            Varbit.putUint(&writer, hCount)
            Varbit.putUint(&writer, hZeroCount)
            writer.write(h.sum.bitPattern, 64)
            for b in positive { Varbit.putInt(&writer, b) }
            for b in negative { Varbit.putInt(&writer, b) }
            minTime = t
        } else {
            newTDelta = t &- maxTime
            newCntDelta = Int64(bitPattern: hCount &- cnt)
            newZCntDelta = Int64(bitPattern: hZeroCount &- zCnt)
            var cntDod = newCntDelta &- cntDelta
            var zCntDod = newZCntDelta &- zCntDelta
            if stale {
                cntDod = 0
                zCntDod = 0
            }
            Varbit.putInt(&writer, newTDelta &- tDelta)
            Varbit.putInt(&writer, cntDod)
            Varbit.putInt(&writer, zCntDod)
            sumWindow.write(&writer, h.sum, previous: sum)
            for (i, b) in positive.enumerated() {
                let delta = b &- pBuckets[i]
                Varbit.putInt(&writer, delta &- pBucketsDelta[i])
                pBucketsDelta[i] = delta
            }
            for (i, b) in negative.enumerated() {
                let delta = b &- nBuckets[i]
                Varbit.putInt(&writer, delta &- nBucketsDelta[i])
                nBucketsDelta[i] = delta
            }
        }
        count += 1
        writer.bytes[0] = UInt8(truncatingIfNeeded: count >> 8)
        writer.bytes[1] = UInt8(truncatingIfNeeded: count)
        maxTime = t
        cnt = hCount
        zCnt = hZeroCount
        tDelta = newTDelta
        cntDelta = newCntDelta
        zCntDelta = newZCntDelta
        for (i, b) in positive.enumerated() { pBuckets[i] = b }
        for (i, b) in negative.enumerated() { nBuckets[i] = b }
        sum = h.sum
    }

    /// An iterator over the samples appended so far.
    public func makeIterator() -> HistogramIterator { HistogramIterator(bytes: bytes) }

    /// The chunk as an `EncodedChunk`.
    public func encoded() -> EncodedChunk {
        EncodedChunk(minTime: minTime, maxTime: maxTime, encoding: .histogram, data: bytes)
    }
}
