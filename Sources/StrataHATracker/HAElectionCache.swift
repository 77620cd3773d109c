import StrataModel

/// What one distributor knows of the elections: the latest `ReplicaDesc` of every cluster, fed by
/// the KV watch and by this distributor's own compare-and-swaps, so that most pushes are decided
/// without a KV round trip.
///
/// Each entry keeps the store version it was observed at; an observation older than what is
/// cached is ignored, so a slow CAS answer cannot undo a newer watch event (or the reverse).
struct HAElectionCache: Sendable {
    struct Entry: Sendable {
        /// nil: the key was deleted (kept as a tombstone with the deletion's version).
        var desc: ReplicaDesc?
        var version: Int64
        /// A push of the elected replica is refreshing `receivedAt` in the store right now.
        var refreshing = false

        /// The description while the cluster is tracked (present and not marked deleted).
        var live: ReplicaDesc? {
            guard let desc, !desc.isMarkedDeleted else { return nil }
            return desc
        }
    }

    /// How an observation changed what is tracked, for the metrics.
    enum Change: Sendable, Equatable {
        case none
        case updated(ReplicaDesc, replicaChanged: Bool)
        case removed
    }

    /// What a push gets from the cache alone.
    enum LocalDecision: Sendable, Equatable {
        case accept
        case refuse(elected: String)
        case tooManyClusters(limit: Int)
        /// The elected replica's `receivedAt` is due for a refresh; `cached` is the value known now.
        case refresh(cached: ReplicaDesc)
        /// Only the store can decide (unknown cluster, or the elected replica looks gone).
        case consult
    }

    private(set) var entries: [TenantID: [String: Entry]] = [:]

    func entry(_ key: ClusterKey) -> Entry? {
        entries[key.tenant]?[key.cluster]
    }

    /// The number of clusters tracked for `tenant`.
    func liveClusterCount(_ tenant: TenantID) -> Int {
        entries[tenant]?.values.reduce(0) { $0 + ($1.live == nil ? 0 : 1) } ?? 0
    }

    /// Decides a push from the cache, or says the store must. `refresh` marks the entry as
    /// refreshing, so concurrent pushes of the elected replica do not all write the same timestamp.
    mutating func decideLocally(
        _ key: ClusterKey, replica: String, now: Int64, updateTimeout: Int64, failoverTimeout: Int64, maxClusters: Int
    ) -> LocalDecision {
        guard let desc = entry(key)?.live else {
            if maxClusters > 0 && liveClusterCount(key.tenant) >= maxClusters { return .tooManyClusters(limit: maxClusters) }
            return .consult
        }
        let age = now - desc.receivedAt
        if desc.replica != replica {
            // The store's receivedAt is never older than the cached one, so while the cached one is
            // younger than the failover timeout nobody can have elected another replica.
            return age < failoverTimeout ? .refuse(elected: desc.replica) : .consult
        }
        if age < updateTimeout { return .accept }
        if entries[key.tenant]?[key.cluster]?.refreshing == true && age < failoverTimeout { return .accept }
        entries[key.tenant]?[key.cluster]?.refreshing = true
        return .refresh(cached: desc)
    }

    mutating func finishRefresh(_ key: ClusterKey) {
        entries[key.tenant]?[key.cluster]?.refreshing = false
    }

    /// Records that `key` holds `desc` (nil: deleted) as of store version `version`.
    mutating func apply(_ key: ClusterKey, desc: ReplicaDesc?, version: Int64) -> Change {
        let previous = entry(key)
        if let previous, previous.version >= version { return .none }
        var next = previous ?? Entry(desc: nil, version: version)
        next.desc = desc
        next.version = version
        entries[key.tenant, default: [:]][key.cluster] = next
        if let live = next.live {
            return .updated(live, replicaChanged: previous?.live?.replica != live.replica)
        }
        return previous?.live == nil ? .none : .removed
    }

    /// Replaces everything with a full read of the store at `revision`: keys it lacks are gone,
    /// unless this distributor observed them after `revision` (its own newer writes).
    mutating func applySnapshot(_ values: [ClusterKey: (desc: ReplicaDesc?, version: Int64)], revision: Int64) -> [(ClusterKey, Change)] {
        var changes: [(ClusterKey, Change)] = []
        for (tenant, clusters) in entries {
            for cluster in clusters.keys {
                let key = ClusterKey(tenant: tenant, cluster: cluster)
                if values[key] == nil {
                    changes.append((key, apply(key, desc: nil, version: revision)))
                }
            }
        }
        for (key, value) in values {
            changes.append((key, apply(key, desc: value.desc, version: value.version)))
        }
        return changes
    }

    /// Every cluster with a description (tracked or marked deleted), for the cleanup.
    var described: [(ClusterKey, ReplicaDesc)] {
        var all: [(ClusterKey, ReplicaDesc)] = []
        for (tenant, clusters) in entries {
            for (cluster, entry) in clusters {
                if let desc = entry.desc { all.append((ClusterKey(tenant: tenant, cluster: cluster), desc)) }
            }
        }
        return all
    }
}
