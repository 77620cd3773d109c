import Metrics
import StrataModel
import Synchronization

/// The HA tracker's metrics, with Mimir's names (`cortex_` → `strata_`) and labels.
///
/// Per-cluster metrics are created once and cached; they are destroyed when the cluster is no
/// longer tracked, so series of long-gone clusters do not linger.
final class HATrackerMetrics: Sendable {
    /// The metrics of one tracked cluster.
    private struct ClusterMetrics: Sendable {
        let electedReplicaChanges: Counter
        let electedReplicaTimestamp: Gauge
        let lastElectionTimestamp: Gauge
        let reelections: Gauge
        let kvCASCalls: Counter
        let dedupedSamples: Counter

        func destroy() {
            electedReplicaChanges.destroy()
            electedReplicaTimestamp.destroy()
            lastElectionTimestamp.destroy()
            reelections.destroy()
            kvCASCalls.destroy()
            dedupedSamples.destroy()
        }
    }

    private let factory: any MetricsFactory
    private let clusters = Mutex<[ClusterKey: ClusterMetrics]>([:])
    private let nonHASamples = Mutex<[TenantID: Counter]>([:])
    let cleanupRuns: Counter
    let markedForDeletion: Counter
    let deleted: Counter
    let deletionFailed: Counter

    init(factory: any MetricsFactory) {
        self.factory = factory
        cleanupRuns = Counter(label: "strata_ha_tracker_replicas_cleanup_started_total", factory: factory)
        markedForDeletion = Counter(label: "strata_ha_tracker_replicas_cleanup_marked_for_deletion_total", factory: factory)
        deleted = Counter(label: "strata_ha_tracker_replicas_cleanup_deleted_total", factory: factory)
        deletionFailed = Counter(label: "strata_ha_tracker_replicas_cleanup_delete_failed_total", factory: factory)
    }

    private func metrics(_ key: ClusterKey) -> ClusterMetrics {
        clusters.withLock { cache in
            if let hit = cache[key] { return hit }
            let dims = [("user", key.tenant.rawValue), ("cluster", key.cluster)]
            let made = ClusterMetrics(
                electedReplicaChanges: Counter(label: "strata_ha_tracker_elected_replica_changes_total", dimensions: dims, factory: factory),
                electedReplicaTimestamp: Gauge(label: "strata_ha_tracker_elected_replica_timestamp_seconds", dimensions: dims, factory: factory),
                lastElectionTimestamp: Gauge(label: "strata_ha_tracker_last_election_timestamp_seconds", dimensions: dims, factory: factory),
                reelections: Gauge(label: "strata_ha_tracker_reelections_total", dimensions: dims, factory: factory),
                kvCASCalls: Counter(label: "strata_ha_tracker_kv_store_cas_total", dimensions: dims, factory: factory),
                dedupedSamples: Counter(label: "strata_distributor_deduped_samples_total", dimensions: dims, factory: factory))
            cache[key] = made
            return made
        }
    }

    /// Records the cluster's value as this distributor now knows it; `replicaChanged` when the
    /// elected replica differs from the one known before (including the first one seen).
    func observed(_ key: ClusterKey, desc: ReplicaDesc, replicaChanged: Bool) {
        let cluster = metrics(key)
        if replicaChanged {
            cluster.electedReplicaChanges.increment()
            cluster.lastElectionTimestamp.record(Double(desc.electedAt) / 1000)
            cluster.reelections.record(desc.electedChanges)
        }
        cluster.electedReplicaTimestamp.record(Double(desc.receivedAt) / 1000)
    }

    /// Forgets the metrics of a cluster that is no longer tracked.
    func forget(_ key: ClusterKey) {
        clusters.withLock { $0.removeValue(forKey: key) }?.destroy()
    }

    func casCall(_ key: ClusterKey) {
        metrics(key).kvCASCalls.increment()
    }

    func deduplicated(_ key: ClusterKey, samples: Int) {
        metrics(key).dedupedSamples.increment(by: samples)
    }

    func nonHA(_ tenant: TenantID, samples: Int) {
        nonHASamples.withLock { cache in
            if let hit = cache[tenant] { return hit }
            let made = Counter(label: "strata_distributor_non_ha_samples_received_total", dimensions: [("user", tenant.rawValue)], factory: factory)
            cache[tenant] = made
            return made
        }.increment(by: samples)
    }
}
