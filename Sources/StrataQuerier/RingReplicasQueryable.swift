import Logging
import StrataModel
import StrataRing

/// Data replicated over the instances of a ring, read from all of them at once and merged by
/// labels, each sample once.
///
/// - Ingesters (`.writeQuorum`): every series is on `replicationFactor` ingesters, but a write
///   is acknowledged once a quorum has it. So the read still succeeds when up to
///   `replicationFactor − quorum` ingesters (one of three) fail, because each acknowledged sample
///   then still has a replica that answered. This is Mimir's default ingester read path.
/// - Store-gateways (`.everyReplica`): every block is loaded by `replicationFactor`
///   store-gateways (the store-gateway ring shards blocks). So up to `replicationFactor − 1` of
///   them may fail.
///
/// All instances that may serve reads (ACTIVE or LEAVING) are asked. Instances whose heartbeat is
/// already stale count against the allowance without being asked. With zone awareness the
/// allowance is in zones: failures confined to that many zones are tolerated.
public struct RingReplicasQueryable: Queryable {
    /// Creates (or reuses) the read client for one instance.
    public typealias ClientFactory = @Sendable (InstanceDesc) -> any Queryable

    /// How many copies of the data a read can count on, which decides the failures it absorbs.
    public enum Coverage: Sendable {
        /// Writes reached a quorum of the replicas (ingesters).
        case writeQuorum
        /// Every replica holds the data (store-gateways after their sync).
        case everyReplica
    }

    private let ring: Ring
    private let clients: ClientFactory
    private let coverage: Coverage
    private let logger: Logger

    /// Creates the reader over `ring` (already started).
    public init(ring: Ring, coverage: Coverage, clients: @escaping ClientFactory,
                logger: Logger = Logger(label: "strata.querier.replicas")) {
        self.ring = ring
        self.coverage = coverage
        self.clients = clients
        self.logger = logger
    }

    /// Series from every ingester, merged by labels with duplicate samples removed.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        SeriesMerge.merge(try await fanOut { try await $0.select(request) })
    }

    /// Label names from every ingester.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        SeriesMerge.mergeStrings(try await fanOut {
            try await $0.labelNames(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers)
        })
    }

    /// Label values from every ingester.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        SeriesMerge.mergeStrings(try await fanOut {
            try await $0.labelValues(tenant: tenant, name: name, minTime: minTime, maxTime: maxTime, matchers: matchers)
        })
    }

    /// The instances to ask and the failures the read can absorb.
    func readPlan() throws(QuerierError) -> ReadPlan {
        try Self.readPlan(ring: ring, coverage: coverage)
    }

    /// The instances of `ring` to ask and the failures a read with `coverage` can absorb.
    static func readPlan(ring: Ring, coverage: Coverage) throws(QuerierError) -> ReadPlan {
        let config = ring.config
        let registered = ring.instances.filter { RingOperation.read.allows($0) }
        let healthyIDs = Set(ring.healthyInstances(for: .read).map(\.id))
        let healthy = registered.filter { healthyIDs.contains($0.id) }
        let stale = registered.filter { !healthyIDs.contains($0.id) }
        let copies = min(config.replicationFactor, registered.count)
        let tolerated = switch coverage {
        case .writeQuorum: config.replicationFactor - ReplicationSet.quorum(replicationFactor: config.replicationFactor)
        case .everyReplica: max(0, copies - 1)
        }
        if healthy.isEmpty {
            throw .noInstances(ring: ring.key, registered: registered.count)
        }
        if config.zoneAwarenessEnabled {
            let staleZones = Set(stale.map(\.zone))
            guard staleZones.count <= tolerated else {
                throw .tooManyUnhealthy(ring: ring.key, unhealthy: stale.map(\.id), tolerated: tolerated, unit: "zones")
            }
            return ReadPlan(instances: healthy, toleratedZones: tolerated, failedZones: staleZones, toleratedInstances: nil)
        }
        guard stale.count <= tolerated else {
            throw .tooManyUnhealthy(ring: ring.key, unhealthy: stale.map(\.id), tolerated: tolerated, unit: "instances")
        }
        return ReadPlan(instances: healthy, toleratedZones: 0, failedZones: [], toleratedInstances: tolerated - stale.count)
    }

    /// Calls every planned instance concurrently; throws when more of them fail than the plan absorbs.
    private func fanOut<T: Sendable>(_ call: @escaping @Sendable (any Queryable) async throws -> [T]) async throws -> [[T]] {
        try await readPlan().fanOut(ring: ring, what: "read", logger: logger, clients: clients, call)
    }
}

/// Whom a read asks and how many failures it can absorb.
struct ReadPlan {
    var instances: [InstanceDesc]
    var toleratedZones: Int
    var failedZones: Set<String>
    /// Without zone awareness: failures still absorbable; nil with zone awareness.
    var toleratedInstances: Int?

    /// Counts a failed instance; false when the read can no longer cover every series.
    mutating func absorb(failureOf instance: InstanceDesc) -> Bool {
        if let remaining = toleratedInstances {
            toleratedInstances = remaining - 1
            return remaining > 0
        }
        failedZones.insert(instance.zone)
        return failedZones.count <= toleratedZones
    }
}
