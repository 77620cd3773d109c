import StrataBucketIndex

/// Decides, from a tenant's bucket index, which blocks to merge and which to downsample.
///
/// The rules (docs/compactor.md):
///
/// * Raw blocks that fit inside one aligned window of a block range (`-compactor.block-ranges`,
///   smallest first) and share it with at least one other block are merged: first the
///   replicas' 2h blocks of one window, then 2h blocks into 12h, then 12h into 24h. The first
///   range waits `firstLevelWaitPeriod` after the newest upload so every replica's block is in;
///   larger ranges wait until the window is over (a block ends after it, or the window ended more
///   than one range ago).
/// * With split-and-merge shards, a window whose blocks are not all shards of the same count is
///   split into that many shards; then the blocks of each shard are merged among themselves.
/// * Only when no merge is pending: raw data of a complete 5m window (default 48h) spanning at
///   least the 5m threshold (40h) becomes one 5m block; 5m blocks of a complete 1h window
///   (default 10 days) spanning at least its threshold become one 1h block. A window that
///   already has a block of the target resolution is not downsampled again.
public struct CompactionPlanner: Sendable {
    /// Block ranges in ms, ascending.
    public var ranges: [Int64]
    /// Split-and-merge shards (0 or 1: none).
    public var shards: Int
    /// How long after the newest upload in a window its first-level blocks are merged, seconds.
    public var firstLevelWaitPeriod: Int64
    /// Whether downsampled blocks are made.
    public var downsampling: Bool
    /// Aligned window of one 5m block, ms.
    public var fiveMinuteWindow: Int64
    /// Aligned window of one 1h block, ms.
    public var oneHourWindow: Int64
    /// Least span of raw data in a window for it to be downsampled to 5m, ms.
    public var fiveMinuteMinRange: Int64
    /// Least span of 5m data in a window for it to be downsampled to 1h, ms.
    public var oneHourMinRange: Int64

    /// Creates a planner.
    public init(ranges: [Int64], shards: Int, firstLevelWaitPeriod: Int64, downsampling: Bool,
                fiveMinuteWindow: Int64, oneHourWindow: Int64, fiveMinuteMinRange: Int64, oneHourMinRange: Int64) {
        self.ranges = ranges.filter { $0 > 0 }.sorted()
        self.shards = shards
        self.firstLevelWaitPeriod = firstLevelWaitPeriod
        self.downsampling = downsampling
        self.fiveMinuteWindow = fiveMinuteWindow
        self.oneHourWindow = oneHourWindow
        self.fiveMinuteMinRange = fiveMinuteMinRange
        self.oneHourMinRange = oneHourMinRange
    }

    /// The aligned window of `size` ms holding the whole of `block`, if one does.
    static func window(of block: BucketIndex.Block, size: Int64) -> Int64? {
        guard size > 0, block.maxTime > block.minTime else { return nil }
        let start = floorDiv(block.minTime, size) * size
        let (end, overflow) = start.addingReportingOverflow(size)
        guard !overflow, block.maxTime <= end else { return nil }
        return start
    }

    /// Floor division (the window of a negative timestamp starts before it).
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// The jobs to run now, all at the same level and independent of each other (disjoint inputs),
    /// oldest window first. `blocks` are the tenant's blocks that may be compacted (marked
    /// blocks already removed); `now` is Unix seconds.
    public func plan(blocks: [BucketIndex.Block], now: Int64) -> [CompactionJob] {
        let merges = mergeJobs(blocks.filter { $0.resolution == 0 }, now: now)
        if !merges.isEmpty || !downsampling { return merges }
        return downsampleJobs(blocks)
    }

    func mergeJobs(_ raw: [BucketIndex.Block], now: Int64) -> [CompactionJob] {
        guard !raw.isEmpty else { return [] }
        let newest = raw.map(\.maxTime).max() ?? 0
        let nowMs = now.multipliedReportingOverflow(by: 1000).overflow ? Int64.max : now * 1000
        for (level, range) in ranges.enumerated() {
            var windows: [Int64: [BucketIndex.Block]] = [:]
            for block in raw {
                if let start = Self.window(of: block, size: range) { windows[start, default: []].append(block) }
            }
            var jobs: [CompactionJob] = []
            for (start, group) in windows.sorted(by: { $0.key < $1.key }) where group.count > 1 {
                let end = start &+ range
                if level == 0 {
                    guard let lastUpload = group.map(\.uploadedAt).max(), now - lastUpload >= firstLevelWaitPeriod else { continue }
                } else {
                    guard end < newest || end <= nowMs &- range else { continue }
                }
                jobs += jobsForWindow(group, range: range, start: start, end: end)
            }
            if !jobs.isEmpty { return jobs }
        }
        return []
    }

    /// Split the window into shards, or merge each shard's blocks, or merge the whole window.
    func jobsForWindow(_ group: [BucketIndex.Block], range: Int64, start: Int64, end: Int64) -> [CompactionJob] {
        guard shards > 1 else {
            return [CompactionJob(kind: .merge(range: range), windowStart: start, windowEnd: end, blocks: group)]
        }
        let suffix = "_of_\(shards)"
        let allSharded = group.allSatisfy { $0.compactorShardID.hasSuffix(suffix) }
        guard allSharded else {
            return [CompactionJob(kind: .merge(range: range), windowStart: start, windowEnd: end, blocks: group, outputShards: shards)]
        }
        var byShard: [String: [BucketIndex.Block]] = [:]
        for block in group { byShard[block.compactorShardID, default: []].append(block) }
        return byShard.sorted { $0.key < $1.key }.filter { $0.value.count > 1 }.map { shard, blocks in
            CompactionJob(kind: .merge(range: range), windowStart: start, windowEnd: end, blocks: blocks, keepShardID: shard)
        }
    }

    func downsampleJobs(_ blocks: [BucketIndex.Block]) -> [CompactionJob] {
        var jobs = downsample(blocks, from: 0, to: Resolution.fiveMinutes, window: fiveMinuteWindow, minRange: fiveMinuteMinRange)
        if jobs.isEmpty {
            jobs = downsample(blocks, from: Resolution.fiveMinutes, to: Resolution.oneHour, window: oneHourWindow, minRange: oneHourMinRange)
        }
        return jobs
    }

    func downsample(_ blocks: [BucketIndex.Block], from: Int64, to: Int64, window size: Int64, minRange: Int64) -> [CompactionJob] {
        let sources = blocks.filter { $0.resolution == from }
        guard size > 0, let newest = sources.map(\.maxTime).max() else { return [] }
        var done = Set<Int64>()
        for block in blocks where block.resolution == to {
            if let start = Self.window(of: block, size: size) { done.insert(start) }
        }
        var windows: [Int64: [BucketIndex.Block]] = [:]
        for block in sources {
            if let start = Self.window(of: block, size: size) { windows[start, default: []].append(block) }
        }
        var jobs: [CompactionJob] = []
        for (start, group) in windows.sorted(by: { $0.key < $1.key }) where !done.contains(start) {
            let end = start &+ size
            guard end <= newest || group.allSatisfy({ $0.maxTime == end }) else { continue }
            guard let lo = group.map(\.minTime).min(), let hi = group.map(\.maxTime).max(), hi &- lo >= minRange else { continue }
            jobs.append(CompactionJob(kind: .downsample(resolution: to), windowStart: start, windowEnd: end, blocks: group))
        }
        return jobs
    }
}
