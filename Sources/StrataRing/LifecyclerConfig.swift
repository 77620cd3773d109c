/// How an instance registers itself in a ring (Mimir's `-<prefix>.ring.*` instance options).
public struct LifecyclerConfig: Sendable, Hashable {
    /// Mimir's default heartbeat period (`-ingester.ring.heartbeat-period`).
    public static let defaultHeartbeatPeriod: Duration = .seconds(15)

    /// This instance's ID (`-<prefix>.ring.instance-id`).
    public var instanceID: String
    /// The address peers use to reach it (`-<prefix>.ring.instance-addr` + port).
    public var address: String
    /// The availability zone (`-<prefix>.ring.instance-availability-zone`), empty for none.
    public var zone: String
    /// The ring's KV key (e.g. `RingKey.ingester`).
    public var ringKey: String
    /// How many tokens the instance owns (`-<prefix>.ring.num-tokens`).
    public var numTokens: Int
    /// How often the heartbeat is written (`-<prefix>.ring.heartbeat-period`).
    public var heartbeatPeriod: Duration
    /// Where tokens are kept across restarts (`-ingester.ring.tokens-file-path`); nil for none.
    public var tokensFilePath: String?
    /// Whether a clean stop removes the instance from the ring
    /// (`-ingester.ring.unregister-on-shutdown`); when false it stays, `LEAVING`, with its tokens.
    public var unregisterOnShutdown: Bool

    /// Creates a lifecycler configuration; defaults are Mimir's.
    public init(
        instanceID: String, address: String, zone: String = "", ringKey: String = RingKey.ingester,
        numTokens: Int = TokenGenerator.defaultTokenCount,
        heartbeatPeriod: Duration = LifecyclerConfig.defaultHeartbeatPeriod,
        tokensFilePath: String? = nil, unregisterOnShutdown: Bool = true
    ) {
        self.instanceID = instanceID
        self.address = address
        self.zone = zone
        self.ringKey = ringKey
        self.numTokens = numTokens
        self.heartbeatPeriod = heartbeatPeriod
        self.tokensFilePath = tokensFilePath
        self.unregisterOnShutdown = unregisterOnShutdown
    }
}
