import Foundation
import Logging
import Metrics
import StrataIngester
import StrataLimits
import StrataModel
import Testing

/// In a cluster each ingester holds RF/N of a tenant's series, so it enforces that share of the
/// cluster-wide series limit, and names the configured limit when it refuses.
@Suite struct IngesterSeriesLimitShareTests {
    @Test func eachIngesterEnforcesItsShareOfTheGlobalLimit() async throws {
        let dir = NSTemporaryDirectory() + "strata-share-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var limits = Limits()
        limits.maxGlobalSeriesPerUser = 30
        // 3 replicas over 9 ingesters: this one holds a third of the series.
        let ingester = Ingester(config: .init(directory: dir, headOptions: .init()), overrides: Overrides(defaults: limits),
                                metricsFactory: NOOPMetricsHandler.instance,
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                seriesLimitShare: { 3.0 / 9.0 })
        try await ingester.open()
        defer { ingester.close() }
        var batch = SeriesBatch()
        for i in 0..<15 {
            batch.append(labels: Labels([Label(name: "__name__", value: "up"), Label(name: "pod", value: "p\(i)")]),
                         samples: [Sample(timestamp: 1_000, value: 1)])
        }
        let result = try await ingester.push(tenant: try TenantID(validating: "team-a"), batch: batch)
        #expect(result.appendedSamples == 10)
        #expect(result.rejectedSamples[.maxSeriesPerUser] == 5)
        #expect(result.firstError?.message.contains("per-user series limit of 30 exceeded") == true)
    }
}
