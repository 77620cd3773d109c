import StrataModel
import StrataTSDB

extension Ingester: IngesterClient {
    /// Appends a batch to the tenant's head; returns after the WAL write.
    public func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        switch currentState {
        case .running: break
        case .starting: throw .unavailable("the ingester is starting and replaying its WAL")
        case .stopping, .stopped: throw .unavailable("the ingester is shutting down")
        }
        let head = try headCreatingIfNeeded(for: tenant)
        let limits = overrides.limits(for: tenant)
        let seriesLimits = SeriesLimits(maxSeriesPerUser: limits.maxGlobalSeriesPerUser,
                                        maxSeriesPerMetric: limits.maxGlobalSeriesPerMetric)
        let outcome: AppendOutcome
        do {
            outcome = try head.append(batch, limits: seriesLimits)
        } catch {
            logger.error("WAL write failed; push refused", metadata: ["user": "\(tenant)", "err": "\(error)"])
            throw .storage("\(error)")
        }
        metrics.recordAppend(tenant: tenant, appended: outcome.appended, seriesCreated: outcome.seriesCreated)
        return IngestResult(
            appendedSamples: outcome.appended,
            rejectedSamples: outcome.rejected,
            firstError: outcome.firstRejection.map { IngestRejection(id: $0.id, message: $0.message) }
        )
    }
}
