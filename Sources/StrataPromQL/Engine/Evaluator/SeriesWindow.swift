import StrataChunks
import StrataModel

/// The sliding window of one stored series, decoded incrementally as evaluation moves forward.
///
/// Used where many series advance step by step side by side (an aggregation fed by a range
/// function or a selector), so only each series' current window is held, never all of its
/// samples.
struct SeriesWindow: Sendable {
    private var iterator: ChunkSeriesIterator
    /// Decoded samples; the live window starts at `head`.
    private(set) var buffer: [FPoint] = []
    private(set) var head = 0
    /// The next decoded sample, beyond the current window's end.
    private var pending: FPoint? = nil
    private var exhausted = false
    /// Whether staleness markers stay in the window (an instant selector needs them).
    private let keepStale: Bool

    /// A window over `series` clipped to `[mint, maxt]`, before its first sample.
    init(_ series: QuerySeries, mint: Int64, maxt: Int64, keepStale: Bool = false) {
        iterator = ChunkSeriesIterator(chunks: series.chunks, minTime: mint, maxTime: maxt)
        self.keepStale = keepStale
    }

    /// Moves the window to `(lower, ref]` (both only ever grow) and returns its index range in
    /// `buffer`. Staleness markers are skipped unless kept.
    mutating func advance(lower: Int64, ref: Int64) -> Range<Int> {
        while true {
            if let p = pending {
                if p.t > ref { break }
                buffer.append(p)
                pending = nil
            }
            if exhausted { break }
            guard let s = iterator.next() else {
                exhausted = true
                break
            }
            if !keepStale && StaleNaN.isStale(s.value) { continue }
            pending = FPoint(t: s.timestamp, f: s.value)
        }
        while head < buffer.count && buffer[head].t <= lower { head += 1 }
        if head >= 32 && head * 2 >= buffer.count {
            buffer.removeFirst(head)
            head = 0
        }
        return head..<buffer.count
    }
}
