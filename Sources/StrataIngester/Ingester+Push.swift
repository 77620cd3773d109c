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
        let share = seriesLimitShare?() ?? 1
        var seriesLimits = SeriesLimits(maxSeriesPerUser: Self.localLimit(limits.maxGlobalSeriesPerUser, share: share),
                                        maxSeriesPerMetric: Self.localLimit(limits.maxGlobalSeriesPerMetric, share: share),
                                        configuredMaxSeriesPerUser: limits.maxGlobalSeriesPerUser,
                                        configuredMaxSeriesPerMetric: limits.maxGlobalSeriesPerMetric)
        seriesLimits.outOfOrderTimeWindow = Self.milliseconds(limits.outOfOrderTimeWindow)
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
            appendedHistograms: outcome.appendedHistograms,
            rejectedSamples: outcome.rejected,
            firstError: outcome.firstRejection.map { IngestRejection(id: $0.id, message: $0.message) }
        )
    }

    /// A non-negative duration in whole milliseconds, saturating.
    static func milliseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        guard seconds >= 0 else { return 0 }
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : ms + attoseconds / 1_000_000_000_000_000
    }

    /// This ingester's part of a cluster-wide limit: `global × share`, rounded up; 0 (unlimited)
    /// stays 0 and a limit never drops below 1.
    static func localLimit(_ global: Int, share: Double) -> Int {
        guard global > 0 else { return 0 }
        guard share < 1 else { return global }
        return max(1, Int((Double(global) * share).rounded(.up)))
    }
}
