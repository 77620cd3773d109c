import StrataHATracker
import StrataLimits
import StrataModel

extension Distributor {
    /// Mimir's HA deduplication, before validation: the cluster and replica label values of the
    /// push's first series decide for the whole push (a Prometheus sends one pair of external
    /// labels on every series). A push without both labels is stored as it is.
    func deduplicateHAReplicas(tenant: TenantID, batch: SeriesBatch, limits: Limits) async throws(PushError) -> SeriesBatch {
        guard let haTracker, limits.acceptHASamples, !batch.series.isEmpty else { return batch }
        let cluster = batch.labelValue(series: 0, named: limits.haClusterLabel) ?? ""
        let replica = batch.labelValue(series: 0, named: limits.haReplicaLabel) ?? ""
        let samples = batch.sampleCount + batch.histogramSampleCount
        do {
            _ = try await haTracker.checkReplica(tenant: tenant, cluster: cluster, replica: replica, now: now(),
                                                 maxClusters: limits.haMaxClusters)
        } catch {
            switch error {
            case .replicasNotMatch:
                haTracker.recordDeduplicated(tenant: tenant, cluster: cluster, samples: samples)
                throw .deduplicated(message: error.description)
            case .tooManyClusters:
                throw .invalid(message: error.description, id: .tooManyHAClusters, rejectedSamples: samples, acceptedSamples: 0)
            case .kvUnavailable, .corruptValue, .invalidConfig:
                throw .haTrackerFailed(message: error.description, status: error.httpStatus,
                                       id: error.errorID ?? .haTrackerKVUnavailable)
            }
        }
        guard !cluster.isEmpty, !replica.isEmpty else {
            haTracker.recordNonHASamples(tenant: tenant, samples: samples)
            return batch
        }
        return batch.removingLabel(named: limits.haReplicaLabel)
    }
}
