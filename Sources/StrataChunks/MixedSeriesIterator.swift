import StrataModel

/// One sample of a series that may hold floats and native histograms: a float (`h == nil`,
/// the value in `f`) or a histogram with float counts (integer-count histograms are converted,
/// as PromQL computes with float histograms).
public struct MixedSample: Sendable {
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The value of a float sample (a staleness marker is the stale NaN).
    public var f: Double
    /// The value of a histogram sample (a staleness marker has `isStale`); nil for a float.
    public var h: FloatHistogram?

    /// Creates a sample.
    @inlinable
    public init(timestamp: Int64, f: Double, h: FloatHistogram?) {
        self.timestamp = timestamp
        self.f = f
        self.h = h
    }

    /// True when the sample is a staleness marker of either kind.
    @inlinable
    public var isStale: Bool { h.map(\.isStale) ?? StaleNaN.isStale(f) }
}

/// Iterates the samples of one series whose chunks may be of any raw encoding (XOR, histogram,
/// float histogram) within `[minTime, maxTime]`, in timestamp order.
///
/// A series may switch between floats and histograms from one chunk to the next. The merge
/// rules are `ChunkSeriesIterator`'s: chunks come ordered by `minTime`, may overlap, are opened
/// as the merge reaches them, and a timestamp is yielded once, from the earliest chunk in the
/// list that holds it. Aggregate chunks hold no raw samples and are skipped. Corrupt chunks end
/// where their data does.
///
/// Slower than `ChunkSeriesIterator` (each sample is a `MixedSample`); readers use that one
/// when every chunk is XOR (`usesOnlyXOR`).
public struct MixedSeriesIterator: IteratorProtocol, Sendable {
    /// A decoder of one chunk.
    enum Decoder: Sendable {
        case xor(XORIterator)
        case histogram(HistogramIterator)
        case floatHistogram(FloatHistogramIterator)

        mutating func next() -> MixedSample? {
            switch self {
            case .xor(var it):
                let s = it.next()
                self = .xor(it)
                return s.map { MixedSample(timestamp: $0.timestamp, f: $0.value, h: nil) }
            case .histogram(var it):
                let s = it.next()
                self = .histogram(it)
                return s.map { MixedSample(timestamp: $0.timestamp, f: 0, h: $0.histogram.toFloat()) }
            case .floatHistogram(var it):
                let s = it.next()
                self = .floatHistogram(it)
                return s.map { MixedSample(timestamp: $0.timestamp, f: 0, h: $0.histogram) }
            }
        }
    }

    /// A chunk being decoded and its next sample.
    struct Cursor: Sendable {
        var decoder: Decoder
        var head: MixedSample
        /// Position in `chunks`, for the first-chunk-wins rule.
        var order: Int
        /// Whether `head` holds a decoded sample yet.
        var primed = false
    }

    let chunks: [EncodedChunk]
    let minTime: Int64
    let maxTime: Int64
    var nextChunk = 0
    var active: [Cursor] = []
    var last: Int64? = nil
    var finished = false

    /// Iterates `chunks` (ordered by `minTime`) clipped to the closed range `[minTime, maxTime]`.
    public init(chunks: [EncodedChunk], minTime: Int64, maxTime: Int64) {
        self.chunks = chunks
        self.minTime = minTime
        self.maxTime = maxTime
        finished = minTime > maxTime
    }

    /// True when every chunk is XOR, so `ChunkSeriesIterator` reads the series faster.
    public static func usesOnlyXOR(_ chunks: [EncodedChunk]) -> Bool {
        for c in chunks where c.encoding != .xor { return false }
        return true
    }

    /// The next sample in range, or nil.
    public mutating func next() -> MixedSample? {
        if finished { return nil }
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
        if sample.timestamp == .max {
            finished = true
            return sample
        }
        let floor = nextFloor
        var i = 0
        while i < active.count {
            if Self.advance(&active[i], floor: floor) {
                i += 1
            } else {
                active.remove(at: i)
            }
        }
        return sample
    }

    /// Index in `active` of the cursor with the smallest head (earliest chunk on ties).
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
        let decoder: Decoder
        switch chunk.encoding {
        case .xor: decoder = .xor(XORIterator(bytes: chunk.data))
        case .histogram: decoder = .histogram(HistogramIterator(bytes: chunk.data))
        case .floatHistogram: decoder = .floatHistogram(FloatHistogramIterator(bytes: chunk.data))
        case .aggregate: return
        }
        var cursor = Cursor(decoder: decoder, head: MixedSample(timestamp: .min, f: 0, h: nil), order: index)
        if Self.advance(&cursor, floor: nextFloor) { active.append(cursor) }
    }

    /// The smallest timestamp that may still be yielded.
    var nextFloor: Int64 { last.map { max($0 &+ 1, minTime) } ?? minTime }

    /// Moves `cursor` to its next sample at or after `floor`; false when exhausted.
    static func advance(_ cursor: inout Cursor, floor: Int64) -> Bool {
        if cursor.primed && cursor.head.timestamp >= floor { return true }
        while let s = cursor.decoder.next() {
            if s.timestamp >= floor {
                cursor.head = s
                cursor.primed = true
                return true
            }
        }
        return false
    }
}
