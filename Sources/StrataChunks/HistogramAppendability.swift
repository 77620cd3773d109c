import StrataModel

/// The outcome of appending a histogram sample to a histogram chunk.
public enum HistogramAppendResult: Sendable, Equatable {
    /// The sample is in the chunk.
    case appended
    /// The sample cannot go into this chunk (a counter reset, a layout the chunk does not cover,
    /// a gauge/counter switch, a sample after a stale marker, or a full chunk), as Prometheus's
    /// `Appendable` decides. Nothing was written: start a new chunk with this counter-reset
    /// header and append the sample there.
    case newChunkNeeded(CounterResetHeader)
    /// The histogram is malformed (its buckets do not match its spans); nothing was written.
    case invalid(String)
}

/// How a histogram's buckets map onto a chunk's layout.
enum BucketFit<V: Sendable>: Sendable {
    /// Every bucket of the histogram is in the chunk's layout; the values in that layout
    /// (absolute, zero where the histogram has no bucket).
    case fits([V])
    /// A bucket count went down, or a non-empty bucket disappeared (counters only).
    case counterReset
    /// The histogram has buckets the chunk's layout lacks: Prometheus would recode the chunk;
    /// Strata starts a new one.
    case newBuckets
}

enum HistogramBuckets {
    /// Why `spans` cannot describe `bucketCount` buckets, or nil when they can. Spans after the
    /// first must not go backwards, so that bucket indexes ascend.
    static func problem(spans: [HistogramSpan], bucketCount: Int) -> String? {
        if HistogramSpan.bucketCount(spans) != bucketCount {
            return "spans cover \(HistogramSpan.bucketCount(spans)) buckets but \(bucketCount) bucket counts were given"
        }
        if spans.dropFirst().contains(where: { $0.offset < 0 }) {
            return "a span after the first has a negative offset"
        }
        return nil
    }

    /// Maps absolute `values` at `indexes` onto the chunk's `chunkIndexes` whose last values are
    /// `chunkValues` (both ascending). For counters, a value below the chunk's, or a chunk bucket
    /// missing from the histogram while non-zero, is a counter reset (Prometheus
    /// `expandIntSpansAndBuckets` / `expandFloatSpansAndBuckets`); a reset wins over new buckets.
    static func fit<V: Comparable & AdditiveArithmetic & Sendable>(
        chunkIndexes: [Int32], chunkValues: [V], indexes: [Int32], values: [V], counter: Bool
    ) -> BucketFit<V> {
        var out: [V] = []
        out.reserveCapacity(chunkIndexes.count)
        var j = 0
        var hasNew = false
        for (i, index) in chunkIndexes.enumerated() {
            while j < indexes.count && indexes[j] < index {
                hasNew = true
                j += 1
            }
            if j < indexes.count && indexes[j] == index {
                if counter && values[j] < chunkValues[i] { return .counterReset }
                out.append(values[j])
                j += 1
            } else {
                if counter && chunkValues[i] != .zero { return .counterReset }
                out.append(.zero)
            }
        }
        if j < indexes.count { hasNew = true }
        return hasNew ? .newBuckets : .fits(out)
    }
}
