import StrataChunks
import StrataModel

/// Time-range operations on a chunk of any sample encoding the head stores (XOR, histogram,
/// float histogram): the rare chunk crossing a cut or truncation bound is re-encoded with its
/// samples inside the range, in its own encoding.
enum AnyChunkSlicer {
    /// The samples of `chunk` in `[from, through]` as a chunk of the same encoding; nil when
    /// none are. A histogram chunk keeps its counter-reset header when its first sample is kept;
    /// otherwise the slice starts after a sample of the same chunk and is `notCounterReset` (or
    /// `gauge`), as a chunk continuing its predecessor.
    static func slice(_ chunk: EncodedChunk, from: Int64, through: Int64) -> EncodedChunk? {
        switch chunk.encoding {
        case .histogram:
            return sliceInteger(chunk, from: from, through: through)?.encoded()
        case .floatHistogram:
            return sliceFloat(chunk, from: from, through: through)?.encoded()
        case .xor, .aggregate:
            guard var part = ChunkSlicer.slice(chunk, from: from, through: through) else { return nil }
            part.compact()
            return part.encoded()
        }
    }

    static func sliceInteger(_ chunk: EncodedChunk, from: Int64, through: Int64) -> HistogramChunk? {
        var it = HistogramIterator(bytes: chunk.data)
        var out: HistogramChunk?
        var position = 0
        while let s = it.next() {
            defer { position += 1 }
            if s.timestamp > through { break }
            guard s.timestamp >= from else { continue }
            if out == nil {
                out = HistogramChunk(header: position == 0 || it.header == .gauge ? it.header : .notCounterReset)
            }
            _ = out?.append(timestamp: s.timestamp, histogram: s.histogram)
        }
        return out
    }

    static func sliceFloat(_ chunk: EncodedChunk, from: Int64, through: Int64) -> FloatHistogramChunk? {
        var it = FloatHistogramIterator(bytes: chunk.data)
        var out: FloatHistogramChunk?
        var position = 0
        while let s = it.next() {
            defer { position += 1 }
            if s.timestamp > through { break }
            guard s.timestamp >= from else { continue }
            if out == nil {
                out = FloatHistogramChunk(header: position == 0 || it.header == .gauge ? it.header : .notCounterReset)
            }
            _ = out?.append(timestamp: s.timestamp, histogram: s.histogram)
        }
        return out
    }

    /// Calls `body` with each sample timestamp of `chunk` in order until it returns false.
    static func forEachTimestamp(_ chunk: EncodedChunk, _ body: (Int64) -> Bool) {
        switch chunk.encoding {
        case .histogram:
            var it = HistogramIterator(bytes: chunk.data)
            while let s = it.next(), body(s.timestamp) {}
        case .floatHistogram:
            var it = FloatHistogramIterator(bytes: chunk.data)
            while let s = it.next(), body(s.timestamp) {}
        case .xor, .aggregate:
            var it = XORIterator(bytes: chunk.data)
            while let s = it.next(), body(s.timestamp) {}
        }
    }
}

extension MemSeries {
    /// Drops the samples of the open histogram chunk older than `minValidTime`; the rest stays
    /// appendable (re-encoded).
    func truncateOpenHistogram(before minValidTime: Int64) {
        guard let h = hist, let chunk = h.open else { return }
        if chunk.count == 0 || chunk.maxTime < minValidTime {
            h.open = nil
            h.openRangeEnd = .min
            return
        }
        guard chunk.minTime < minValidTime else { return }
        let encoded = chunk.encoded()
        switch chunk {
        case .integer:
            h.open = AnyChunkSlicer.sliceInteger(encoded, from: minValidTime, through: .max).map { .integer($0) }
        case .float:
            h.open = AnyChunkSlicer.sliceFloat(encoded, from: minValidTime, through: .max).map { .float($0) }
        }
        if h.open == nil { h.openRangeEnd = .min }
    }
}
