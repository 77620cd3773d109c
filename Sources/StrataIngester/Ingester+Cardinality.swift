import StrataModel
import StrataTSDB

/// The ingester's in-memory series behind the cardinality API: each tenant's head. Blocks cut
/// and still on local disk are not counted (they are in the bucket index's history once shipped).
/// A tenant without a head answers empty statistics.
extension Ingester: CardinalitySource {
    public func labelNamesCardinality(_ request: CardinalityRequest) async throws -> LabelNamesCardinality {
        guard let head = head(for: request.tenant) else { return LabelNamesCardinality() }
        return try head.labelNamesCardinality(matchers: request.matchers, limit: request.limit, deadline: request.deadline)
    }

    public func labelValuesCardinality(_ request: CardinalityRequest, labelNames: [String]) async throws -> LabelValuesCardinality {
        guard let head = head(for: request.tenant) else {
            return CardinalityStatistics.labelValues(seriesTotal: 0, names: labelNames, limit: request.limit) { _ in [NamedCount]() }
        }
        return try head.labelValuesCardinality(names: labelNames, matchers: request.matchers, limit: request.limit,
                                               deadline: request.deadline)
    }

    public func activeSeries(_ request: CardinalityRequest) async throws -> ActiveSeries {
        guard let head = head(for: request.tenant) else { return ActiveSeries() }
        return try head.activeSeries(matchers: request.matchers, limit: request.limit, deadline: request.deadline)
    }

    public func tsdbStatus(_ request: CardinalityRequest) async throws -> TSDBStatus {
        guard let head = head(for: request.tenant) else { return TSDBStatus() }
        return head.tsdbStatus(limit: request.limit)
    }

    public func seriesCountByMetricName(tenant: TenantID) async throws -> [String: Int] {
        head(for: tenant)?.seriesCountByMetricName() ?? [:]
    }
}
