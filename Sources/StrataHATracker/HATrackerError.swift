import StrataModel

/// Why the HA tracker did not accept a push, with the HTTP status the distributor answers.
public enum HATrackerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The push comes from a replica that is not the elected one of its cluster: its samples are
    /// dropped on purpose (deduplication). HTTP 202, so Prometheus does not retry.
    case replicasNotMatch(replica: String, elected: String)
    /// The push would start tracking one more HA cluster than the tenant's limit. HTTP 400.
    case tooManyClusters(limit: Int)
    /// The KV store could not be read or written for `key`; nothing was decided. HTTP 503
    /// (Prometheus retries).
    case kvUnavailable(key: String, reason: String)
    /// The value under `key` is not a replica description (corrupt, or a newer format). HTTP 500.
    case corruptValue(key: String, reason: String)
    /// The HA tracker configuration is unusable.
    case invalidConfig(String)

    /// The status the distributor answers the push with (Mimir's choices).
    public var httpStatus: Int {
        switch self {
        case .replicasNotMatch: 202
        case .tooManyClusters: 400
        case .kvUnavailable: 503
        case .corruptValue, .invalidConfig: 500
        }
    }

    /// The stable error ID, for the errors an operator acts on.
    public var errorID: ErrorID? {
        switch self {
        case .tooManyClusters: .tooManyHAClusters
        case .kvUnavailable: .haTrackerKVUnavailable
        case .corruptValue: .haTrackerCorruptValue
        case .replicasNotMatch, .invalidConfig: nil
        }
    }

    public var description: String {
        switch self {
        case .replicasNotMatch(let replica, let elected):
            "replicas did not match, samples dropped as duplicates: replica=\(replica), elected=\(elected)"
        case .tooManyClusters(let limit):
            "the write request has been rejected because the tenant already has the maximum number of HA clusters (limit: \(limit)); raise -distributor.ha-tracker.max-clusters (ha_max_clusters in the runtime overrides) or stop sending a new value of the cluster label (\(ErrorID.tooManyHAClusters.id))"
        case .kvUnavailable(let key, let reason):
            "HA tracker: could not read or write \(key) in the KV store: \(reason); samples of this HA cluster are refused until it answers, check the store behind -distributor.ha-tracker.store (\(ErrorID.haTrackerKVUnavailable.id))"
        case .corruptValue(let key, let reason):
            "HA tracker: value under \(key) is not a Strata replica description (\(reason)); delete the key (etcdctl del \(key)) and the next push elects a replica again (\(ErrorID.haTrackerCorruptValue.id))"
        case .invalidConfig(let message):
            "HA tracker configuration invalid: \(message)"
        }
    }
}
