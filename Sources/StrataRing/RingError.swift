/// Errors of the ring and its KV stores, with messages that say what to check or change.
public enum RingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A compare-and-swap on `key` lost the race `attempts` times in a row.
    case casRetriesExhausted(key: String, attempts: Int)
    /// The value stored under `key` is not a valid ring (corrupt or written by something else).
    case corruptValue(key: String, reason: String)
    /// An etcd endpoint could not be reached or did not answer in time.
    case endpointUnreachable(endpoint: String, reason: String)
    /// An etcd endpoint answered with an error status or an unreadable body.
    case badResponse(endpoint: String, status: Int, body: String)
    /// Every configured etcd endpoint failed; `errors` has one message per endpoint.
    case allEndpointsFailed(errors: [String])
    /// The configuration is unusable (e.g. no etcd endpoints).
    case invalidConfig(String)
    /// Fewer healthy instances than the quorum needs for `operation` on the ring.
    case tooFewHealthyInstances(operation: RingOperation, required: Int, found: Int)
    /// The ring has no instances (or no tokens) at all.
    case emptyRing
    /// The tokens file could not be read or written, or holds something that is not a token list.
    case tokensFile(path: String, reason: String)
    /// A lifecycler operation needs the instance registered, but `start()` has not run (or `stop()` has).
    case notRegistered(instanceID: String, ringKey: String)
    /// Not enough unused tokens could be found (the ring is almost full of tokens).
    case tokenSpaceExhausted(wanted: Int, found: Int)

    public var description: String {
        switch self {
        case .casRetriesExhausted(let key, let attempts):
            "ring KV: compare-and-swap on key \(key) conflicted \(attempts) times in a row; another writer keeps changing it — retry later or raise -<prefix>.etcd.max-retries"
        case .corruptValue(let key, let reason):
            "ring KV: value under key \(key) is not a Strata ring (\(reason)); delete the key (etcdctl del \(key)) so instances re-register"
        case .endpointUnreachable(let endpoint, let reason):
            "etcd endpoint \(endpoint) unreachable: \(reason); check that etcd runs there and -<prefix>.etcd.endpoints"
        case .badResponse(let endpoint, let status, let body):
            "etcd endpoint \(endpoint) answered HTTP \(status): \(body)"
        case .allEndpointsFailed(let errors):
            "all etcd endpoints failed: " + errors.joined(separator: "; ")
        case .invalidConfig(let message):
            "ring configuration invalid: \(message)"
        case .tooFewHealthyInstances(let operation, let required, let found):
            "ring: at least \(required) live replicas required for \(operation), could only find \(found); check the /ring page for unhealthy instances"
        case .emptyRing:
            "ring: empty ring, no instance has registered yet"
        case .tokensFile(let path, let reason):
            "ring tokens file \(path): \(reason); fix or delete the file (new tokens are then generated)"
        case .notRegistered(let instanceID, let ringKey):
            "ring \(ringKey): instance \(instanceID) is not registered; call start() before changing its state"
        case .tokenSpaceExhausted(let wanted, let found):
            "ring: wanted \(wanted) new unique tokens, found only \(found)"
        }
    }
}
