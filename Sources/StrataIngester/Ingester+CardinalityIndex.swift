import StrataModel
import StrataTSDB

/// The ingester as one replica of the ring's cardinality: its heads' indexes, served over gRPC
/// to queriers (`strata.Ingester/CardinalityIndex`, `strata.Ingester/ActiveSeries`).
/// `activeSeries` is `CardinalitySource`'s. A tenant without a head answers an empty index.
extension Ingester: CardinalityReplica {
    public func cardinalityIndex(_ request: CardinalityRequest, labelNames: [String]) async throws -> CardinalityIndex {
        guard let head = head(for: request.tenant) else { return CardinalityIndex() }
        return try head.cardinalityIndex(matchers: request.matchers, labelNames: labelNames, deadline: request.deadline)
    }
}
