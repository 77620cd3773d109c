import StrataBucketIndex

/// One unit of compactor work on one tenant: input blocks and what to make of them.
public struct CompactionJob: Sendable, Equatable, CustomStringConvertible {
    /// What the job does.
    public enum Kind: Sendable, Equatable {
        /// Merge (and de-duplicate) raw blocks of one aligned window of `range` ms.
        case merge(range: Int64)
        /// Make one block of `resolution` from the window's blocks of the next finer resolution.
        case downsample(resolution: Int64)
    }

    /// What the job does.
    public var kind: Kind
    /// Start of the aligned window, ms.
    public var windowStart: Int64
    /// End of the aligned window, ms, exclusive.
    public var windowEnd: Int64
    /// The inputs, sorted by block ID (the first wins where replicas disagree).
    public var blocks: [BucketIndex.Block]
    /// Output shards: more than 1 splits the output by series hash (split-and-merge).
    public var outputShards: Int
    /// The shard ID the single output keeps (merging blocks of one shard).
    public var keepShardID: String?

    /// Creates a job; the inputs are sorted by ID.
    public init(kind: Kind, windowStart: Int64, windowEnd: Int64, blocks: [BucketIndex.Block],
                outputShards: Int = 1, keepShardID: String? = nil) {
        self.kind = kind
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.blocks = blocks.sorted { $0.id < $1.id }
        self.outputShards = outputShards
        self.keepShardID = keepShardID
    }

    /// Whether the outputs replace the inputs (a merge), which are then marked for deletion.
    public var replacesInputs: Bool {
        if case .merge = kind { return true }
        return false
    }

    public var description: String {
        let what: String = switch kind {
        case .merge(let range): "merge \(blocks.count) blocks in \(range / 3_600_000)h window"
        case .downsample(let resolution): "downsample \(blocks.count) blocks to \(resolution / 60_000)m"
        }
        let shard = outputShards > 1 ? " into \(outputShards) shards" : keepShardID.map { " of shard \($0)" } ?? ""
        return "\(what) [\(windowStart), \(windowEnd))\(shard)"
    }
}
