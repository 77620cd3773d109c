/// The compactor's settings (`compactor:` in YAML, `-compactor.*` flags; docs/compactor.md).
public struct CompactorConfig: Sendable {
    /// `-compactor.data-dir`: where input blocks are downloaded and outputs written.
    public var dataDirectory = "./data/compactor"
    /// `-compactor.compaction-interval`: time between compaction runs.
    public var compactionInterval: Duration = .seconds(3600)
    /// `-compactor.block-ranges`: aligned windows blocks are merged into, smallest first.
    public var blockRanges: [Duration] = [.seconds(2 * 3600), .seconds(12 * 3600), .seconds(24 * 3600)]
    /// `-compactor.deletion-delay`: how long a block marked for deletion stays in the bucket, so
    /// queriers and store-gateways have switched to its replacement before it goes.
    public var deletionDelay: Duration = .seconds(12 * 3600)
    /// `-compactor.partial-block-deletion-delay`: a block directory without `meta.json` (an upload
    /// that never finished) whose newest object is older than this is deleted; zero keeps them.
    public var partialBlockDeletionDelay: Duration = .seconds(24 * 3600)
    /// `-compactor.compaction-concurrency`: jobs of one tenant run at once.
    public var compactionConcurrency = 1
    /// `-compactor.first-level-compaction-wait-period`: how long after the newest upload of a
    /// first-range window its blocks are merged, so every replica's block is in.
    public var firstLevelCompactionWaitPeriod: Duration = .seconds(25 * 60)
    /// `-compactor.downsampling-enabled`.
    public var downsamplingEnabled = true
    /// `-compactor.downsampling.5m-block-range`: aligned window of one 5m block.
    public var fiveMinuteBlockRange: Duration = .seconds(48 * 3600)
    /// `-compactor.downsampling.1h-block-range`: aligned window of one 1h block.
    public var oneHourBlockRange: Duration = .seconds(240 * 3600)
    /// `-compactor.downsampling.5m-min-source-range`: least span of raw data to make a 5m block (Thanos: 40h).
    public var fiveMinuteMinSourceRange: Duration = .seconds(40 * 3600)
    /// `-compactor.downsampling.1h-min-source-range`: least span of 5m data to make a 1h block (Thanos: 10 days).
    public var oneHourMinSourceRange: Duration = .seconds(240 * 3600)
    /// `-compactor.samples-per-chunk`: samples per XOR chunk in merged blocks.
    public var samplesPerChunk = 480
    /// Tenants compacted at once.
    public var tenantConcurrency = 1
    /// A delete request stays pending (the compactor keeps checking new blocks for matching
    /// samples) until its end is this much older than now: ingesters may still ship blocks
    /// holding samples up to then (`-compactor.delete-requests-settle-period`).
    public var deleteRequestsSettlePeriod: Duration = .seconds(3 * 3600)

    /// The defaults.
    public init() {}

    /// The planner these settings describe, with `shards` split-and-merge shards.
    func planner(shards: Int) -> CompactionPlanner {
        CompactionPlanner(
            ranges: blockRanges.map(Self.milliseconds), shards: shards,
            firstLevelWaitPeriod: firstLevelCompactionWaitPeriod.components.seconds,
            downsampling: downsamplingEnabled,
            fiveMinuteWindow: Self.milliseconds(fiveMinuteBlockRange), oneHourWindow: Self.milliseconds(oneHourBlockRange),
            fiveMinuteMinRange: Self.milliseconds(fiveMinuteMinSourceRange), oneHourMinRange: Self.milliseconds(oneHourMinSourceRange))
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        let (s, a) = d.components
        let (ms, overflow) = s.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : ms &+ a / 1_000_000_000_000_000
    }
}

/// A tenant's compactor limits (from the per-tenant overrides).
public struct CompactorTenantSettings: Sendable, Equatable {
    /// Split-and-merge shards; 0 or 1 = none.
    public var shards: Int
    /// Raw blocks whose end is older than this are deleted; zero = kept.
    public var rawRetention: Duration
    /// Same for 5m blocks; zero = kept.
    public var fiveMinuteRetention: Duration
    /// Same for 1h blocks; zero = kept.
    public var oneHourRetention: Duration

    /// Creates settings.
    public init(shards: Int = 0, rawRetention: Duration = .zero, fiveMinuteRetention: Duration = .zero, oneHourRetention: Duration = .zero) {
        self.shards = shards
        self.rawRetention = rawRetention
        self.fiveMinuteRetention = fiveMinuteRetention
        self.oneHourRetention = oneHourRetention
    }

    /// The retention of blocks of `resolution`, ms; nil = forever (as Thanos, each resolution
    /// has its own; zero keeps that resolution forever).
    public func retention(resolution: Int64) -> Int64? {
        let d = resolution >= Resolution.oneHour ? oneHourRetention
            : resolution >= Resolution.fiveMinutes ? fiveMinuteRetention : rawRetention
        guard d > .zero else { return nil }
        return CompactorConfig.milliseconds(d)
    }
}
