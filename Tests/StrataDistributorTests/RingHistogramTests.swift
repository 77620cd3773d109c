import StrataTestSupport
import StrataDistributor
import StrataIngester
import StrataModel
import StrataRing
import Testing

/// The ring client splits a batch by series token; each series' native histograms must go
/// with it to every replica.
@Suite struct RingHistogramTests {
    @Test func histogramsTravelWithTheirSeriesToEveryReplica() async throws {
        let tenant = try TenantID(validating: "team-h")
        let ring = try await startedRing(count: 5)
        defer { Task { await ring.stop() } }
        let fakes = (0..<5).map { _ in FakeIngester() }
        let client = RingIngesterClient(ring: ring, clients: { desc in
            fakes[Int(desc.id.split(separator: "-").last.map(String.init) ?? "0") ?? 0]
        }, metricsFactory: RecordingMetrics())
        var batch = SeriesBatch()
        for i in 0..<100 {
            // Series i carries i % 3 histograms whose sums name the series.
            let histograms = (0..<(i % 3)).map {
                HistogramPoint(timestamp: Int64(1000 + $0), value: .integer(Histogram(count: 0, sum: Double(i))))
            }
            batch.append(labels: Labels([Label(name: "__name__", value: "h"), Label(name: "instance", value: "host-\(i)")]),
                         samples: i % 2 == 0 ? [Sample(timestamp: 1000, value: 1)] : [], histograms: histograms)
        }
        let result = try await client.push(tenant: tenant, batch: batch)
        #expect(result.rejectedCount == 0)
        var copies = 0
        for fake in fakes {
            for push in fake.received {
                let b = push.batch
                for index in b.series.indices {
                    let instance = b.labelValue(series: index, named: "instance") ?? ""
                    guard let i = Int(instance.dropFirst("host-".count)) else {
                        Issue.record("unexpected series \(instance)")
                        continue
                    }
                    let sums = b.histograms(of: index).map { point -> Double in
                        if case .integer(let h) = point.value { return h.sum }
                        return -1
                    }
                    #expect(sums == Array(repeating: Double(i), count: i % 3), "series \(i)")
                    #expect(b.samples(of: index).count == (i % 2 == 0 ? 1 : 0))
                    copies += 1
                }
            }
        }
        // Replication factor 3: every series reached three ingesters.
        #expect(copies == 300)
    }
}
