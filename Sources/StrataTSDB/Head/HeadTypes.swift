import StrataChunks
import StrataModel

/// Tuning of one tenant's head.
public struct HeadOptions: Sendable {
    /// The default block range: two hours, as in Prometheus and Mimir.
    public static let defaultChunkRange: Int64 = 2 * 3_600_000
    /// Default number of WAL segments completed since the last checkpoint that triggers one.
    public static let defaultCheckpointMinSegments = 3
    /// Default WAL volume since the last checkpoint that triggers one even with few segments.
    public static let defaultCheckpointMaxWALBytes = 256 << 20
    /// Default samples per chunk: Prometheus's 120.
    public static let defaultSamplesPerChunk = XORChunk.maxSamples
    /// Default samples per chunk in the blocks the head cuts: the head's chunks as they are. The
    /// server's default is `serverBlockSamplesPerChunk`.
    public static let defaultBlockSamplesPerChunk = 0
    /// Samples per block chunk the server configures by default
    /// (`-blocks-storage.tsdb.block-samples-per-chunk`): a 2 h block at a 15 s scrape interval is
    /// one chunk per series. Measured against 120 on the load generator's data: 6 % fewer bytes in
    /// the bucket, 7-day queries from blocks 22–24 % faster (docs/benchmarks.md).
    public static let serverBlockSamplesPerChunk = 480
    /// The range `samplesPerChunk` and a non-zero `blockSamplesPerChunk` may take: a chunk's 2-byte
    /// header counts at most 65,535.
    public static let samplesPerChunkRange = 1...XORChunk.maxEncodableSamples

    /// Block range in ms. Chunks never span a multiple of it, and a sample older than the head's
    /// newest sample minus half of it is too old (Prometheus's appendable window).
    public var chunkRange: Int64
    /// Samples after which the head closes a series' chunk and starts a new one (a chunk also
    /// ends at a block-range bound). Blocks keep these chunks unless `blockSamplesPerChunk` merges
    /// them. More samples per chunk cost fewer bytes per sample (each chunk repeats a full first
    /// timestamp and value, a CRC and an index entry) but make a query that needs one sample
    /// decode more. Within `samplesPerChunkRange`.
    public var samplesPerChunk: Int
    /// Samples per chunk in the blocks a cut writes: the head's chunks of each series are merged
    /// and re-encoded into chunks of this many samples (still never across a block range); 0 keeps
    /// the head's chunks as they are. Blocks are written once and mostly read over long ranges,
    /// so they can take longer chunks than the head, whose short chunks keep instant queries over
    /// recent data cheap. Within `samplesPerChunkRange`, or 0.
    public var blockSamplesPerChunk: Int
    /// Size at which the WAL starts a new segment file.
    public var walSegmentSize: Int
    /// `checkpointIfNeeded` checkpoints once at least this many WAL segments were completed since
    /// the last checkpoint.
    public var checkpointMinSegments: Int
    /// `checkpointIfNeeded` also checkpoints once this many WAL bytes were written since the last
    /// checkpoint, so that a small `walSegmentSize` or a large one both bound replay time.
    public var checkpointMaxWALBytes: Int
    /// The oldest timestamp the head accepts, in ms: everything before it has already been cut
    /// into blocks. The ingester passes the largest `maxTime` (exclusive) of the tenant's blocks on
    /// local disk — a range bound, or the newest cut sample + 1 after a forced cut — so that replay
    /// drops WAL samples and checkpoint chunks a cut already wrote (a crash between publishing a
    /// block and checkpointing the truncated head) and pushes newer than the blocks go on at once.
    /// `Int64.min`: no bound.
    public var minValidTime: Int64
    /// Samples an out-of-order series buffers before encoding them into a chunk (Prometheus's
    /// `out_of_order_cap`): bounds the uncompressed part of the out-of-order head per series.
    public var outOfOrderCapacity: Int = HeadOptions.defaultOutOfOrderCapacity
    /// Prometheus's default `out_of_order_cap`.
    public static let defaultOutOfOrderCapacity = 32
    /// Mask applied to every label hash. Tests set it to 0 to force every series into one hash
    /// bucket and exercise collision handling; production leaves all bits.
    var hashMask: UInt64 = ~0

    /// Creates options; the defaults suit a production ingester.
    public init(chunkRange: Int64 = HeadOptions.defaultChunkRange,
                samplesPerChunk: Int = HeadOptions.defaultSamplesPerChunk,
                blockSamplesPerChunk: Int = HeadOptions.defaultBlockSamplesPerChunk,
                walSegmentSize: Int = WAL.defaultSegmentSize,
                checkpointMinSegments: Int = HeadOptions.defaultCheckpointMinSegments,
                checkpointMaxWALBytes: Int = HeadOptions.defaultCheckpointMaxWALBytes,
                minValidTime: Int64 = .min) {
        self.chunkRange = chunkRange
        self.samplesPerChunk = samplesPerChunk
        self.blockSamplesPerChunk = blockSamplesPerChunk
        self.walSegmentSize = walSegmentSize
        self.checkpointMinSegments = checkpointMinSegments
        self.checkpointMaxWALBytes = checkpointMaxWALBytes
        self.minValidTime = minValidTime
    }
}

/// The per-tenant series limits the head enforces when it creates a series.
public struct SeriesLimits: Sendable, Equatable {
    /// Most series the tenant may have in this head; 0 is unlimited.
    public var maxSeriesPerUser: Int
    /// Most series one metric name may have in this head; 0 is unlimited.
    public var maxSeriesPerMetric: Int
    /// The tenant's limits as configured (cluster-wide), named in refusal messages; in a cluster
    /// each ingester enforces its share of them (`maxSeriesPerUser`, `maxSeriesPerMetric`).
    public var configuredMaxSeriesPerUser: Int
    /// See `configuredMaxSeriesPerUser`.
    public var configuredMaxSeriesPerMetric: Int
    /// The tenant's out-of-order window in ms (`out_of_order_time_window`); 0 refuses late
    /// samples as before. Per call, so a runtime override applies to the next push.
    public var outOfOrderTimeWindow: Int64 = 0

    /// No limits.
    public static let unlimited = SeriesLimits(maxSeriesPerUser: 0, maxSeriesPerMetric: 0)

    /// Creates limits; 0 means unlimited. The configured values default to the enforced ones.
    public init(maxSeriesPerUser: Int = 0, maxSeriesPerMetric: Int = 0,
                configuredMaxSeriesPerUser: Int? = nil, configuredMaxSeriesPerMetric: Int? = nil) {
        self.maxSeriesPerUser = maxSeriesPerUser
        self.maxSeriesPerMetric = maxSeriesPerMetric
        self.configuredMaxSeriesPerUser = configuredMaxSeriesPerUser ?? maxSeriesPerUser
        self.configuredMaxSeriesPerMetric = configuredMaxSeriesPerMetric ?? maxSeriesPerMetric
    }
}

/// The first refusal of an append, for the client's error message.
public struct AppendRejection: Sendable, Equatable {
    /// The stable error ID.
    public var id: ErrorID
    /// The operator-facing message, ending with the ID and naming the sample and series.
    public var message: String

    /// Creates a rejection.
    public init(id: ErrorID, message: String) {
        self.id = id
        self.message = message
    }
}

/// What one `Head.append` did.
public struct AppendOutcome: Sendable, Equatable {
    /// Samples stored (and written to the WAL), native histograms included.
    public var appended: Int
    /// Of `appended`, the native histograms (integer or float).
    public var appendedHistograms: Int = 0
    /// Samples refused, by reason.
    public var rejected: [ErrorID: Int]
    /// The first refusal, with a message naming the sample and its series.
    public var firstRejection: AppendRejection?
    /// Series created by this call.
    public var seriesCreated: Int
    /// Samples that repeated the newest sample of their series exactly (same timestamp and value
    /// bits): accepted as no-ops, neither appended nor rejected, as in Prometheus.
    public var duplicatesIgnored: Int

    /// Creates an outcome.
    public init(appended: Int = 0, rejected: [ErrorID: Int] = [:], firstRejection: AppendRejection? = nil,
                seriesCreated: Int = 0, duplicatesIgnored: Int = 0) {
        self.appended = appended
        self.rejected = rejected
        self.firstRejection = firstRejection
        self.seriesCreated = seriesCreated
        self.duplicatesIgnored = duplicatesIgnored
    }

    /// Total samples refused.
    public var rejectedCount: Int { rejected.values.reduce(0, +) }
}

/// A point-in-time view of a head, for `/metrics` and the TSDB status page.
public struct HeadStats: Sendable, Equatable {
    /// Series in memory.
    public var numSeries: Int = 0
    /// Chunks in memory, open chunks included.
    public var numChunks: Int = 0
    /// Oldest sample timestamp (ms), `Int64.max` when the head is empty.
    public var minTime: Int64 = .max
    /// Newest sample timestamp (ms), `Int64.min` when the head is empty.
    public var maxTime: Int64 = .min
    /// Samples appended since the head was opened (replayed samples not included).
    public var samplesAppended: Int = 0
    /// Series created since the head was opened (replayed series not included).
    public var seriesCreated: Int = 0
    /// Distinct label names and values held by the symbol table.
    public var symbols: Int = 0
    /// WAL bytes written since the head was opened.
    public var walBytesWritten: Int = 0
    /// fsync calls made on the WAL since the head was opened.
    public var walFsyncs: Int = 0
    /// Index of the WAL segment being written.
    public var walSegmentsCurrent: Int = 0
    /// Checkpoints written since the head was opened.
    public var checkpoints: Int = 0
    /// Index of the newest checkpoint (the last WAL segment it covers), -1 when none.
    public var lastCheckpointIndex: Int = -1
    /// How long the last checkpoint took, in seconds (0 when none yet).
    public var lastCheckpointDurationSeconds: Double = 0
    /// WAL and checkpoint records replayed when the head was opened.
    public var replayedRecords: Int = 0
    /// Samples replayed when the head was opened.
    public var replayedSamples: Int = 0
    /// Replayed samples dropped because their series was unknown (a WAL from a damaged disk).
    public var replayUnknownRefSamples: Int = 0
    /// Torn or corrupt WAL tails repaired when the head was opened.
    public var walRepairs: Int = 0
    /// How long opening the head (replay included) took, in seconds.
    public var replayDurationSeconds: Double = 0
    /// Replayed samples and chunk samples dropped because they were older than `minValidTime`
    /// (already in a block: a crash came between the cut and its checkpoint).
    public var replayBelowMinValidTimeSamples: Int = 0
    /// The oldest timestamp an append may carry because of block cuts (`Int64.min`: none yet);
    /// the appendable window (head max time − chunkRange/2) applies on top of it.
    public var minValidTime: Int64 = .min
    /// Blocks written by `cutBlocks` since the head was opened.
    public var blocksCut: Int = 0
    /// `cutBlocks` calls that failed since the head was opened.
    public var blockCutFailures: Int = 0
    /// How long the last `cutBlocks` that wrote blocks took to publish them, in seconds (0 when
    /// none yet); truncation and the checkpoint that follow are not included.
    public var lastBlockCutDurationSeconds: Double = 0
    /// Series removed from memory because a cut left them without chunks (at open too: series
    /// whose samples were all before `minValidTime`, or that had none).
    public var seriesRemoved: Int = 0
    /// Out-of-order samples held in memory (buffered and in sealed out-of-order chunks).
    public var oooSamples: Int = 0
    /// Sealed out-of-order chunks held in memory.
    public var oooChunks: Int = 0
    /// Out-of-order samples appended since open (also counted in `samplesAppended`).
    public var oooSamplesAppended: Int = 0
    /// Out-of-order samples restored at open from the checkpoint and the WBL.
    public var oooReplayedSamples: Int = 0
    /// WBL bytes written since the head was opened.
    public var wblBytesWritten: Int = 0

    /// An empty head's stats.
    public init() {}
}

/// Why the head could not do what was asked.
public enum HeadError: Error, Sendable, CustomStringConvertible {
    /// The head was closed; the ingester is stopping or the tenant was removed.
    case closed
    /// The WAL could not be written, created or read; nothing of the failed call was applied.
    case wal(String)
    /// The WAL or checkpoint holds a record the head cannot apply.
    case corrupt(String)
    /// A block could not be cut; the head kept its data (still queryable and in the WAL).
    case block(String)

    public var description: String {
        switch self {
        case .closed: return "the TSDB head is closed"
        case .wal(let why): return "TSDB head WAL failure: \(why)"
        case .corrupt(let why): return "TSDB head WAL or checkpoint is corrupt: \(why)"
        case .block(let why): return "TSDB head block cut failed: \(why)"
        }
    }
}
