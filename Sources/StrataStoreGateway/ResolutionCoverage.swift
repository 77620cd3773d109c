import StrataBucketIndex

/// Which blocks answer a query that may read downsampled data, and over which parts of its range.
///
/// The coarsest resolution allowed answers wherever a block of it exists; the time its blocks do
/// not cover falls to the next finer resolution, down to raw samples (Thanos's rule: a 1h block
/// that does not exist yet, or has expired, is replaced by 5m or raw data).
enum ResolutionCoverage {
    /// One block and the closed sub-ranges of the query it answers.
    struct Part: Equatable {
        var block: String
        var ranges: [ClosedRange<Int64>]
    }

    /// The parts of `[minTime, maxTime]` each block answers, coarsest resolution first; blocks of
    /// resolutions above `maxResolution` are not used.
    static func plan(_ blocks: [BucketIndex.Block], minTime: Int64, maxTime: Int64, maxResolution: Int64) -> [Part] {
        guard minTime <= maxTime else { return [] }
        let levels = Set(blocks.map(\.resolution)).filter { $0 <= maxResolution }.sorted(by: >)
        var covered: [ClosedRange<Int64>] = []
        var out: [Part] = []
        for level in levels {
            var added: [ClosedRange<Int64>] = []
            for block in blocks where block.resolution == level {
                let lo = max(minTime, block.minTime)
                let hi = min(maxTime, block.maxTime &- 1)
                guard lo <= hi else { continue }
                let parts = subtract(lo...hi, covered)
                if !parts.isEmpty { out.append(Part(block: block.id, ranges: parts)) }
                added.append(lo...hi)
            }
            covered = union(covered + added)
        }
        return out
    }

    /// `range` minus the sorted, disjoint `covered`.
    static func subtract(_ range: ClosedRange<Int64>, _ covered: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        var start = range.lowerBound
        for c in covered where c.upperBound >= start && c.lowerBound <= range.upperBound {
            if c.lowerBound > start { out.append(start...(c.lowerBound - 1)) }
            if c.upperBound >= range.upperBound { return out }
            start = c.upperBound + 1
        }
        out.append(start...range.upperBound)
        return out
    }

    /// Sorted, disjoint ranges covering the same time as `ranges`.
    static func union(_ ranges: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
        var out: [ClosedRange<Int64>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            // Touching or overlapping the previous range (which may already reach Int64.max).
            if let last = out.last, last.upperBound == .max || r.lowerBound <= last.upperBound + 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
