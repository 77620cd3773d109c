import AsyncHTTPClient
import Foundation
import Logging
import StrataBlocks
import StrataChunks
import StrataModel
import StrataTSDB
import Testing

/// Histograms appended to Strata's head (as the ingester does), cut into a block by the head and
/// opened by a real Prometheus: the head's chunk cuts and counter-reset headers read back as the
/// samples appended.
@Suite(.serialized)
struct HeadHistogramBlockPrometheusTests {
    @Test("Prometheus reads the histogram chunks a head cut wrote: counts, sums and buckets exactly")
    func prometheusReadsHeadCut() async throws {
        let dir = try makeTempDirectory("strata-head-hist-block")
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 300
        let counter = HistogramBlockPrometheusTests.counterSamples(n: n)
        let gauge = HistogramBlockPrometheusTests.gaugeSamples(n: n)
        let data = dir.appendingPathComponent("data").path
        let head = try Head(directory: dir.appendingPathComponent("head").path,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        var batch = SeriesBatch()
        batch.append(labels: Labels(["__name__": "head_hist_counter", "job": "strata"]), samples: [Sample](),
                     histograms: counter.map { HistogramPoint(timestamp: $0.timestamp, value: .integer($0.histogram)) })
        batch.append(labels: Labels(["__name__": "head_hist_gauge", "job": "strata"]), samples: [Sample](),
                     histograms: gauge.map { HistogramPoint(timestamp: $0.timestamp, value: .float($0.histogram)) })
        #expect(try head.append(batch, limits: .unlimited).appended == 2 * n)
        let metas = try head.cutBlocks(into: data, thanos: nil, force: true)
        try head.close()
        #expect(metas.count == 1)
        let meta = try #require(metas.first)

        let client = HTTPClient.shared
        let prometheus = try PrometheusProcess(directory: dir, extraArguments: ["--enable-feature=native-histograms"]) { _ in
            "global:\n  scrape_interval: 1m\n"
        }
        defer { prometheus.terminate() }
        try await prometheus.waitUntilReady(client: client)

        let at = Double(meta.maxTime) / 1000
        for (name, want) in [("head_hist_counter", counter.map { ($0.timestamp, $0.histogram.toFloat()) }),
                             ("head_hist_gauge", gauge.map { ($0.timestamp, $0.histogram) })] {
            let result = try await prometheus.query(client: client, "\(name)[1d]", time: at)
            try #require(result.count == 1, "\(name): \(result)")
            let got = result[0]["histograms"] as? [[Any]] ?? []
            #expect(got.count == want.count, "\(name): \(got.count) samples")
            for (entry, (t, h)) in zip(got, want) {
                let ts = entry.first as? Double ?? Double(entry.first as? Int ?? -1)
                #expect(Int64((ts * 1000).rounded()) == t)
                guard let body = entry.last as? [String: Any] else {
                    Issue.record("\(name) at \(t): no histogram in \(entry)")
                    continue
                }
                #expect(Double(body["count"] as? String ?? "") == h.count, "\(name) count at \(t)")
                #expect(Double(body["sum"] as? String ?? "") == h.sum, "\(name) sum at \(t)")
                var buckets: [String: Double] = [:]
                for b in body["buckets"] as? [[Any]] ?? [] where b.count == 4 {
                    guard let lo = Double(b[1] as? String ?? ""), let hi = Double(b[2] as? String ?? ""),
                          let c = Double(b[3] as? String ?? "") else { continue }
                    buckets["\(lo),\(hi)"] = c
                }
                #expect(buckets == HistogramBlockPrometheusTests.buckets(h), "\(name) buckets at \(t)")
            }
        }
    }
}
