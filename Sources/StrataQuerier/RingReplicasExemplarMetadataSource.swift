import Logging
import StrataModel
import StrataRing

/// `query_exemplars` and `metadata` of a querier in a cluster: every ingester of the ring is
/// asked (`strata.Ingester/Exemplars`, `strata.Ingester/Metadata`) and the answers merged, as
/// Mimir's querier does for exemplars and its distributor for metadata.
///
/// The replicas of a series hold copies of its exemplars, so the merge keeps one of each: per
/// series (same labels), exemplars with the same timestamp, value bits and labels are one,
/// sorted by timestamp. Metadata is merged per metric name, each distinct (type, help, unit)
/// once, in the order the ingesters answered it. Which ingesters are asked and how many may
/// fail follow `RingReplicasQueryable`'s ingester reads (`.writeQuorum`): with RF=3 one may fail.
public struct RingReplicasExemplarMetadataSource: ExemplarQueryable, MetadataQueryable {
    /// Creates (or reuses) the exemplar and metadata reader of one ingester.
    public typealias ClientFactory = @Sendable (InstanceDesc) -> any ExemplarQueryable & MetadataQueryable

    private let ring: Ring
    private let clients: ClientFactory
    private let logger: Logger

    /// Creates the source over the ingester `ring` (already started).
    public init(ring: Ring, clients: @escaping ClientFactory, logger: Logger = Logger(label: "strata.querier.exemplars")) {
        self.ring = ring
        self.clients = clients
        self.logger = logger
    }

    public func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) async throws -> [SeriesExemplars] {
        Self.mergeExemplars(try await fanOut {
            try await $0.exemplars(tenant: tenant, start: start, end: end, matcherSets: matcherSets)
        })
    }

    public func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) async throws -> [(metric: String, entries: [MetricMetadata])] {
        if limit == 0 { return [] }
        // Each ingester holds a share of the metrics: limits apply to the merged answer.
        let answers = try await fanOut { try await $0.metadata(tenant: tenant, metric: metric, limit: -1, limitPerMetric: 0) }
        return Self.mergeMetadata(answers, limit: limit, limitPerMetric: limitPerMetric)
    }

    /// One group per series, each exemplar once, by series labels then timestamp.
    static func mergeExemplars(_ answers: [[SeriesExemplars]]) -> [SeriesExemplars] {
        var bySeries: [Labels: [Exemplar]] = [:]
        for answer in answers {
            for group in answer {
                var list = bySeries[group.seriesLabels] ?? []
                for e in group.exemplars where !list.contains(where: { Self.same($0, e) }) {
                    list.append(e)
                }
                bySeries[group.seriesLabels] = list
            }
        }
        return bySeries.map { labels, exemplars in
            SeriesExemplars(seriesLabels: labels, exemplars: exemplars.sorted { $0.timestamp < $1.timestamp })
        }.sorted { $0.seriesLabels < $1.seriesLabels }
    }

    /// Same timestamp, value bits and labels.
    static func same(_ a: Exemplar, _ b: Exemplar) -> Bool {
        a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern && a.labels == b.labels
    }

    /// Per metric name (sorted), each distinct entry once; at most `limit` metrics (negative:
    /// all) and `limitPerMetric` entries each (0 or negative: all).
    static func mergeMetadata(_ answers: [[(metric: String, entries: [MetricMetadata])]], limit: Int,
                              limitPerMetric: Int) -> [(metric: String, entries: [MetricMetadata])] {
        var merged: [String: [MetricMetadata]] = [:]
        for answer in answers {
            for (name, entries) in answer {
                var list = merged[name] ?? []
                for e in entries where !list.contains(e) { list.append(e) }
                merged[name] = list
            }
        }
        var names = merged.keys.sorted()
        if limit >= 0 && names.count > limit { names = Array(names.prefix(limit)) }
        return names.map { name in
            var entries = merged[name] ?? []
            if limitPerMetric > 0 && entries.count > limitPerMetric { entries = Array(entries.prefix(limitPerMetric)) }
            return (name, entries)
        }
    }

    /// Calls every planned ingester concurrently; throws when more of them fail than the plan absorbs.
    private func fanOut<T: Sendable>(_ call: @escaping @Sendable (any ExemplarQueryable & MetadataQueryable) async throws -> T) async throws -> [T] {
        try await RingReplicasQueryable.readPlan(ring: ring, coverage: .writeQuorum)
            .fanOut(ring: ring, what: "exemplar or metadata read", logger: logger, clients: clients, call)
    }
}
