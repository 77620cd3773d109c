import AsyncHTTPClient
import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Testing

/// A block Strata wrote with histogram and float-histogram chunks, opened by a real Prometheus:
/// every raw histogram sample Prometheus returns has exactly the count, sum and bucket counts
/// (with their boundaries) Strata encoded. promtool 2.42's `tsdb dump` prints float samples
/// only, so Prometheus's query API is the reader that shows histogram contents.
@Suite(.serialized)
struct HistogramBlockPrometheusTests {
    static let start: Int64 = 1_700_006_400_000
    static let step: Int64 = 15_000

    /// Counter histograms (schema 0, positive and negative spans, a counter reset in the middle).
    static func counterSamples(n: Int) -> [HistogramSample] {
        (0..<n).map { i in
            let k = Int64(i % (n / 2))
            let p = [k, 2 * k + 1, 0, k * k]
            let neg = [k / 2]
            let zero = UInt64(k)
            return HistogramSample(timestamp: start + Int64(i) * step, histogram: Histogram(
                schema: 0, zeroThreshold: 0x1p-128, zeroCount: zero, count: zero + UInt64(p.reduce(0, +) + neg.reduce(0, +)),
                sum: Double(k) * 1.25,
                positiveSpans: [HistogramSpan(offset: -1, length: 2), HistogramSpan(offset: 3, length: 2)],
                positiveBuckets: Histogram.deltas(p),
                negativeSpans: [HistogramSpan(offset: 2, length: 1)], negativeBuckets: Histogram.deltas(neg)))
        }
    }

    /// Gauge float histograms (schema -1, non-integer counts that go up and down).
    static func gaugeSamples(n: Int) -> [FloatHistogramSample] {
        (0..<n).map { i in
            let b = [Double(i % 7) * 0.5, Double(10 - i % 4), 0.25]
            return FloatHistogramSample(timestamp: start + Int64(i) * step, histogram: FloatHistogram(
                counterResetHint: .gauge, schema: -1, zeroThreshold: 0.001, zeroCount: 1.5, count: b.reduce(1.5, +),
                sum: Double(i) - 3.5, positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: b))
        }
    }

    /// The non-empty buckets of `h` as Prometheus lists them: (lower, upper) → count, for
    /// schemas ≤ 0 whose bounds are powers of two.
    static func buckets(_ h: FloatHistogram) -> [String: Double] {
        var out: [String: Double] = [:]
        func bound(_ index: Int32) -> Double { Double(sign: .plus, exponent: Int(index) << Int(-h.schema), significand: 1) }
        for (i, c) in zip(HistogramSpan.bucketIndexes(h.positiveSpans), h.positiveBuckets) where c != 0 {
            out["\(bound(i - 1)),\(bound(i))"] = c
        }
        for (i, c) in zip(HistogramSpan.bucketIndexes(h.negativeSpans), h.negativeBuckets) where c != 0 {
            out["\(-bound(i)),\(-bound(i - 1))"] = c
        }
        if h.zeroCount != 0 { out["\(-h.zeroThreshold),\(h.zeroThreshold)"] = h.zeroCount }
        return out
    }

    @Test("Prometheus reads Strata's histogram chunks: counts, sums and buckets exactly")
    func prometheusReadsHistogramBlock() async throws {
        let dir = try makeTempDirectory("strata-hist-block")
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 300
        let counter = Self.counterSamples(n: n)
        let gauge = Self.gaugeSamples(n: n)
        let data = dir.appendingPathComponent("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let series = [
            BlockSeries(labels: Labels(["__name__": "hist_counter", "job": "strata"]), chunks: HistogramRechunker.chunks(of: counter)),
            BlockSeries(labels: Labels(["__name__": "hist_gauge", "job": "strata"]), chunks: HistogramRechunker.chunks(of: gauge)),
        ]
        #expect(series[0].chunks.count >= 3, "120-sample chunks and a cut at the counter reset")
        let meta = try BlockWriter.write(parentDirectory: data, series: series)

        let client = HTTPClient.shared
        let prometheus = try PrometheusProcess(directory: dir, extraArguments: ["--enable-feature=native-histograms"]) { _ in
            "global:\n  scrape_interval: 1m\n"
        }
        defer { prometheus.terminate() }
        try await prometheus.waitUntilReady(client: client)

        // A range selector returns the raw samples, stored order, as Prometheus decoded them.
        let at = Double(meta.maxTime) / 1000
        for (name, want) in [("hist_counter", counter.map { ($0.timestamp, $0.histogram.toFloat()) }),
                             ("hist_gauge", gauge.map { ($0.timestamp, $0.histogram) })] {
            let result = try await prometheus.query(client: client, "\(name)[1d]", time: at)
            try #require(result.count == 1, "\(name): \(result)")
            let got = result[0]["histograms"] as? [[Any]] ?? []
            #expect(got.count == want.count, "\(name): \(got.count) samples")
            print("prometheus read \(name): \(got.count) histograms, last: \(got.last ?? [])")
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
                #expect(buckets == Self.buckets(h), "\(name) buckets at \(t)")
            }
        }
    }
}
