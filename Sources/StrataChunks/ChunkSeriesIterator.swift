import StrataModel

/// Iterates the samples of one series' chunks within `[minTime, maxTime]`, in timestamp order.
///
/// Chunks come ordered by `minTime` but may overlap (replicas, a head chunk re-read next to a
/// block chunk). Chunks are opened lazily as the merge reaches their `minTime`, so the usual case
/// of disjoint chunks keeps a single decoder alive. A timestamp is yielded once: where several
/// chunks hold it, the earliest chunk in the list wins. Corrupt chunks end where their data does.
public struct ChunkSeriesIterator: IteratorProtocol, Sendable {
    /// A chunk being decoded and its next sample.
    @usableFromInline struct Cursor: Sendable {
        @usableFromInline var iterator: XORIterator
        @usableFromInline var head: Sample
        /// Position in `chunks`, for the first-chunk-wins rule.
        @usableFromInline var order: Int
    }

    @usableFromInline let chunks: [EncodedChunk]
    @usableFromInline let minTime: Int64
    @usableFromInline let maxTime: Int64
    /// Next chunk in `chunks` not opened yet.
    @usableFromInline var nextChunk = 0
    @usableFromInline var active: [Cursor] = []
    /// Last yielded timestamp; anything at or before it is skipped.
    @usableFromInline var last: Int64? = nil
    @usableFromInline var finished = false

    /// Iterates `chunks` (ordered by `minTime`) clipped to the closed range `[minTime, maxTime]`.
    public init(chunks: [EncodedChunk], minTime: Int64, maxTime: Int64) {
        self.chunks = chunks
        self.minTime = minTime
        self.maxTime = maxTime
        finished = minTime > maxTime
    }

    /// The next sample in range, or nil.
    ///
    /// Inlinable with a fast path for the usual state (one chunk open, the next one starting
    /// after its head), because a query calls this once per sample of every series it reads and
    /// the general merge below costs several times the decoding. The fast path yields exactly
    /// what the merge would: the open chunk's head is the smallest candidate and no other
    /// chunk may be opened for it.
    @inlinable
    public mutating func next() -> Sample? {
        if active.count == 1 && !finished {
            let head = active[0].head
            if nextChunk >= chunks.count || chunks[nextChunk].minTime > head.timestamp {
                if head.timestamp > maxTime {
                    finished = true
                    return nil
                }
                last = head.timestamp
                // Nothing follows Int64.max, and `last + 1` would wrap.
                if head.timestamp == .max {
                    finished = true
                    return head
                }
                if !Self.advance(&active[0], floor: head.timestamp &+ 1) { active.removeAll(keepingCapacity: true) }
                return head
            }
        }
        return mergeNext()
    }

    /// `next()` in general: opens the chunks that may hold the next sample and merges the
    /// heads of every open chunk.
    @usableFromInline
    mutating func mergeNext() -> Sample? {
        if finished { return nil }
        // Open every chunk that could hold a sample at or before the current candidate.
        var best = bestCursor()
        while nextChunk < chunks.count {
            let chunk = chunks[nextChunk]
            if let b = best, chunk.minTime > active[b].head.timestamp { break }
            open(nextChunk)
            nextChunk += 1
            best = bestCursor()
        }
        guard let b = best else {
            finished = true
            return nil
        }
        let sample = active[b].head
        if sample.timestamp > maxTime {
            finished = true
            return nil
        }
        last = sample.timestamp
        // Advance every cursor past this timestamp: that is the de-duplication.
        let floor = nextFloor
        var i = 0
        while i < active.count {
            if Self.advance(&active[i], floor: floor) {
                i += 1
            } else {
                active.remove(at: i)
            }
        }
        // Nothing follows Int64.max, and `last + 1` would wrap.
        if sample.timestamp == .max { finished = true }
        return sample
    }

    /// Index in `active` of the cursor with the smallest head (earliest chunk on ties).
    @inline(__always)
    func bestCursor() -> Int? {
        guard !active.isEmpty else { return nil }
        var best = 0
        for i in 1..<active.count {
            let a = active[i], b = active[best]
            if a.head.timestamp < b.head.timestamp || (a.head.timestamp == b.head.timestamp && a.order < b.order) {
                best = i
            }
        }
        return best
    }

    mutating func open(_ index: Int) {
        let chunk = chunks[index]
        guard chunk.maxTime >= minTime, chunk.minTime <= maxTime else { return }
        switch chunk.encoding {
        case .xor:
            var cursor = Cursor(iterator: XORIterator(bytes: chunk.data), head: Sample(timestamp: 0, value: 0), order: index)
            if Self.advance(&cursor, floor: nextFloor) { active.append(cursor) }
        case .histogram, .floatHistogram:
            // This iterator yields float samples; histogram chunks are read with
            // `HistogramIterator` / `FloatHistogramIterator`, never decoded as XOR.
            return
        case .aggregate:
            // Windows of aggregates are not raw samples: the querier turns the aggregate a
            // function needs into XOR chunks before any iteration (docs/downsampling.md).
            return
        }
    }

    /// The smallest timestamp that may still be yielded.
    var nextFloor: Int64 { last.map { max($0 &+ 1, minTime) } ?? minTime }

    /// Moves `cursor` to its next sample at or after `floor`; false when exhausted.
    @inlinable @inline(__always)
    static func advance(_ cursor: inout Cursor, floor: Int64) -> Bool {
        if cursor.head.timestamp >= floor && cursor.iterator.decoded > 0 { return true }
        while let s = cursor.iterator.next() {
            if s.timestamp >= floor {
                cursor.head = s
                return true
            }
        }
        return false
    }
}
