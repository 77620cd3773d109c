/// Which time span a cut writes: `[start, end)`, split at the block ranges `[k·R, (k+1)·R)` into
/// one block per range holding data. `end` becomes the head's `minValidTime`.
struct CutPlan: Equatable {
    /// Start of the first range (a multiple of `chunkRange`).
    let start: Int64
    /// Exclusive end of the cut: a multiple of `chunkRange` for a periodic cut, the head's newest
    /// sample + 1 for a forced one (`Int64.max` at the edge).
    let end: Int64
    /// The block range, `R`.
    let chunkRange: Int64
    /// The head's `minValidTime` before this cut: an earlier cut already wrote everything before
    /// it, so a block of a range that cut reached starts there instead of at the range start.
    let previousEnd: Int64

    /// The plan for a head holding samples in `[headMinTime, headMaxTime]` that already cut
    /// everything before `previousEnd`; nil when nothing is to be cut.
    ///
    /// Periodic (`force == false`), as Prometheus: only once the head spans more than 1.5 block
    /// ranges, and only ranges ending at or before `headMaxTime − R/2`, the oldest timestamp an
    /// append may still carry, so no append can land in a range being written. Forced (flush,
    /// shutdown), as Mimir's forced compaction: everything up to and including the newest sample,
    /// so the last block ends at `headMaxTime + 1` and appends newer than that go on at once.
    ///
    /// `dataBeforePreviousEnd`: the head holds out-of-order samples before `previousEnd` (in
    /// ranges an earlier cut wrote), so a plan ending there still has something to cut.
    init?(headMinTime: Int64, headMaxTime: Int64, chunkRange: Int64, force: Bool, previousEnd: Int64 = .min,
          dataBeforePreviousEnd: Bool = false) {
        guard chunkRange > 0, headMinTime <= headMaxTime else { return nil }
        let start = Self.floor(headMinTime, chunkRange)
        let end: Int64
        if force {
            let (next, overflow) = headMaxTime.addingReportingOverflow(1)
            end = overflow ? .max : next
        } else {
            let (span, spanOverflow) = headMaxTime.subtractingReportingOverflow(headMinTime)
            guard spanOverflow || span > chunkRange / 2 * 3 else { return nil }
            let (limit, limitOverflow) = headMaxTime.subtractingReportingOverflow(chunkRange / 2)
            guard !limitOverflow else { return nil }
            end = Self.floor(limit, chunkRange)
        }
        // The head holds nothing before `previousEnd`, so a plan ending there has nothing to cut.
        guard end > start, end > previousEnd || dataBeforePreviousEnd else { return nil }
        self.start = start
        self.end = end
        self.chunkRange = chunkRange
        self.previousEnd = previousEnd
    }

    /// The start of the range holding `t`.
    func rangeStart(of t: Int64) -> Int64 { Self.floor(t, chunkRange) }

    /// The `[minTime, maxTime)` of the block of the range starting at `rangeStart`: the range,
    /// clipped to what earlier cuts left (`previousEnd`) and to the plan's end.
    func blockBounds(rangeStart: Int64) -> (minTime: Int64, maxTime: Int64) {
        let (e, overflow) = rangeStart.addingReportingOverflow(chunkRange)
        return (Swift.max(rangeStart, previousEnd), overflow ? end : Swift.min(e, end))
    }

    /// The largest multiple of `r` at or below `t` (floor division, also before 1970).
    static func floor(_ t: Int64, _ r: Int64) -> Int64 {
        var q = t / r
        if t % r != 0 && t < 0 { q -= 1 }
        // Only a timestamp within one range of Int64.min overflows; it belongs to the first range.
        let (start, overflow) = q.multipliedReportingOverflow(by: r)
        return overflow ? .min : start
    }
}
