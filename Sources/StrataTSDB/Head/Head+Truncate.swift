import StrataChunks
import StrataModel

extension HeadState {
    /// Drops every sample older than `minValidTime` from memory: chunks wholly before it go, a
    /// chunk straddling it keeps only its newer samples, and series left without chunks are
    /// removed from every map and the index. Recomputes the head's bounds and chunk count.
    ///
    /// Called under the head's lock after a cut published its blocks, and by replay.
    mutating func truncate(before minValidTime: Int64) {
        ooo.highestTimestamp = Swift.max(ooo.highestTimestamp, maxTime)
        var removed: [MemSeries] = []
        var newMin = Int64.max
        var newMax = Int64.min
        for slot in byRef.indices {
            guard let series = byRef[slot] else { continue }
            let before = series.chunkCount
            series.truncate(before: minValidTime)
            numChunks += series.chunkCount - before
            if series.chunkCount == 0 {
                // A series with out-of-order samples only stays (indexed, queryable, cut later).
                if series.ooo == nil { removed.append(series) }
            } else {
                newMin = Swift.min(newMin, series.minTime)
                newMax = Swift.max(newMax, series.maxTime)
            }
        }
        minTime = newMin
        maxTime = newMax
        remove(removed)
    }

    /// Removes series (that hold no chunks) from the label map, the ref table, the index and the
    /// per-metric counts. Their refs are not handed out again while the head is open.
    mutating func remove(_ series: [MemSeries]) {
        guard !series.isEmpty else { return }
        for s in series {
            let hash = s.shardHash & hashMask // the cached `labels.stableHash`
            if let first = byHash[hash], first === s {
                if var more = collisions[hash], !more.isEmpty {
                    byHash[hash] = more.removeFirst()
                    collisions[hash] = more.isEmpty ? nil : more
                } else {
                    byHash[hash] = nil
                }
            } else if var more = collisions[hash], let i = more.firstIndex(where: { $0 === s }) {
                more.remove(at: i)
                collisions[hash] = more.isEmpty ? nil : more
            }
            let slot = Int(s.ref - 1)
            if slot < byRef.count, byRef[slot] === s { byRef[slot] = nil }
            if let name = s.labels.metricName, let n = seriesPerMetric[name] {
                seriesPerMetric[name] = n > 1 ? n - 1 : nil
            }
        }
        numSeries -= series.count
        cut.seriesRemoved += series.count
        postings.remove(series.map { (ref: $0.ref, labels: $0.labels) })
        symbols.retainOnly(usedBy: postings)
    }
}

extension MemSeries {
    /// Newest sample timestamp held in chunks (`.min` when there is none).
    var maxTime: Int64 {
        if let open, open.count > 0 { return open.maxTime }
        if let h = hist?.open, h.count > 0 { return h.maxTime }
        return closed.last?.maxTime ?? .min
    }

    /// Drops the samples older than `minValidTime`. Chunks are in time order, so the dropped
    /// ones are a prefix; only a chunk straddling the bound (possible only when `chunkRange`
    /// changed between restarts, since chunks never span a range boundary) is re-encoded.
    func truncate(before minValidTime: Int64) {
        var drop = 0
        while drop < closed.count, closed[drop].maxTime < minValidTime { drop += 1 }
        if drop > 0 { closed.removeFirst(drop) }
        if let first = closed.first, first.minTime < minValidTime {
            if let kept = AnyChunkSlicer.slice(first, from: minValidTime, through: .max) {
                closed[0] = kept
            } else {
                closed.removeFirst()
            }
        }
        truncateOpenHistogram(before: minValidTime)
        guard let chunk = open else { return }
        if chunk.count == 0 || chunk.maxTime < minValidTime {
            open = nil
            openRangeEnd = .min
        } else if chunk.minTime < minValidTime {
            // The open chunk stays appendable: rebuilt from its samples at or after the bound.
            open = ChunkSlicer.slice(chunk.encoded(), from: minValidTime, through: .max)
        }
    }
}

/// Re-encodes the part of a chunk inside a time range, for the rare chunk that crosses a cut
/// boundary.
enum ChunkSlicer {
    /// The samples of `chunk` in `[from, through]` as a new appendable chunk; nil when there are
    /// none.
    static func slice(_ chunk: EncodedChunk, from: Int64, through: Int64) -> XORChunk? {
        var out = XORChunk()
        var it = XORIterator(bytes: chunk.data)
        while let s = it.next() {
            if s.timestamp > through { break }
            if s.timestamp >= from { out.append(timestamp: s.timestamp, value: s.value) }
        }
        return out.count > 0 ? out : nil
    }
}
