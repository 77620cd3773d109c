/// One instance (an ingester, store-gateway, compactor or distributor) as the ring records it.
///
/// `tokens` are kept sorted ascending; the initialiser sorts and de-duplicates them so that every
/// value, including one decoded from a KV store, satisfies that invariant.
public struct InstanceDesc: Sendable, Hashable {
    /// The instance ID (Mimir: `-ingester.ring.instance-id`, the hostname by default).
    public var id: String
    /// The address other components use to reach it, `host:port`.
    public var address: String
    /// The availability zone, empty when zone awareness is not used.
    public var zone: String
    /// The lifecycle state.
    public var state: InstanceState
    /// The instance's tokens on the ring, sorted ascending and unique.
    public private(set) var tokens: [UInt32]
    /// The last heartbeat, Unix seconds.
    public var heartbeatTimestamp: Int64
    /// When the instance registered, Unix seconds.
    public var registeredTimestamp: Int64
    /// Whether the instance was marked read-only (it serves reads but takes no new writes).
    public var readOnly: Bool

    /// Creates an instance description; `tokens` are sorted and de-duplicated.
    public init(
        id: String, address: String, zone: String = "", state: InstanceState, tokens: [UInt32],
        heartbeatTimestamp: Int64, registeredTimestamp: Int64, readOnly: Bool = false
    ) {
        self.id = id
        self.address = address
        self.zone = zone
        self.state = state
        self.tokens = InstanceDesc.normalised(tokens)
        self.heartbeatTimestamp = heartbeatTimestamp
        self.registeredTimestamp = registeredTimestamp
        self.readOnly = readOnly
    }

    /// Replaces the tokens, keeping them sorted and unique.
    public mutating func setTokens(_ tokens: [UInt32]) {
        self.tokens = InstanceDesc.normalised(tokens)
    }

    /// Whether the instance's heartbeat is recent enough at `now` (Unix seconds).
    ///
    /// A `heartbeatTimeout` of zero or less disables the check, as in Mimir.
    public func isHeartbeatFresh(now: Int64, heartbeatTimeout: Duration) -> Bool {
        if heartbeatTimeout <= .zero { return true }
        let parts = heartbeatTimeout.components
        // Heartbeats have one-second resolution, so a fractional timeout is rounded up.
        let timeoutSeconds = parts.seconds + (parts.attoseconds > 0 ? 1 : 0)
        return now - heartbeatTimestamp <= timeoutSeconds
    }

    /// Whether the instance may take part in `operation` at `now`: its state allows the operation
    /// and its heartbeat is fresh.
    public func isHealthy(for operation: RingOperation, now: Int64, heartbeatTimeout: Duration) -> Bool {
        operation.allows(self) && isHeartbeatFresh(now: now, heartbeatTimeout: heartbeatTimeout)
    }

    private static func normalised(_ tokens: [UInt32]) -> [UInt32] {
        var sorted = tokens.sorted()
        var write = 0
        for read in sorted.indices where read == 0 || sorted[read] != sorted[read - 1] {
            sorted[write] = sorted[read]
            write += 1
        }
        sorted.removeLast(sorted.count - write)
        return sorted
    }
}
