import StrataChunks
import StrataModel

/// The native-histogram side of a series, allocated the first time the series receives a
/// histogram: float-only series (the vast majority) pay one nil pointer for it.
///
/// Only ever touched under the head's lock.
final class HistogramSeriesState {
    /// The open histogram chunk of either kind. At most one of `MemSeries.open` and this is set:
    /// a series has one head chunk, as in Prometheus, and a change of sample kind closes it.
    enum OpenChunk {
        case integer(HistogramChunk)
        case float(FloatHistogramChunk)

        var count: Int {
            switch self {
            case .integer(let c): return c.count
            case .float(let c): return c.count
            }
        }

        var minTime: Int64 {
            switch self {
            case .integer(let c): return c.minTime
            case .float(let c): return c.minTime
            }
        }

        var maxTime: Int64 {
            switch self {
            case .integer(let c): return c.maxTime
            case .float(let c): return c.maxTime
            }
        }

        var byteCount: Int {
            switch self {
            case .integer(let c): return c.bytes.count
            case .float(let c): return c.bytes.count
            }
        }

        func encoded() -> EncodedChunk {
            switch self {
            case .integer(let c): return c.encoded()
            case .float(let c): return c.encoded()
            }
        }
    }

    /// The histogram chunk receiving samples, nil when the series' head chunk is an XOR chunk
    /// (or there is none).
    var open: OpenChunk?
    /// Exclusive end of the block range the open chunk belongs to.
    var openRangeEnd: Int64 = .min
    /// Prometheus's `nextAt` for histogram chunks: the timestamp from which the next sample
    /// starts a new chunk (predicted once the chunk reaches a quarter of its target size).
    var nextAt: Int64 = .max
    /// Whether `nextAt` was predicted for the open chunk (Prometheus's
    /// `histogramChunkHasComputedEndTime`).
    var endComputed = false
    /// The newest sample when it is a histogram; nil when the newest sample is a float.
    var last: HistogramValue?
    /// The pending newest histogram of an append call being validated (see
    /// `MemSeries.scratchEpoch`); nil when the pending newest sample is a float.
    var scratchLast: HistogramValue?
    /// The append call (`Head.append`'s epoch) and WAL batch in which the series last queued a
    /// sample, and the highest record rank it queued there (see `Head+AppendHistogram.swift`).
    var kindEpoch: UInt64 = 0
    var kindBatch = 0
    var maxRank = 0
}

/// Prometheus's size target for a histogram chunk (`chunkenc.TargetBytesPerHistogramChunk`).
let targetBytesPerHistogramChunk = 1024
/// Prometheus's minimum samples of a histogram chunk before a size cut
/// (`chunkenc.MinSamplesPerHistogramChunk`); a block-range bound still cuts earlier.
let minSamplesPerHistogramChunk = 10

extension MemSeries {
    /// The histogram state, created on first use.
    var histogramState: HistogramSeriesState {
        if let h = hist { return h }
        let h = HistogramSeriesState()
        hist = h
        return h
    }

    /// The open chunk of either kind, encoded (bytes shared, not copied).
    var openEncoded: EncodedChunk? {
        if let open, open.count > 0 { return open.encoded() }
        if let h = hist?.open, h.count > 0 { return h.encoded() }
        return nil
    }

    /// Closes the open histogram chunk into `closed` (a change of sample kind, a cut).
    func closeOpenHistogramChunk() {
        guard let h = hist, let chunk = h.open else { return }
        h.open = nil
        h.openRangeEnd = .min
        if chunk.count > 0 { closed.append(chunk.encoded()) }
    }

    /// Appends a histogram the caller has validated (strictly newer than `lastTimestamp`, well
    /// formed), following Prometheus's head appender (`appendHistogram`,
    /// `histogramsAppendPreprocessor`): a new chunk when the head chunk holds another kind of
    /// sample, at a block-range bound, by Prometheus's size rule (`shouldCutHistogramChunk`), and
    /// wherever the chunk cannot take the sample (counter reset, schema, zero threshold or bucket
    /// layout change, gauge/counter switch, after a stale marker), with the counter-reset header
    /// Prometheus gives that chunk.
    func appendHistogram(timestamp t: Int64, value: HistogramValue, chunkRange: Int64, samplesPerChunk: Int) {
        let h = histogramState
        if var full = open.take() {
            // The head chunk held floats: a kind change starts a new chunk.
            full.compact()
            closed.append(full.encoded())
            openRangeEnd = .min
        }
        switch value {
        case .integer(let x): appendInteger(h, t, x, chunkRange: chunkRange, samplesPerChunk: samplesPerChunk)
        case .float(let x): appendFloat(h, t, x, chunkRange: chunkRange, samplesPerChunk: samplesPerChunk)
        }
        lastTimestamp = t
        lastValueBits = value.sumBits
        h.last = value
    }

    private func appendInteger(_ h: HistogramSeriesState, _ t: Int64, _ x: Histogram, chunkRange: Int64, samplesPerChunk: Int) {
        var header: CounterResetHeader = x.counterResetHint == .gauge ? .gauge : .unknown
        if case .integer(var chunk)? = h.open {
            // Taken out so the append below mutates uniquely referenced bytes.
            h.open = nil
            if shouldCutHistogramChunk(h, t, count: chunk.count, bytes: chunk.bytes.count, minTime: chunk.minTime,
                                       maxTime: chunk.maxTime, chunkRange: chunkRange, samplesPerChunk: samplesPerChunk) {
                // A chunk continuing the previous one: Prometheus asks the previous chunk whether
                // the sample is a counter reset (`AppendHistogram` with `prev`).
                var probe = chunk
                if x.counterResetHint != .gauge {
                    if case .newChunkNeeded(.counterReset) = probe.append(timestamp: t, histogram: x) {
                        header = .counterReset
                    } else {
                        header = .notCounterReset
                    }
                }
                closed.append(chunk.encoded())
            } else {
                switch chunk.append(timestamp: t, histogram: x) {
                case .appended:
                    h.open = .integer(chunk)
                    return
                case .newChunkNeeded(let needed):
                    header = needed
                    closed.append(chunk.encoded())
                case .invalid:
                    // Refused by the validator before the WAL write; kept defensive.
                    h.open = .integer(chunk)
                    return
                }
            }
        } else {
            closeOpenHistogramChunk()
        }
        var chunk = HistogramChunk(header: header)
        _ = chunk.append(timestamp: t, histogram: x)
        startChunk(h, .integer(chunk), at: t, chunkRange: chunkRange)
    }

    private func appendFloat(_ h: HistogramSeriesState, _ t: Int64, _ x: FloatHistogram, chunkRange: Int64, samplesPerChunk: Int) {
        var header: CounterResetHeader = x.counterResetHint == .gauge ? .gauge : .unknown
        if case .float(var chunk)? = h.open {
            h.open = nil
            if shouldCutHistogramChunk(h, t, count: chunk.count, bytes: chunk.bytes.count, minTime: chunk.minTime,
                                       maxTime: chunk.maxTime, chunkRange: chunkRange, samplesPerChunk: samplesPerChunk) {
                var probe = chunk
                if x.counterResetHint != .gauge {
                    if case .newChunkNeeded(.counterReset) = probe.append(timestamp: t, histogram: x) {
                        header = .counterReset
                    } else {
                        header = .notCounterReset
                    }
                }
                closed.append(chunk.encoded())
            } else {
                switch chunk.append(timestamp: t, histogram: x) {
                case .appended:
                    h.open = .float(chunk)
                    return
                case .newChunkNeeded(let needed):
                    header = needed
                    closed.append(chunk.encoded())
                case .invalid:
                    h.open = .float(chunk)
                    return
                }
            }
        } else {
            closeOpenHistogramChunk()
        }
        var chunk = FloatHistogramChunk(header: header)
        _ = chunk.append(timestamp: t, histogram: x)
        startChunk(h, .float(chunk), at: t, chunkRange: chunkRange)
    }

    private func startChunk(_ h: HistogramSeriesState, _ chunk: HistogramSeriesState.OpenChunk, at t: Int64, chunkRange: Int64) {
        h.open = chunk
        h.openRangeEnd = Self.rangeEnd(of: t, chunkRange: chunkRange)
        h.nextAt = h.openRangeEnd
        h.endComputed = false
    }

    /// Prometheus's histogram chunk cut rule (`histogramsAppendPreprocessor`): once the chunk
    /// reaches a quarter of the 1 KiB target, predict the end time that spreads the rest of the
    /// block range over equally sized chunks; cut at that time or at twice the target size, but
    /// only with at least 10 samples unless the block range ends (chunks never span two blocks).
    /// `samplesPerChunk` does not apply, as in Prometheus; the 2-byte sample count does.
    private func shouldCutHistogramChunk(_ h: HistogramSeriesState, _ t: Int64, count: Int, bytes: Int, minTime: Int64,
                                         maxTime: Int64, chunkRange: Int64, samplesPerChunk: Int) -> Bool {
        if t >= h.openRangeEnd { return true }
        if count >= HistogramChunk.maxEncodableSamples { return true }
        if !h.endComputed && bytes >= targetBytesPerHistogramChunk / 4 {
            let ratioToFull = Double(targetBytesPerHistogramChunk) / Double(bytes)
            h.nextAt = Self.computeChunkEndTime(start: minTime, current: maxTime, max: h.nextAt, ratioToFull: ratioToFull)
            h.endComputed = true
        }
        return (t >= h.nextAt || bytes >= targetBytesPerHistogramChunk * 2) && count >= minSamplesPerHistogramChunk
    }

    /// Prometheus's `computeChunkEndTime`: the end that makes the remaining chunks of the range
    /// equally sized if samples keep arriving at the same rate.
    static func computeChunkEndTime(start: Int64, current: Int64, max maxT: Int64, ratioToFull: Double) -> Int64 {
        let n = Double(maxT &- start) / (Double(current &- start &+ 1) * ratioToFull)
        if n <= 1 { return maxT }
        let end = Double(start) + Double(maxT &- start) / n.rounded(.down)
        guard end.isFinite, end < Double(Int64.max) else { return maxT }
        return Int64(end)
    }

    /// Restores an open histogram chunk from a checkpoint (the last chunk of the series).
    func restoreOpenHistogram(_ chunk: EncodedChunk, chunkRange: Int64) throws(ChunkError) {
        let h = histogramState
        switch chunk.encoding {
        case .histogram:
            let c = try HistogramChunk(bytes: chunk.data)
            guard c.count > 0 else { throw .corrupt("empty histogram chunk") }
            h.open = .integer(c)
            var it = c.makeIterator()
            var last: HistogramSample?
            while let s = it.next() { last = s }
            h.last = last.map { .integer($0.histogram) }
        case .floatHistogram:
            let c = try FloatHistogramChunk(bytes: chunk.data)
            guard c.count > 0 else { throw .corrupt("empty float histogram chunk") }
            h.open = .float(c)
            var it = c.makeIterator()
            var last: FloatHistogramSample?
            while let s = it.next() { last = s }
            h.last = last.map { .float($0.histogram) }
        default:
            throw .corrupt("chunk encoding \(chunk.encoding) is not a histogram encoding")
        }
        h.openRangeEnd = Self.rangeEnd(of: chunk.minTime, chunkRange: chunkRange)
        h.nextAt = h.openRangeEnd
        h.endComputed = false
        lastTimestamp = h.open?.maxTime ?? .min
        lastValueBits = h.last?.sumBits ?? 0
    }
}

extension HistogramValue {
    /// The sum's bits (the stale marker's NaN for a stale histogram).
    var sumBits: UInt64 {
        switch self {
        case .integer(let h): return h.sum.bitPattern
        case .float(let h): return h.sum.bitPattern
        }
    }

    /// Whether `other` is the same sample for duplicate detection: every field bitwise equal,
    /// the counter-reset hint ignored (as Prometheus's `Equals`).
    func isDuplicate(of other: HistogramValue) -> Bool {
        switch (self, other) {
        case (.integer(var a), .integer(var b)):
            a.counterResetHint = .unknown
            b.counterResetHint = .unknown
            return a.isIdentical(to: b)
        case (.float(var a), .float(var b)):
            a.counterResetHint = .unknown
            b.counterResetHint = .unknown
            return a.isIdentical(to: b)
        default:
            return false
        }
    }

    /// Uses custom bucket bounds (schema -53): logged in its own WAL record type.
    var usesCustomBuckets: Bool {
        switch self {
        case .integer(let h): return HistogramSchema.isCustom(h.schema)
        case .float(let h): return HistogramSchema.isCustom(h.schema)
        }
    }
}
