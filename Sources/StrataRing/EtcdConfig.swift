/// How to reach etcd, with Mimir's option names (`-<prefix>.etcd.endpoints`, `.dial-timeout`,
/// `.max-retries`) plus a per-request timeout and the key prefix of one ring.
public struct EtcdConfig: Sendable, Hashable {
    /// Mimir's default time to establish a connection to one endpoint.
    public static let defaultDialTimeout: Duration = .seconds(10)
    /// Mimir's default number of compare-and-swap attempts before giving up.
    public static let defaultMaxRetries = 10
    /// How long one KV request (range, txn, delete) may take on one endpoint before failing over.
    public static let defaultRequestTimeout: Duration = .seconds(5)
    /// Mimir's default key prefix for rings (`-<prefix>.ring.prefix`).
    public static let defaultPrefix = "collectors/"

    /// etcd client URLs, `host:port` or `http://host:port`; tried in order, failing over on error.
    public var endpoints: [String]
    /// Connection establishment timeout per endpoint.
    public var dialTimeout: Duration
    /// Compare-and-swap attempts before `RingError.casRetriesExhausted`.
    public var maxRetries: Int
    /// Timeout of one request on one endpoint.
    public var requestTimeout: Duration
    /// Prepended to every key, so several rings (or clusters) share one etcd.
    public var prefix: String

    /// Creates an etcd configuration; defaults are Mimir's.
    public init(
        endpoints: [String],
        dialTimeout: Duration = EtcdConfig.defaultDialTimeout,
        maxRetries: Int = EtcdConfig.defaultMaxRetries,
        requestTimeout: Duration = EtcdConfig.defaultRequestTimeout,
        prefix: String = EtcdConfig.defaultPrefix
    ) {
        self.endpoints = endpoints
        self.dialTimeout = dialTimeout
        self.maxRetries = maxRetries
        self.requestTimeout = requestTimeout
        self.prefix = prefix
    }
}

/// The KV keys of Strata's rings, as Mimir names them (under `EtcdConfig.prefix`).
public enum RingKey {
    /// The ingester ring.
    public static let ingester = "ring"
    /// The distributor ring (rate-limit sharing between distributors).
    public static let distributor = "distributor"
    /// The store-gateway ring.
    public static let storeGateway = "store-gateway"
    /// The compactor ring.
    public static let compactor = "compactor"
}
