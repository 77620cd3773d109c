import Foundation
import Logging
import Metrics
import StrataChunks
import StrataIngester
import StrataLimits
import StrataModel
import StrataObjstore
import Testing

/// Native histograms through the ingester: pushed with floats, refused per sample, read back from
/// the head, after a restart (WAL replay) and from the local blocks a flush cut.
@Suite struct IngesterHistogramTests {
    static func histogram(_ i: Int) -> Histogram {
        Histogram(schema: 2, zeroThreshold: 0.001, zeroCount: UInt64(i), count: UInt64(3 * i), sum: Double(i) * 0.5,
                  positiveSpans: [HistogramSpan(offset: -3, length: 2)], positiveBuckets: [Int64(i), 0])
    }

    func ingester(_ dir: String) throws -> Ingester {
        try FileManager.default.createDirectory(atPath: dir + "-bucket", withIntermediateDirectories: true)
        let storage = BlockStorage(bucket: try FilesystemBucket(root: dir + "-bucket"), retentionPeriod: .seconds(13 * 3600))
        return Ingester(config: .init(directory: dir, headOptions: .init()), overrides: Overrides(defaults: Limits()),
                 blockStorage: storage, metricsFactory: NOOPMetricsHandler.instance, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func histograms(_ series: [QuerySeries]) -> [HistogramSample] {
        var out: [HistogramSample] = []
        for s in series {
            for c in s.chunks where c.encoding == .histogram {
                var it = HistogramIterator(bytes: c.data)
                while let x = it.next() { out.append(x) }
            }
        }
        return out
    }

    @Test func histogramsArePushedRefusedPerSampleAndReadBackAfterARestartAndAFlush() async throws {
        let dir = NSTemporaryDirectory() + "strata-ingester-hist-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: dir + "-bucket")
        }
        let tenant = try TenantID(validating: "team-a")
        let labels = Labels([Label(name: "__name__", value: "latency"), Label(name: "job", value: "api")])
        let points = (1...30).map { HistogramPoint(timestamp: Int64($0) * 15_000, value: .integer(Self.histogram($0))) }
        var batch = SeriesBatch()
        batch.append(labels: labels, samples: [], histograms: points)
        // An out-of-order histogram in a second entry of the same series: refused alone.
        batch.append(labels: labels, samples: [], histograms: [HistogramPoint(timestamp: 15_000 + 1, value: .integer(Self.histogram(1)))])
        batch.append(labels: Labels([Label(name: "__name__", value: "up")]), samples: [Sample(timestamp: 15_000, value: 1)])

        let matcher = try LabelMatcher(.equal, "job", "api")
        let request = SelectRequest(tenant: tenant, minTime: 0, maxTime: .max, matchers: [matcher])
        var first: [HistogramSample] = []
        do {
            let ingester = try ingester(dir)
            try await ingester.open()
            let result = try await ingester.push(tenant: tenant, batch: batch)
            #expect(result.appendedSamples == 31)
            #expect(result.rejectedSamples == [.sampleOutOfOrder: 1])
            #expect(result.firstError?.id == .sampleOutOfOrder)
            first = histograms(try await ingester.select(request))
            #expect(first.map(\.timestamp) == points.map(\.timestamp))
            ingester.close()
        }
        let reopened = try ingester(dir)
        try await reopened.open()
        defer { reopened.close() }
        let replayed = histograms(try await reopened.select(request))
        #expect(replayed == first)
        let cut = reopened.cutBlocks(force: true)
        #expect(cut[tenant]?.isEmpty == false)
        let fromBlocks = try await reopened.select(request)
        #expect(fromBlocks.flatMap(\.chunks).allSatisfy { $0.encoding == .histogram })
        #expect(histograms(fromBlocks) == first)
    }
}
