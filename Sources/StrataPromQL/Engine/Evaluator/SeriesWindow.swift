import StrataChunks
import StrataModel

/// The sliding window of one stored series, decoded incrementally as evaluation moves forward.
///
/// Used where many series advance step by step side by side (an aggregation fed by a range
/// function or a selector), so only each series' current window is held, never all of its
/// samples.
struct SeriesWindow: Sendable {
    private var iterator: ChunkSeriesIterator
    /// Decoded samples: the live window is `head..<tail`; samples from `tail` on are read
    /// ahead (past the window's end).
    private(set) var buffer: [FPoint] = []
    private(set) var head = 0
    private var tail = 0
    private var exhausted = false
    /// Whether staleness markers stay in the window (an instant selector needs them).
    private let keepStale: Bool

    /// Samples decoded per refill. Decoding a run at a time keeps the per-step `advance` a
    /// scan of the buffer instead of an iterator call per sample; the run is short so that a
    /// query over many series still holds little more than each series' window.
    static let readAhead = 16

    /// A window over `series` clipped to `[mint, maxt]`, before its first sample.
    init(_ series: QuerySeries, mint: Int64, maxt: Int64, keepStale: Bool = false) {
        iterator = ChunkSeriesIterator(chunks: series.chunks, minTime: mint, maxTime: maxt)
        self.keepStale = keepStale
    }

    // The accessors below are `mutating` although they only read: called on an element of an
    // array of windows, a mutating call works in place, where a non-mutating one was compiled
    // as a copy of the whole window (iterator, cursors, buffer) with its reference counting.

    /// Calls `body` with the points of `range` (a range `advance` returned), read in place.
    @inline(__always)
    mutating func withPoints<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<FPoint>) -> R) -> R {
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// The point at `index` of `buffer`.
    @inline(__always)
    mutating func point(at index: Int) -> FPoint { buffer[index] }

    /// Appends the points of `range` to `out`.
    @inline(__always)
    mutating func appendPoints(_ range: Range<Int>, to out: inout [FPoint]) {
        out.append(contentsOf: buffer[range])
    }

    /// Moves the window to `(lower, ref]` (both only ever grow) and returns its index range in
    /// `buffer`. Staleness markers are skipped unless kept.
    mutating func advance(lower: Int64, ref: Int64) -> Range<Int> {
        while true {
            while tail < buffer.count && buffer[tail].t <= ref { tail &+= 1 }
            if tail < buffer.count || exhausted { break }
            readMore()
        }
        while head < tail && buffer[head].t <= lower { head &+= 1 }
        if head >= 32 && head &* 2 >= buffer.count {
            buffer.removeFirst(head)
            tail &-= head
            head = 0
        }
        return head..<tail
    }

    /// Decodes up to `readAhead` more samples into `buffer`.
    private mutating func readMore() {
        var n = 0
        while n < Self.readAhead {
            guard let s = iterator.next() else {
                exhausted = true
                return
            }
            if !keepStale && StaleNaN.isStale(s.value) { continue }
            buffer.append(FPoint(t: s.timestamp, f: s.value))
            n &+= 1
        }
    }
}
