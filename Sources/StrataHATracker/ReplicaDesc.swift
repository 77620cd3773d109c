/// The elected replica of one HA cluster of one tenant: the value stored in the KV store under
/// `<prefix><tenant>/<cluster>` and shared by every distributor.
///
/// Timestamps are Unix milliseconds. The JSON layout is in `docs/format/ha-tracker.md`.
public struct ReplicaDesc: Sendable, Hashable {
    /// The replica (value of the replica label) whose samples are accepted.
    public var replica: String
    /// When a distributor last recorded a push from `replica`; refreshed at most once per update
    /// timeout. Another replica takes over once this is older than the failover timeout.
    public var receivedAt: Int64
    /// When `replica` was elected.
    public var electedAt: Int64
    /// How many times the elected replica of this cluster has changed (0 after the first election).
    public var electedChanges: Int64
    /// When the cleanup marked this cluster as gone (no push for a long time); 0 while it is live.
    public var deletedAt: Int64

    /// Creates a description; `deletedAt` 0 means live.
    public init(replica: String, receivedAt: Int64, electedAt: Int64, electedChanges: Int64 = 0, deletedAt: Int64 = 0) {
        self.replica = replica
        self.receivedAt = receivedAt
        self.electedAt = electedAt
        self.electedChanges = electedChanges
        self.deletedAt = deletedAt
    }

    /// Whether the cleanup has marked the cluster for deletion (then it counts as not tracked).
    public var isMarkedDeleted: Bool { deletedAt > 0 }
}
