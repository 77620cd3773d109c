import StrataChunks
import StrataModel

/// One series as a cut sees it: its labels and the chunks that start before the cut's end.
///
/// Holds references, not copies: the closed-chunk array is shared with the head copy-on-write
/// (only the count of leading chunks in the cut is recorded), and the open chunk's bytes are
/// shared the same way. Appends after the snapshot only touch chunks past the cut.
struct CutSeries {
    let labels: Labels
    private let closed: ContiguousArray<EncodedChunk>
    /// Leading chunks of `closed` that start before the cut's end.
    private let closedCount: Int
    /// The open chunk, when it starts before the cut's end.
    private let open: EncodedChunk?
    /// Sealed out-of-order chunks holding samples before the cut's end (see `OOOSeries`).
    let ooo: [EncodedChunk]

    /// Snapshots `series` (under the head's lock) for a cut ending at `end`.
    init(_ series: MemSeries, before end: Int64, ooo: [EncodedChunk] = []) {
        labels = series.labels
        self.ooo = ooo
        closed = series.closed
        // Chunks are in time order: binary search keeps the lock hold independent of their count.
        var lo = 0, hi = series.closed.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if series.closed[mid].minTime < end { lo = mid + 1 } else { hi = mid }
        }
        closedCount = lo
        if lo == series.closed.count, let chunk = series.openEncoded, chunk.minTime < end {
            open = chunk
        } else {
            open = nil
        }
    }

    private var chunkCount: Int { closedCount + (open == nil ? 0 : 1) }

    /// Chunk `i` of the cut, `0 ..< chunkCount`: the leading closed chunks, then the open one.
    private func chunk(_ i: Int) -> EncodedChunk {
        if i < closedCount { return closed[i] }
        return open ?? closed[i]
    }

    /// The chunks of the series inside `[from, to)`, in time order. A chunk crossing a bound (only
    /// after `chunkRange` changed between restarts) is re-encoded with its samples in the range.
    func chunks(from: Int64, to: Int64) -> [EncodedChunk] {
        let inOrder = inOrderChunks(from: from, to: to)
        guard !ooo.isEmpty else { return inOrder }
        // Out-of-order samples merged in: one sorted, duplicate-free run re-encoded, so a block
        // never holds overlapping chunks of a series. In-order chunks come first and win a tie.
        // Out-of-order samples are floats only: histogram chunks stay as they are, beside them.
        let histograms = inOrder.filter { $0.encoding == .histogram || $0.encoding == .floatHistogram }
        let floats = histograms.isEmpty ? inOrder : inOrder.filter { $0.encoding == .xor }
        let samples = OOOSeries.mergedSamples(floats + ooo, from: from, to: to)
        var out: [EncodedChunk] = histograms
        var i = 0
        while i < samples.count {
            let part = Array(samples[i..<Swift.min(i + XORChunk.maxSamples, samples.count)])
            if let chunk = OOOSeries.encode(part) { out.append(chunk) }
            i += XORChunk.maxSamples
        }
        if !histograms.isEmpty { out.sort { $0.minTime < $1.minTime } }
        return out
    }

    private func inOrderChunks(from: Int64, to: Int64) -> [EncodedChunk] {
        var out: [EncodedChunk] = []
        // First chunk that ends at or after `from`.
        var lo = 0, hi = chunkCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if chunk(mid).maxTime < from { lo = mid + 1 } else { hi = mid }
        }
        var i = lo
        while i < chunkCount {
            let c = chunk(i)
            if c.minTime >= to { break }
            if c.minTime >= from && c.maxTime < to {
                out.append(c)
            } else if let part = AnyChunkSlicer.slice(c, from: from, through: to - 1) {
                out.append(part)
            }
            i += 1
        }
        return out
    }

    /// For each range of `plan` holding data, its start and the indices (into `series`, which is
    /// sorted by labels) of the series with samples in it; ranges in time order, indices in label
    /// order. Only a chunk crossing a range bound is decoded.
    static func seriesByRange(_ series: [CutSeries], plan: CutPlan) -> [(start: Int64, members: [Int])] {
        var buckets: [(start: Int64, members: [Int])] = []
        var bucketOf: [Int64: Int] = [:]
        // Consecutive chunks mostly fall in the same range: remember the last bucket used.
        var lastStart = Int64.min, lastBucket = -1
        func add(_ start: Int64, _ index: Int) {
            if start != lastStart || lastBucket < 0 {
                if let b = bucketOf[start] {
                    lastBucket = b
                } else {
                    lastBucket = buckets.count
                    bucketOf[start] = lastBucket
                    buckets.append((start, []))
                }
                lastStart = start
            }
            if buckets[lastBucket].members.last != index { buckets[lastBucket].members.append(index) }
        }
        for (index, s) in series.enumerated() {
            for i in 0..<s.chunkCount {
                let c = s.chunk(i)
                let first = plan.rangeStart(of: c.minTime)
                if c.maxTime < plan.end && plan.rangeStart(of: c.maxTime) == first {
                    add(first, index)
                    continue
                }
                AnyChunkSlicer.forEachTimestamp(c) { t in
                    guard t < plan.end else { return false }
                    add(plan.rangeStart(of: t), index)
                    return true
                }
            }
            for c in s.ooo {
                var it = XORIterator(bytes: c.data)
                while let sample = it.next(), sample.timestamp < plan.end {
                    add(plan.rangeStart(of: sample.timestamp), index)
                }
            }
        }
        buckets.sort { $0.start < $1.start }
        return buckets
    }
}

extension CutSeries {
    /// For each range of `plan` holding out-of-order samples of `series`, their oldest and newest
    /// timestamp: the block of that range must cover them, also below the plan's `previousEnd`
    /// (a range an earlier cut already wrote; the new block then overlaps that one and the
    /// compactor merges the two).
    static func oooBounds(_ series: [CutSeries], plan: CutPlan) -> [Int64: (min: Int64, max: Int64)] {
        var out: [Int64: (min: Int64, max: Int64)] = [:]
        for s in series {
            for c in s.ooo {
                var it = XORIterator(bytes: c.data)
                while let sample = it.next(), sample.timestamp < plan.end {
                    let start = plan.rangeStart(of: sample.timestamp)
                    let t = sample.timestamp
                    if let b = out[start] {
                        out[start] = (Swift.min(b.min, t), Swift.max(b.max, t))
                    } else {
                        out[start] = (t, t)
                    }
                }
            }
        }
        return out
    }
}
