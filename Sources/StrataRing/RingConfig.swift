/// How a ring is read: replication factor, heartbeat timeout, zone awareness.
///
/// Mimir's flags: `-<prefix>.ring.replication-factor`, `-<prefix>.ring.heartbeat-timeout`,
/// `-<prefix>.ring.zone-awareness-enabled`.
public struct RingConfig: Sendable, Hashable {
    /// Mimir's default replication factor.
    public static let defaultReplicationFactor = 3
    /// Mimir's default heartbeat timeout: an instance silent for longer is unhealthy.
    public static let defaultHeartbeatTimeout: Duration = .seconds(60)

    /// How many instances each key is stored on.
    public var replicationFactor: Int
    /// How old a heartbeat may be before the instance counts as unhealthy; zero disables the check.
    public var heartbeatTimeout: Duration
    /// Whether the replicas of a key must be in distinct zones.
    public var zoneAwarenessEnabled: Bool

    /// Creates a ring configuration; defaults are Mimir's.
    public init(
        replicationFactor: Int = RingConfig.defaultReplicationFactor,
        heartbeatTimeout: Duration = RingConfig.defaultHeartbeatTimeout,
        zoneAwarenessEnabled: Bool = false
    ) {
        self.replicationFactor = max(1, replicationFactor)
        self.heartbeatTimeout = heartbeatTimeout
        self.zoneAwarenessEnabled = zoneAwarenessEnabled
    }
}
