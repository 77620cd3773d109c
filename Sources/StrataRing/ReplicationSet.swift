/// The instances a key's data goes to (or is read from), and how many of them may fail.
///
/// Mimir's rules: a request succeeds when `instances.count - maxErrors` of them succeed (the
/// quorum). With zone awareness, failures are counted per zone instead: all instances of up to
/// `maxUnavailableZones` zones may fail.
public struct ReplicationSet: Sendable, Hashable {
    /// The chosen instances, in ring order from the key (the first is the key's primary owner).
    public var instances: [InstanceDesc]
    /// How many instances may fail while the request still succeeds (0 with zone awareness).
    public var maxErrors: Int
    /// How many zones may fail entirely while the request still succeeds (0 without zone awareness).
    public var maxUnavailableZones: Int

    /// Creates a replication set.
    public init(instances: [InstanceDesc], maxErrors: Int, maxUnavailableZones: Int) {
        self.instances = instances
        self.maxErrors = maxErrors
        self.maxUnavailableZones = maxUnavailableZones
    }

    /// The number of successful responses the request needs when failures are counted per instance.
    public var minimumSuccesses: Int { instances.count - maxErrors }

    /// The quorum for a replication factor: a strict majority, `rf / 2 + 1` (RF 3 → 2).
    public static func quorum(replicationFactor: Int) -> Int {
        replicationFactor / 2 + 1
    }
}
