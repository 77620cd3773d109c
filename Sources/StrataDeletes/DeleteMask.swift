import StrataChunks
import StrataModel

/// Applies delete requests to series: drops the samples a deletion covers and moves those a
/// redaction covers to the redacted series. Readers apply it to every answer until the
/// compactor has rewritten the blocks; the compactor applies it when it rewrites them.
public enum DeleteMask {
    /// Samples per XOR chunk of the re-encoded series (Prometheus's head chunk size).
    public static let defaultSamplesPerChunk = 120

    /// The requests that can affect data in `[minTime, maxTime]`: active ones overlapping it,
    /// in creation order (a redaction and a deletion of the redacted series compose).
    public static func relevant(_ requests: [DeleteRequest], minTime: Int64, maxTime: Int64) -> [DeleteRequest] {
        requests.filter { $0.isActive && $0.overlaps(minTime: minTime, maxTime: maxTime) }
    }

    /// Where a sample of `labels` at `t` ends up: the labels of the series it belongs to after
    /// every request, or nil when a deletion removes it.
    static func destination(_ labels: Labels, _ t: Int64, _ requests: [DeleteRequest], _ matchCache: inout [Labels: [Bool]]) -> Labels? {
        var current = labels
        for (i, r) in requests.enumerated() where r.covers(t) {
            let matches: Bool
            if let cached = matchCache[current] {
                matches = cached[i]
            } else {
                let row = requests.map { $0.matches(current) }
                matchCache[current] = row
                matches = row[i]
            }
            guard matches else { continue }
            guard r.redaction != nil else { return nil }
            current = r.redacted(current)
        }
        return current
    }

    /// One series after `requests` (already `relevant` to it): nil when no request affects it,
    /// otherwise the series it becomes (none when everything was deleted; several when a
    /// redaction covers only part of its samples), each with chunks in time order.
    public static func apply(labels: Labels, chunks: [EncodedChunk], requests: [DeleteRequest],
                             samplesPerChunk: Int = defaultSamplesPerChunk) throws(ChunkError) -> [(labels: Labels, chunks: [EncodedChunk])]? {
        guard !requests.isEmpty else { return nil }
        // Only a request matching the series as it is can start changing it.
        guard requests.contains(where: { $0.matches(labels) }) else { return nil }
        var cache: [Labels: [Bool]] = [:]
        var order: [Labels] = []
        var outputs: [Labels: [EncodedChunk]] = [:]
        func emit(_ l: Labels, _ c: [EncodedChunk]) {
            if outputs[l] == nil { order.append(l) }
            outputs[l, default: []].append(contentsOf: c)
        }
        var changed = false
        for chunk in chunks {
            // Chunks outside every request's range stay as they are.
            guard requests.contains(where: { $0.overlaps(minTime: chunk.minTime, maxTime: chunk.maxTime) }) else {
                emit(labels, [chunk])
                continue
            }
            switch chunk.encoding {
            case .xor:
                var it = XORIterator(bytes: chunk.data)
                var all: [Sample] = []
                while let x = it.next() { all.append(x) }
                if let error = it.error { throw error }
                for (l, group) in partition(all, \.timestamp, labels, requests, &cache, &changed) {
                    emit(l, Rechunker.chunks(of: group, samplesPerChunk: samplesPerChunk))
                }
            case .histogram:
                var it = HistogramIterator(bytes: chunk.data)
                var all: [HistogramSample] = []
                while let x = it.next() { all.append(x) }
                if let error = it.error { throw error }
                for (l, group) in partition(all, \.timestamp, labels, requests, &cache, &changed) {
                    emit(l, HistogramRechunker.chunks(of: group, samplesPerChunk: samplesPerChunk))
                }
            case .floatHistogram:
                var it = FloatHistogramIterator(bytes: chunk.data)
                var all: [FloatHistogramSample] = []
                while let x = it.next() { all.append(x) }
                if let error = it.error { throw error }
                for (l, group) in partition(all, \.timestamp, labels, requests, &cache, &changed) {
                    emit(l, HistogramRechunker.chunks(of: group, samplesPerChunk: samplesPerChunk))
                }
            case .aggregate:
                let aggr = try AggrChunk(bytes: chunk.data)
                if aggr.isHistogram {
                    for (l, built) in histogramAggregateChunks(aggr, labels, requests, &cache, &changed) { emit(l, [built]) }
                    continue
                }
                // Per destination, the samples of each aggregate.
                var groups: [Labels: [[Sample]]] = [:]
                var groupOrder: [Labels] = []
                for aggregate in Aggregate.allCases {
                    for s in aggr.samples(of: aggregate) {
                        guard let dest = destination(labels, s.timestamp, requests, &cache) else {
                            changed = true
                            continue
                        }
                        if dest != labels { changed = true }
                        if groups[dest] == nil {
                            groupOrder.append(dest)
                            groups[dest] = Array(repeating: [], count: Aggregate.allCases.count)
                        }
                        groups[dest]?[aggregate.rawValue].append(s)
                    }
                }
                for l in groupOrder {
                    guard let parts = groups[l], let built = aggregateChunk(parts, present: aggr) else { continue }
                    emit(l, [built])
                }
            }
        }
        guard changed else { return nil }
        return order.compactMap { l in
            guard let c = outputs[l], !c.isEmpty else { return nil }
            return (l, c.sorted { $0.minTime < $1.minTime })
        }
    }

    /// Splits one chunk's samples by the series each ends up in (first-seen order); samples a
    /// deletion covers are dropped. Sets `changed` when any sample is dropped or moved.
    static func partition<S>(_ samples: [S], _ timestamp: (S) -> Int64, _ labels: Labels, _ requests: [DeleteRequest],
                             _ cache: inout [Labels: [Bool]], _ changed: inout Bool) -> [(Labels, [S])] {
        var groups: [Labels: [S]] = [:]
        var order: [Labels] = []
        for s in samples {
            guard let dest = destination(labels, timestamp(s), requests, &cache) else {
                changed = true
                continue
            }
            if dest != labels { changed = true }
            if groups[dest] == nil { order.append(dest) }
            groups[dest, default: []].append(s)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    /// A native histogram aggregate chunk (XOR `count`, float histogram `sum` and `counter`)
    /// split by where each window ends up; windows a deletion covers are dropped.
    static func histogramAggregateChunks(_ aggr: AggrChunk, _ labels: Labels, _ requests: [DeleteRequest],
                                         _ cache: inout [Labels: [Bool]], _ changed: inout Bool) -> [(Labels, EncodedChunk)] {
        var counts: [Labels: XORChunk] = [:]
        var sums: [Labels: HistogramAggregateEncoder] = [:]
        var counters: [Labels: HistogramAggregateEncoder] = [:]
        var ranges: [Labels: (Int64, Int64)] = [:]
        var order: [Labels] = []
        func note(_ l: Labels, _ t: Int64) {
            if ranges[l] == nil { order.append(l) }
            let r = ranges[l] ?? (t, t)
            ranges[l] = (min(r.0, t), max(r.1, t))
        }
        for s in aggr.samples(of: .count) {
            guard let dest = destination(labels, s.timestamp, requests, &cache) else { changed = true; continue }
            if dest != labels { changed = true }
            counts[dest, default: XORChunk()].append(timestamp: s.timestamp, value: s.value)
            note(dest, s.timestamp)
        }
        // A subset of a sub-chunk's windows always fits a sub-chunk again (the counter stays
        // monotonic, the layout covers them), so `append` does not refuse here.
        for (aggregate, isSum) in [(Aggregate.sum, true), (Aggregate.counter, false)] {
            for s in aggr.histogramSamples(of: aggregate) {
                guard let dest = destination(labels, s.timestamp, requests, &cache) else { changed = true; continue }
                if dest != labels { changed = true }
                if isSum {
                    _ = sums[dest, default: HistogramAggregateEncoder()].append(timestamp: s.timestamp, histogram: s.histogram)
                } else {
                    _ = counters[dest, default: HistogramAggregateEncoder()].append(timestamp: s.timestamp, histogram: s.histogram)
                }
                note(dest, s.timestamp)
            }
        }
        return order.compactMap { l in
            guard let range = ranges[l] else { return nil }
            let chunk = AggrChunk(count: counts[l], histogramSum: sums[l]?.chunk, histogramCounter: counters[l]?.chunk)
            return (l, EncodedChunk(minTime: range.0, maxTime: range.1, encoding: .aggregate, data: chunk.encoded()))
        }
    }

    /// An aggregate chunk of the kept samples of each aggregate (absent where `original` has
    /// none); nil when no window is left.
    static func aggregateChunk(_ parts: [[Sample]], present original: AggrChunk) -> EncodedChunk? {
        var subChunks: [XORChunk?] = []
        var minTime = Int64.max
        var maxTime = Int64.min
        for aggregate in Aggregate.allCases {
            guard original.bytes(of: aggregate) != nil else {
                subChunks.append(nil)
                continue
            }
            var c = XORChunk()
            for s in parts[aggregate.rawValue] {
                c.append(timestamp: s.timestamp, value: s.value)
                minTime = min(minTime, s.timestamp)
                maxTime = max(maxTime, s.timestamp)
            }
            subChunks.append(c)
        }
        guard minTime <= maxTime else { return nil }
        let chunk = AggrChunk(count: subChunks[0], sum: subChunks[1], min: subChunks[2], max: subChunks[3], counter: subChunks[4])
        return EncodedChunk(minTime: minTime, maxTime: maxTime, encoding: .aggregate, data: chunk.encoded())
    }

    /// A `select` answer after `requests`: affected series are rewritten, redacted ones moved
    /// to their new labels (merged with a series that already has them); the result stays
    /// sorted by labels.
    public static func apply(_ series: [QuerySeries], requests: [DeleteRequest]) throws(ChunkError) -> [QuerySeries] {
        guard !requests.isEmpty else { return series }
        var out: [QuerySeries] = []
        out.reserveCapacity(series.count)
        var moved = false
        for s in series {
            guard let first = s.chunks.first else {
                out.append(s)
                continue
            }
            let maxTime = s.chunks.map(\.maxTime).max() ?? first.maxTime
            let relevant = requests.filter { $0.overlaps(minTime: first.minTime, maxTime: maxTime) }
            guard let rewritten = try apply(labels: s.labels, chunks: s.chunks, requests: relevant) else {
                out.append(s)
                continue
            }
            for (labels, chunks) in rewritten {
                if labels != s.labels { moved = true }
                out.append(QuerySeries(labels: labels, chunks: chunks, resolution: s.resolution))
            }
        }
        guard moved else { return out }
        return SeriesMerge.merge(out.map { [$0] })
    }
}
