import Logging
import StrataModel
import StrataRing

/// The cardinality API of a querier: every ingester of the ring is asked, as Mimir's
/// distributor does, and the answers merged (`CardinalityIndex.merged`, `ActiveSeries.merged`).
///
/// Series counts are summed over the ingesters and divided by the number of copies of each
/// series (the replication factor, or fewer ingesters when the ring holds fewer); label names and
/// values are united; active series de-duplicated. Which ingesters are asked and how many may
/// fail follow `RingReplicasQueryable`'s ingester reads (`.writeQuorum`): with RF=3 one ingester
/// may fail, and the counts then come from the others (an undercount of the series it alone
/// held, as Mimir's).
public struct RingReplicasCardinalitySource: CardinalitySource {
    /// Creates (or reuses) the cardinality client of one ingester.
    public typealias ClientFactory = @Sendable (InstanceDesc) -> any CardinalityReplica

    private let ring: Ring
    private let clients: ClientFactory
    /// Deadline of `seriesCountByMetricName`, which has no request of its own (`-querier.timeout`).
    private let timeout: Duration
    private let logger: Logger

    /// Creates the source over the ingester `ring` (already started).
    public init(ring: Ring, timeout: Duration, clients: @escaping ClientFactory,
                logger: Logger = Logger(label: "strata.querier.cardinality")) {
        self.ring = ring
        self.timeout = timeout
        self.clients = clients
        self.logger = logger
    }

    public func labelNamesCardinality(_ request: CardinalityRequest) async throws -> LabelNamesCardinality {
        try await mergedIndex(request, labelNames: []).labelNames(limit: request.limit)
    }

    public func labelValuesCardinality(_ request: CardinalityRequest, labelNames: [String]) async throws -> LabelValuesCardinality {
        try await mergedIndex(request, labelNames: labelNames).labelValues(names: labelNames, limit: request.limit)
    }

    public func activeSeries(_ request: CardinalityRequest) async throws -> ActiveSeries {
        ActiveSeries.merged(try await fanOut { try await $0.activeSeries(request) }, limit: request.limit)
    }

    public func tsdbStatus(_ request: CardinalityRequest) async throws -> TSDBStatus {
        var unselected = request
        unselected.matchers = []
        return try await mergedIndex(unselected, labelNames: []).tsdbStatus(limit: request.limit)
    }

    public func seriesCountByMetricName(tenant: TenantID) async throws -> [String: Int] {
        let request = CardinalityRequest(tenant: tenant, limit: 0, deadline: ContinuousClock.now + timeout)
        return try await mergedIndex(request, labelNames: [metricNameLabel]).labels[metricNameLabel] ?? [:]
    }

    /// Every ingester's index, merged.
    private func mergedIndex(_ request: CardinalityRequest, labelNames: [String]) async throws -> CardinalityIndex {
        let parts = try await fanOut { try await $0.cardinalityIndex(request, labelNames: labelNames) }
        return CardinalityIndex.merged(parts, replicationFactor: copies)
    }

    /// How many ingesters hold each series: the replication factor, or every ingester of a ring
    /// smaller than it.
    var copies: Int {
        let registered = ring.instances.filter { RingOperation.read.allows($0) }.count
        return max(1, min(ring.config.replicationFactor, registered))
    }

    /// Calls every planned ingester concurrently; throws when more of them fail than the plan
    /// absorbs, or with the request's own error (`CardinalityError`, a timeout among them) at once.
    private func fanOut<T: Sendable>(_ call: @escaping @Sendable (any CardinalityReplica) async throws -> T) async throws -> [T] {
        try await RingReplicasQueryable.readPlan(ring: ring, coverage: .writeQuorum)
            .fanOut(ring: ring, what: "cardinality read", logger: logger, clients: clients,
                    isFinal: { $0 is CardinalityError }, call)
    }
}
