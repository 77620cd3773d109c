import Foundation
import Logging
import StrataBlocks
import StrataBucketIndex
import StrataChunks
@testable import StrataCompactor
import StrataModel
import StrataObjstore
import StrataPromQL
import StrataStoreGateway
import Testing

/// Issue 14's golden answers: 30 days at 15 s (counters with resets, a gauge, a classic
/// histogram, a gap with a staleness marker) answer at 5m and 1h as at raw resolution — exactly
/// for the `*_over_time` functions over aligned windows, within 1 % for `rate`, `increase` and
/// `histogram_quantile` over rates. The table printed here is the one in docs/downsampling.md.
@Suite("Golden answers from downsampled blocks", .serialized)
struct GoldenDownsamplingTests {
    typealias F = CompactorFixture
    static let h = F.hour
    static let days = 30
    static let scrape: Int64 = 15_000
    /// Scrapes fall 7 s after each 15 s mark, as real scrapes fall between window boundaries.
    static let phase: Int64 = 7_000
    static let tenant = "golden"

    /// The dataset, one day at a time: `(labels, samples)` of every series for day `d`.
    static func day(_ d: Int) -> [(Labels, [Sample])] {
        let lo = F.start + Int64(d) * 24 * h
        let buckets: [(String, Int)] = [("0.1", 2), ("1", 6), ("10", 9), ("+Inf", 10)]
        var counter: [Sample] = [], gapped: [Sample] = [], gauge: [Sample] = []
        var hist = [[Sample]](repeating: [], count: buckets.count)
        let perDay = Int(24 * h / scrape)
        for k in 0..<perDay {
            let i = d * perDay + k
            let t = lo + Int64(k) * scrape + phase
            // Rises by 5–7 a scrape; resets every 50 000 scrapes (about 8.7 days).
            let sinceReset = i % 50_000
            let value = Double(sinceReset * 6 + sinceReset % 3)
            counter.append(Sample(timestamp: t, value: value))
            // The same counter with a 6 h hole on day 12, ended by a staleness marker.
            let holeStart = F.start + 12 * 24 * h + 8 * h
            if t < holeStart || t >= holeStart + 6 * h {
                gapped.append(Sample(timestamp: t, value: value))
            } else if t < holeStart + scrape {
                gapped.append(Sample(timestamp: t, value: StaleNaN.value))
            }
            // An integer gauge, so sums are exact in any order.
            gauge.append(Sample(timestamp: t, value: (100 + 50 * sin(Double(t) / 1.08e7) + Double(i % 7)).rounded()))
            for (b, (_, share)) in buckets.enumerated() {
                hist[b].append(Sample(timestamp: t, value: Double((i + 1) * share + (b == 0 ? i % 2 * (i / 2) % 3 : 0))))
            }
        }
        var out: [(Labels, [Sample])] = [
            (Labels(["__name__": "requests_total", "job": "app"]), counter),
            (Labels(["__name__": "requests_total", "job": "gappy"]), gapped),
            (Labels(["__name__": "temperature", "job": "app"]), gauge),
        ]
        for (b, (le, _)) in buckets.enumerated() {
            out.append((Labels(["__name__": "latency_seconds_bucket", "job": "app", "le": le]), hist[b]))
        }
        return out
    }

    /// Uploads the 30 daily raw blocks, downsamples them with the compactor, and opens a
    /// store-gateway over the bucket.
    static func prepare(_ f: F) async throws -> StoreGateway {
        for d in 0..<days {
            let lo = F.start + Int64(d) * 24 * h
            try await f.upload(day(d), tenant: tenant, minTime: lo, maxTime: lo + 24 * h)
        }
        let report = await f.compactor { $0.downsamplingEnabled = true }.runOnce()
        #expect(report.failures.isEmpty, "\(report.failures)")
        let live = try await f.liveBlocks(tenant)
        #expect(live.filter { $0.resolution == Resolution.fiveMinutes }.count == days / 2)
        #expect(live.filter { $0.resolution == Resolution.oneHour }.count == days / 10)
        var logger = Logger(label: "golden")
        logger.logLevel = .warning
        let gateway = StoreGateway(bucket: f.bucket, config: StoreGateway.Config(syncDirectory: f.root + "/sync"), logger: logger)
        try await gateway.sync()
        return gateway
    }

    /// Start and end of the hole in `requests_total{job="gappy"}`.
    static let hole = (F.start + 12 * 24 * h + 8 * h, F.start + 12 * 24 * h + 14 * h)

    /// Largest relative difference between two answers with the same series and timestamps,
    /// leaving out the points of `skipping`; nil when the series or timestamps differ.
    static func difference(_ raw: Matrix, _ downsampled: Matrix, skipping: (Int64) -> Bool = { _ in false }) -> (worst: Double, skipped: Int)? {
        guard raw.map(\.metric) == downsampled.map(\.metric) else { return nil }
        var worst = 0.0
        var skipped = 0
        for (a, b) in zip(raw, downsampled) {
            guard a.floats.map(\.t) == b.floats.map(\.t) else { return nil }
            for (x, y) in zip(a.floats, b.floats) where x.f != y.f {
                if skipping(x.t) {
                    skipped += 1
                    continue
                }
                worst = max(worst, abs(x.f - y.f) / max(abs(x.f), abs(y.f)))
            }
        }
        return (worst, skipped)
    }

    struct Case {
        var query: String
        /// 0: must be identical; otherwise the largest relative difference allowed.
        var tolerance: Double
    }

    static let cases: [Case] = [
        Case(query: "max_over_time(temperature[$r])", tolerance: 0),
        Case(query: "min_over_time(temperature[$r])", tolerance: 0),
        Case(query: "count_over_time(temperature[$r])", tolerance: 0),
        Case(query: "sum_over_time(temperature[$r])", tolerance: 0),
        Case(query: "count_over_time(requests_total[$r])", tolerance: 0),
        Case(query: "max_over_time(requests_total[$r])", tolerance: 0),
        Case(query: "rate(requests_total[$r])", tolerance: 0.01),
        Case(query: "increase(requests_total[$r])", tolerance: 0.01),
        Case(query: "sum(rate(requests_total[$r]))", tolerance: 0.01),
        Case(query: "histogram_quantile(0.9, sum by (le) (rate(latency_seconds_bucket[$r])))", tolerance: 0.01),
    ]

    @Test("30 days at 15 s: 5m and 1h answers equal raw ones (exact for *_over_time, ≤ 1 % for rates)")
    func goldenAnswers() async throws {
        let f = try F()
        let gateway = try await Self.prepare(f)
        let tenant = try TenantID(validating: Self.tenant)
        var rows: [String] = ["| query | resolution | step = range | points | largest relative difference | allowed | points at the hole's edges, left out |",
                              "| --- | --- | --- | --- | --- | --- | --- |"]
        for (resolution, window, label) in [(Resolution.fiveMinutes, "30m", "5m"), (Resolution.oneHour, "6h", "1h")] {
            let step: Int64 = resolution * 6
            // Aligned to the step, a day into the data and a day before its end.
            let start = F.start + 24 * Self.h, end = F.start + Int64(Self.days - 1) * 24 * Self.h
            for c in Self.cases {
                let query = c.query.replacingOccurrences(of: "$r", with: window)
                var rawOptions = EngineOptions()
                rawOptions.sourceResolution = .maximum(0)
                rawOptions.timeout = .seconds(3600)
                var autoOptions = rawOptions
                autoOptions.sourceResolution = .auto
                let raw = try await Engine(options: rawOptions).rangeQuery(query, start: start, end: end, step: step, tenant: tenant, storage: gateway as any Queryable)
                let down = try await Engine(options: autoOptions).rangeQuery(query, start: start, end: end, step: step, tenant: tenant, storage: gateway as any Queryable)
                #expect(raw.resolutions == [0], "\(query)")
                #expect(down.resolutions == [resolution], "\(query) at \(label) read \(down.resolutions)")
                guard case .matrix(let a) = raw.value, case .matrix(let b) = down.value else {
                    Issue.record("\(query): not a matrix")
                    continue
                }
                let points = a.reduce(0) { $0 + $1.floats.count }
                #expect(points > 0, "\(query)")
                // Where a rate's range touches the hole, raw data extrapolates by at most half a
                // scrape (7.5 s) and downsampled data by up to half a window: not comparable.
                let rangeMs = step
                let edges: (Int64) -> Bool = { t in
                    c.tolerance > 0 && t - rangeMs - resolution < Self.hole.1 && t + resolution > Self.hole.0
                }
                guard let (diff, skipped) = Self.difference(a, b, skipping: edges) else {
                    Issue.record("\(query) at \(label): series or timestamps differ: \(a.map { ($0.metric, $0.floats.count) }) vs \(b.map { ($0.metric, $0.floats.count) })")
                    continue
                }
                #expect(diff <= c.tolerance, "\(query) at \(label): largest relative difference \(diff)")
                rows.append("| `\(query)` | \(label) | \(window) | \(points) | \(String(format: "%.2e", diff)) | \(c.tolerance == 0 ? "exact" : "\(Int(c.tolerance * 100)) %") | \(skipped) |")
            }
        }
        print("golden downsampling answers (30 days at 15 s):\n" + rows.joined(separator: "\n"))
    }
}
