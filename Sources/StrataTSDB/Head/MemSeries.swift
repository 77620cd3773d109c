import StrataChunks
import StrataModel

/// One series of the head: its labels, its closed chunks and the chunk being appended to.
///
/// A class so that the series map, the ref table and a batch under validation all point at one
/// instance. Only ever touched under the head's lock.
final class MemSeries {
    /// The series' ref, unique in the head and stable across restarts (the WAL records it).
    let ref: UInt64
    /// The labels, with interned strings.
    let labels: Labels
    /// `labels.stableHash`, never masked (unlike the `byHash` key under `HeadOptions.hashMask`):
    /// query sharding tests it for every selected series, and every store must agree on it.
    /// Kept because the append path computes it anyway, so a shard query filters series with a
    /// load and a modulo instead of rehashing every label (Prometheus's `memSeries.shardHash`).
    let shardHash: UInt64
    /// Full chunks, oldest first.
    var closed: ContiguousArray<EncodedChunk> = []
    /// The chunk receiving samples; nil until the first sample.
    var open: XORChunk?
    /// Exclusive end of the block range the open chunk belongs to: a sample at or past it starts
    /// a new chunk, so no chunk ever spans two blocks.
    var openRangeEnd: Int64 = .min
    /// Timestamp of the newest sample, `.min` when the series has none.
    var lastTimestamp: Int64 = .min
    /// Bit pattern of the newest sample's value (bits, so NaNs compare exactly).
    var lastValueBits: UInt64 = 0
    /// Out-of-order samples (see `OOOSeries`); nil while the series has none.
    var ooo: OOOSeries?
    /// Native-histogram state (open histogram chunk, newest histogram); nil until the series'
    /// first histogram (see `MemSeries+Histogram.swift`).
    var hist: HistogramSeriesState?

    // Scratch used while one append call validates a batch (see `Head.append`): lets a series
    // that appears several times in one batch carry its pending last sample from one entry to the
    // next without a dictionary.
    var scratchEpoch: UInt64 = 0
    var scratchTimestamp: Int64 = .min
    var scratchValueBits: UInt64 = 0

    /// Creates a series; `shardHash` must be `labels.stableHash` (passed in because every
    /// caller has just computed it).
    init(ref: UInt64, labels: Labels, shardHash: UInt64) {
        self.ref = ref
        self.labels = labels
        self.shardHash = shardHash
    }

    /// Timestamp of the oldest sample, `.max` when there is none.
    var minTime: Int64 {
        if let first = closed.first { return first.minTime }
        if let open, open.count > 0 { return open.minTime }
        if let h = hist?.open, h.count > 0 { return h.minTime }
        return .max
    }

    /// Number of chunks, the open one (XOR or histogram) included.
    var chunkCount: Int { closed.count + (open == nil && hist?.open == nil ? 0 : 1) }

    /// Appends a sample the caller has validated (strictly newer than `lastTimestamp`), cutting the
    /// open chunk when it holds `samplesPerChunk` samples or the sample crosses into the next
    /// block range.
    func append(timestamp t: Int64, value v: Double, chunkRange: Int64, samplesPerChunk: Int) {
        if let count = open?.count, count < samplesPerChunk, t < openRangeEnd {
            // Mutated in place through the optional: no copy of the chunk, no reference count
            // traffic on its bytes.
            open?.append(timestamp: t, value: v)
        } else {
            if var full = open.take() {
                // A closed chunk lives for the rest of the block range: drop the slack its
                // buffer gained by growing.
                full.compact()
                closed.append(full.encoded())
            }
            // The head chunk held histograms: a kind change starts a new chunk.
            if hist?.open != nil { closeOpenHistogramChunk() }
            var chunk = XORChunk()
            chunk.append(timestamp: t, value: v)
            open = chunk
            openRangeEnd = Self.rangeEnd(of: t, chunkRange: chunkRange)
        }
        lastTimestamp = t
        lastValueBits = v.bitPattern
        if let h = hist, h.last != nil { h.last = nil }
    }

    /// Closes the open chunk when it starts before `end` but could still take samples at or
    /// after it (a forced cut ends inside a block range), so the next append starts a new chunk
    /// and no chunk holds samples on both sides of a cut. Cheap enough to run under the lock for
    /// every series: the bytes are shared, not copied or compacted (the truncation after the cut
    /// drops the chunk anyway).
    func closeOpenChunk(reaching end: Int64) {
        if let h = hist, let chunk = h.open, chunk.count > 0, chunk.minTime < end, h.openRangeEnd > end {
            closeOpenHistogramChunk()
            return
        }
        guard let chunk = open, chunk.count > 0, chunk.minTime < end, openRangeEnd > end else { return }
        closed.append(chunk.encoded())
        open = nil
        openRangeEnd = .min
    }

    /// Exclusive end of the block range `[k·range, (k+1)·range)` holding `t`.
    static func rangeEnd(of t: Int64, chunkRange: Int64) -> Int64 {
        guard chunkRange > 0 else { return .max }
        let (end, overflow) = CutPlan.floor(t, chunkRange).addingReportingOverflow(chunkRange)
        return overflow ? .max : end
    }

    /// Chunks overlapping `[minTime, maxTime]`, the open chunk encoded as a snapshot.
    func chunks(minTime: Int64, maxTime: Int64) -> [EncodedChunk] {
        var out: [EncodedChunk] = []
        for c in closed where c.maxTime >= minTime && c.minTime <= maxTime {
            out.append(c)
        }
        if let open, open.count > 0, open.maxTime >= minTime, open.minTime <= maxTime {
            out.append(open.encoded())
        }
        if let h = hist?.open, h.count > 0, h.maxTime >= minTime, h.minTime <= maxTime {
            out.append(h.encoded())
        }
        return out
    }

    /// True when the series has a sample in `[minTime, maxTime]` according to its chunk bounds.
    func overlaps(minTime: Int64, maxTime: Int64) -> Bool {
        if lastTimestamp >= minTime && self.minTime <= maxTime { return true }
        guard let ooo else { return false }
        return ooo.maxTime >= minTime && ooo.minTime <= maxTime
    }

    /// Restores the chunks of a checkpoint: all but the last are closed; the last is resumed as
    /// the open chunk (XOR or histogram) so appends continue in it.
    func restore(chunks: [EncodedChunk], chunkRange: Int64) throws(ChunkError) {
        closed = []
        open = nil
        hist?.open = nil
        hist?.last = nil
        guard let last = chunks.last else { return }
        closed.append(contentsOf: chunks.dropLast())
        if last.encoding == .histogram || last.encoding == .floatHistogram {
            try restoreOpenHistogram(last, chunkRange: chunkRange)
            return
        }
        let chunk = try XORChunk(bytes: last.data)
        open = chunk
        // The decoded bounds are authoritative; the record's copy could disagree only if damaged.
        openRangeEnd = Self.rangeEnd(of: chunk.minTime, chunkRange: chunkRange)
        lastTimestamp = chunk.maxTime
        lastValueBits = chunk.lastValue.bitPattern
    }
}
