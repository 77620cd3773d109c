import StrataModel

/// Builds the float histogram sub-chunk (`sum` or `counter`) of a native histogram aggregate
/// chunk the way Thanos's compactor appends to it (Prometheus's `AppendFloatHistogram` with the
/// appender itself as `prev`), so that one sub-chunk holds every window of the aggregate chunk.
///
/// * The header: `gauge` for a gauge histogram, `counterReset` when the first histogram's hint
///   says so, otherwise `notCounterReset` (Prometheus compares the first histogram with itself).
/// * A histogram with buckets the chunk's layout lacks makes the chunk be encoded again with the
///   wider layout, the earlier histograms getting empty buckets there (Prometheus's recoding):
///   the histogram's own spans when they cover the old layout, else the union of both.
/// * Anything else the chunk cannot take (a fall of a counter, a new schema or zero bucket) is
///   refused: `append` returns false and nothing changes, and the caller starts a new
///   aggregate chunk (Thanos would replace the sub-chunk and lose the windows before it).
public struct HistogramAggregateEncoder: Sendable {
    /// The sub-chunk so far; nil before the first histogram.
    public private(set) var chunk: FloatHistogramChunk?
    /// The histograms appended, as given.
    private var appended: [FloatHistogramSample] = []
    private var header: CounterResetHeader = .notCounterReset
    private var positiveSpans: [HistogramSpan] = []
    private var negativeSpans: [HistogramSpan] = []

    /// An empty encoder.
    public init() {}

    /// Windows in the sub-chunk.
    public var count: Int { appended.count }

    /// Appends `h` at `t` (after every earlier timestamp); false, with nothing changed, when the
    /// sub-chunk cannot take it.
    public mutating func append(timestamp t: Int64, histogram h: FloatHistogram) -> Bool {
        guard var current = chunk else {
            let header: CounterResetHeader = h.counterResetHint == .gauge ? .gauge
                : h.counterResetHint == .counterReset ? .counterReset : .notCounterReset
            var first = FloatHistogramChunk(header: header)
            guard case .appended = first.append(timestamp: t, histogram: h) else { return false }
            chunk = first
            self.header = header
            positiveSpans = h.positiveSpans
            negativeSpans = h.negativeSpans
            appended = [FloatHistogramSample(timestamp: t, histogram: h)]
            return true
        }
        var newPositive = positiveSpans, newNegative = negativeSpans
        if !h.isStale, let layout = appended.first?.histogram, h.schema == layout.schema,
           h.zeroThreshold.bitPattern == layout.zeroThreshold.bitPattern {
            newPositive = Self.widened(positiveSpans, by: h.positiveSpans)
            newNegative = Self.widened(negativeSpans, by: h.negativeSpans)
        }
        if newPositive != positiveSpans || newNegative != negativeSpans {
            guard let recoded = Self.encode(appended, header: header, positive: newPositive, negative: newNegative) else {
                return false
            }
            current = recoded
        }
        guard case .appended = current.append(timestamp: t, histogram: h) else { return false }
        chunk = current
        positiveSpans = newPositive
        negativeSpans = newNegative
        appended.append(FloatHistogramSample(timestamp: t, histogram: h))
        return true
    }

    /// `spans` unchanged when they hold every bucket of `other`; otherwise `other` when it holds
    /// every bucket of `spans` (Prometheus takes the new histogram's spans), else the union.
    static func widened(_ spans: [HistogramSpan], by other: [HistogramSpan]) -> [HistogramSpan] {
        let mine = HistogramSpan.bucketIndexes(spans)
        let theirs = HistogramSpan.bucketIndexes(other)
        let mineSet = Set(mine)
        if theirs.allSatisfy(mineSet.contains) { return spans }
        let theirSet = Set(theirs)
        if mine.allSatisfy(theirSet.contains) { return other }
        return spansCovering(Array(mineSet.union(theirSet)).sorted())
    }

    /// The spans of ascending bucket indexes, one span per run of consecutive indexes.
    static func spansCovering(_ indexes: [Int32]) -> [HistogramSpan] {
        var out: [HistogramSpan] = []
        var end: Int32 = 0
        for index in indexes {
            if !out.isEmpty && index == end {
                out[out.count - 1].length += 1
            } else {
                out.append(HistogramSpan(offset: out.isEmpty ? index : index - end, length: 1))
            }
            end = index &+ 1
        }
        return out
    }

    /// `samples` encoded again with the given layout, each one's buckets moved onto it.
    static func encode(_ samples: [FloatHistogramSample], header: CounterResetHeader,
                       positive: [HistogramSpan], negative: [HistogramSpan]) -> FloatHistogramChunk? {
        var out = FloatHistogramChunk(header: header)
        for s in samples {
            var h = s.histogram
            if !h.isStale {
                h.positiveBuckets = moved(h.positiveBuckets, from: h.positiveSpans, onto: positive)
                h.negativeBuckets = moved(h.negativeBuckets, from: h.negativeSpans, onto: negative)
                h.positiveSpans = positive
                h.negativeSpans = negative
            }
            guard case .appended = out.append(timestamp: s.timestamp, histogram: h) else { return nil }
        }
        return out
    }

    /// Bucket counts of `spans` placed at the buckets of `target` (zero where `spans` has none).
    static func moved(_ counts: [Double], from spans: [HistogramSpan], onto target: [HistogramSpan]) -> [Double] {
        var byIndex: [Int32: Double] = [:]
        for (index, count) in zip(HistogramSpan.bucketIndexes(spans), counts) { byIndex[index] = count }
        return HistogramSpan.bucketIndexes(target).map { byIndex[$0] ?? 0 }
    }
}
