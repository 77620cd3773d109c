import Foundation
import Logging
import Metrics
import StrataIngester
import StrataLimits
import StrataModel
import StrataObjstore
import Testing
@testable import StrataDistributor

/// `PushSummary.acceptedHistograms` (`X-Prometheus-Remote-Write-Histograms-Written`) through a
/// real ingester: exact also when the ingester refuses some of the push's samples.
@Suite struct HistogramsWrittenTests {
    static let now: Int64 = 1_764_000_000_000

    static func histogram(_ i: Int) -> Histogram {
        Histogram(schema: 0, count: UInt64(2 * i), sum: Double(i), positiveSpans: [HistogramSpan(offset: 0, length: 2)],
                  positiveBuckets: [Int64(i), 0])
    }

    @Test func refusedFloatDoesNotHideStoredHistograms() async throws {
        let dir = NSTemporaryDirectory() + "strata-hist-written-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "-bucket", withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: dir + "-bucket")
        }
        let noLog = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let overrides = Overrides(defaults: Limits())
        let storage = BlockStorage(bucket: try FilesystemBucket(root: dir + "-bucket"), retentionPeriod: .seconds(13 * 3600))
        let ingester = Ingester(config: .init(directory: dir, headOptions: .init()), overrides: overrides, blockStorage: storage,
                                metricsFactory: NOOPMetricsHandler.instance, logger: noLog)
        try await ingester.open()
        defer { ingester.close() }
        let distributor = Distributor(overrides: overrides, ingester: ingester, metricsFactory: NOOPMetricsHandler.instance,
                                      logger: noLog, now: { Self.now })
        let tenant = try TenantID(validating: "team-a")
        let up = Labels([Label(name: "__name__", value: "up")])
        let latency = Labels([Label(name: "__name__", value: "latency")])

        var first = SeriesBatch()
        first.append(labels: up, samples: [Sample(timestamp: Self.now - 1_000, value: 1)])
        _ = try await distributor.push(tenant: tenant, batch: first)

        // The float is out of order (refused by the ingester); all three histograms are stored.
        var second = SeriesBatch()
        second.append(labels: up, samples: [Sample(timestamp: Self.now - 2_000, value: 1)])
        second.append(labels: latency, samples: [], histograms: (1...3).map {
            HistogramPoint(timestamp: Self.now - 3_000 + Int64($0) * 100, value: .integer(Self.histogram($0)))
        })
        do {
            _ = try await distributor.push(tenant: tenant, batch: second)
            Issue.record("an out-of-order float was accepted")
        } catch {
            guard case .invalid(_, let id, let rejected, let accepted, let histograms) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(id == .sampleOutOfOrder)
            #expect(rejected == 1 && accepted == 3)
            // The old estimate (valid floats assumed stored first) said 2.
            #expect(histograms == 3)
        }
    }
}
