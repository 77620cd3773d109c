import ServiceLifecycle
import StrataCardinality

/// Writes the query log of metric names to the bucket every `QueriedMetricsLog.flushInterval`
/// and once more at shutdown, after the HTTP server has drained (it is earlier in the service
/// list, so it stops later), so the names of the last queries are kept.
struct QueryStatsService: Service {
    let log: QueriedMetricsLog

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: QueriedMetricsLog.flushInterval) } catch { break }
                await log.flush()
            }
        }
        await log.flush()
    }
}
