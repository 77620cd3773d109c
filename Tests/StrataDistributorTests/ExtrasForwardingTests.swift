import Logging
import Metrics
import StrataDistributor
import StrataIngester
import StrataLimits
import StrataModel
import StrataRing
import StrataTestSupport
import Synchronization
import Testing

/// An ingester in "another process": it receives the extras of each push and reports one
/// exemplar stored per exemplar received.
final class ExtrasIngester: IngesterClient {
    let id: Int
    private let pushes = Mutex<[(batch: SeriesBatch, extras: BatchExtras)]>([])

    init(id: Int = 0) { self.id = id }

    var received: [(batch: SeriesBatch, extras: BatchExtras)] { pushes.withLock { $0 } }

    var carriesExtras: Bool { true }

    func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        try await push(tenant: tenant, batch: batch, extras: BatchExtras())
    }

    func push(tenant: TenantID, batch: SeriesBatch, extras: BatchExtras) async throws(IngesterError) -> IngestResult {
        pushes.withLock { $0.append((batch, extras)) }
        return IngestResult(appendedSamples: batch.sampleCount, appendedExemplars: extras.exemplarCount)
    }

    /// Each received series' labels with the exemplars that came with it.
    var exemplarsBySeries: [Labels: [Exemplar]] {
        var out: [Labels: [Exemplar]] = [:]
        for push in received {
            for (index, exemplars) in push.extras.exemplars { out[push.batch.labels(of: index), default: []] += exemplars }
        }
        return out
    }
}

@Suite("exemplars and metadata forwarded to ingesters in other processes")
struct ExtrasForwardingTests {
    let tenant: TenantID
    static let now: Int64 = 1_700_000_000_000

    init() throws { tenant = try TenantID(validating: "team-a") }

    static func series(_ i: Int) -> Labels { Labels(["__name__": "rpc_total", "instance": "host-\(i)"]) }

    static func exemplar(_ i: Int) -> Exemplar { Exemplar(labels: Labels(["trace_id": "t\(i)"]), value: Double(i), timestamp: now) }

    @Test("each series' exemplars go to its three replicas; each metadata entry to three ingesters; counts not tripled")
    func ringRoutesExtras() async throws {
        let ring = try await startedRing(count: 6)
        defer { Task { await ring.stop() } }
        let fakes = (0..<6).map { ExtrasIngester(id: $0) }
        let client = RingIngesterClient(ring: ring, clients: { fakes[Int($0.id.split(separator: "-")[1]) ?? 0] },
                                        metricsFactory: RecordingMetrics())
        var batch = SeriesBatch()
        for i in 0..<60 { batch.append(labels: Self.series(i), samples: [Sample(timestamp: Self.now, value: 1)]) }
        let exemplars = Dictionary(uniqueKeysWithValues: stride(from: 0, to: 60, by: 2).map { ($0, [Self.exemplar($0)]) })
        let metadata = (0..<20).map { MetricMetadata(metricFamilyName: "m\($0)", type: .counter, help: "h", unit: "") }
        let result = try await client.push(tenant: tenant, batch: batch, extras: BatchExtras(exemplars: exemplars, metadata: metadata))
        #expect(result.appendedSamples == 60)
        #expect(result.appendedExemplars == 30)

        // The replicas the quorum did not wait for still get their copies.
        try await eventually("every replica received its exemplars and metadata") {
            fakes.reduce(0) { $0 + $1.exemplarsBySeries.count } == 90
                && fakes.reduce(0) { $0 + $1.received.reduce(0) { $0 + $1.extras.metadata.count } } == 60
        }
        var copies: [Labels: Int] = [:]
        var metadataCopies: [String: Int] = [:]
        for fake in fakes {
            let bySeries = fake.exemplarsBySeries
            for push in fake.received {
                // Exemplars ride with their own series, which this ingester received.
                for (labels, list) in bySeries {
                    let i = Int(labels["instance"]?.dropFirst(5) ?? "") ?? -1
                    #expect(list == [Self.exemplar(i)])
                }
                for m in push.extras.metadata { metadataCopies[m.metricFamilyName, default: 0] += 1 }
            }
            for labels in bySeries.keys { copies[labels, default: 0] += 1 }
        }
        #expect(copies.count == 30 && copies.values.allSatisfy { $0 == 3 })
        #expect(metadataCopies.count == 20 && metadataCopies.values.allSatisfy { $0 == 3 })
    }

    @Test("the distributor forwards extras of valid series only, and reports the exemplars the ingesters stored")
    func distributorForwards() async throws {
        let ingester = ExtrasIngester()
        let distributor = Distributor(overrides: Overrides(defaults: Limits()), ingester: ingester, metricsFactory: RecordingMetrics(),
                                      logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), now: { Self.now })
        #expect(distributor.forwardsExtras)
        var batch = SeriesBatch()
        let invalid = Labels(["instance": "no-metric-name"])
        batch.append(labels: Self.series(0), samples: [Sample(timestamp: Self.now, value: 1)])
        batch.append(labels: invalid, samples: [Sample(timestamp: Self.now, value: 1)])
        let metadata = MetricMetadata(metricFamilyName: "rpc_total", type: .counter, help: "RPCs.", unit: "")
        let extras = WriteExtras(exemplars: [SeriesExemplars(seriesLabels: Self.series(0), exemplars: [Self.exemplar(0)]),
                                             SeriesExemplars(seriesLabels: invalid, exemplars: [Self.exemplar(1)])],
                                 metadata: [metadata])
        let outcome = await distributor.push(tenant: tenant, batch: batch, extras: extras, sink: nil)
        guard case .failure(.invalid) = outcome.result else {
            Issue.record("the series without a metric name must be refused: \(outcome.result)")
            return
        }
        #expect(outcome.exemplarsWritten == 1)
        let push = try #require(ingester.received.first)
        #expect(push.batch.series.count == 1)
        #expect(push.extras == BatchExtras(exemplars: [0: [Self.exemplar(0)]], metadata: [metadata]))

        // Metadata alone (remote write 1.0 sends it in requests of its own) still reaches the ingesters.
        let alone = await distributor.push(tenant: tenant, batch: SeriesBatch(), extras: WriteExtras(metadata: [metadata]), sink: nil)
        guard case .success = alone.result else { Issue.record("\(alone.result)"); return }
        #expect(ingester.received.count == 2 && ingester.received.last?.extras.metadata == [metadata])
    }

    @Test("a rate-limited push forwards no exemplars or metadata")
    func rateLimitedForwardsNothing() async throws {
        var limits = Limits()
        limits.ingestionRate = 1
        limits.ingestionBurstSize = 1
        let ingester = ExtrasIngester()
        let distributor = Distributor(overrides: Overrides(defaults: limits), ingester: ingester, metricsFactory: RecordingMetrics(),
                                      logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), now: { Self.now })
        var batch = SeriesBatch()
        batch.append(labels: Self.series(0), samples: [Sample(timestamp: Self.now, value: 1), Sample(timestamp: Self.now + 1, value: 2)])
        let outcome = await distributor.push(tenant: tenant, batch: batch,
                                             extras: WriteExtras(exemplars: [SeriesExemplars(seriesLabels: Self.series(0), exemplars: [Self.exemplar(0)])]),
                                             sink: nil)
        guard case .failure(.rateLimited) = outcome.result else { Issue.record("\(outcome.result)"); return }
        #expect(outcome.exemplarsWritten == 0 && ingester.received.isEmpty)
    }

    @Test("exemplar groups attach to their series by labels, once, and are dropped without one")
    func aligning() {
        var batch = SeriesBatch()
        batch.append(labels: Self.series(0), samples: [])
        batch.append(labels: Self.series(1), samples: [])
        batch.append(labels: Self.series(0), samples: [])
        let extras = WriteExtras(exemplars: [SeriesExemplars(seriesLabels: Self.series(0), exemplars: [Self.exemplar(0)]),
                                             SeriesExemplars(seriesLabels: Self.series(9), exemplars: [Self.exemplar(9)]),
                                             SeriesExemplars(seriesLabels: Self.series(1), exemplars: [Self.exemplar(1), Self.exemplar(2)])])
        #expect(BatchExtras.aligning(extras, to: batch) == BatchExtras(exemplars: [0: [Self.exemplar(0)], 1: [Self.exemplar(1), Self.exemplar(2)]]))
    }
}
