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

/// Native histograms through the whole downsampled path: 13 days of a native histogram counter
/// at 15 s are downsampled by the compactor to 5m and 1h blocks, and histogram queries read
/// through the store-gateway with `max_source_resolution=auto` answer as with raw data, within
/// the tolerances of `cases` (docs/downsampling.md prints the table this test prints).
@Suite("Golden answers from downsampled native histograms", .serialized)
struct HistogramGoldenDownsamplingTests {
    typealias F = CompactorFixture
    static let h = F.hour
    /// Days 0–11 become six 5m blocks (day 12 closes the last 48h window), days 0–9 one 1h block.
    static let days = 13
    static let scrape: Int64 = 15_000
    /// Scrapes fall 7 s after each 15 s mark, between window boundaries.
    static let phase: Int64 = 7_000
    static let tenant = "golden-histograms"
    static let perDay = Int(24 * h / scrape)
    /// The scrape from which bucket 3 (values in (4, 8]) gets observations: a layout change, and
    /// a step in the rate (by 7 % for the count, 22 % for the sum).
    static let newBucketFrom = 3 * perDay + 2_000
    /// When bucket 3 appears.
    static let newBucketAt = F.start + Int64(newBucketFrom) * scrape + phase

    /// The cumulative histogram at scrape `n`: buckets 0–2 (and 3 after `newBucketFrom`) gain
    /// 1, 2–3, 3 and ½ observations a scrape on average, the zero bucket one every tenth scrape.
    static func histogram(_ n: Int) -> Histogram {
        var buckets: [Int64] = [Int64(n + 1), Int64(2 * (n + 1) + n / 3), Int64(3 * (n + 1) + n / 7)]
        if n >= newBucketFrom { buckets.append(Int64((n - newBucketFrom) / 2 + 1)) }
        let zero = Int64(n / 10)
        let count = buckets.reduce(zero, +)
        let sum = 0.5 * Double(buckets[0]) + 1.5 * Double(buckets[1]) + 3 * Double(buckets[2])
            + (buckets.count > 3 ? 6 * Double(buckets[3]) : 0)
        return Histogram(schema: 0, zeroThreshold: 2.938735877055719e-39, zeroCount: UInt64(zero), count: UInt64(count), sum: sum,
                         positiveSpans: [HistogramSpan(offset: 0, length: UInt32(buckets.count))],
                         positiveBuckets: Histogram.deltas(buckets))
    }

    /// Day `d`'s raw histogram chunks.
    static func day(_ d: Int) -> [EncodedChunk] {
        let lo = F.start + Int64(d) * 24 * h
        let samples = (0..<perDay).map { k in
            HistogramSample(timestamp: lo + Int64(k) * scrape + phase, histogram: histogram(d * perDay + k))
        }
        return HistogramRechunker.chunks(of: samples)
    }

    static let series = Labels(["__name__": "latency_seconds", "job": "app"])

    static func prepare(_ f: F) async throws -> StoreGateway {
        for d in 0..<days {
            let lo = F.start + Int64(d) * 24 * h
            let chunks = day(d)
            // One placeholder sample stands for the series; `chunks` supplies its histogram chunks.
            try await f.upload([(series, [Sample(timestamp: lo, value: 0)])], tenant: tenant, minTime: lo, maxTime: lo + 24 * h,
                               chunks: { _ in chunks })
        }
        let report = await f.compactor { $0.downsamplingEnabled = true }.runOnce()
        #expect(report.failures.isEmpty, "\(report.failures)")
        let live = try await f.liveBlocks(tenant)
        #expect(live.filter { $0.resolution == Resolution.fiveMinutes }.count == 6)
        #expect(live.filter { $0.resolution == Resolution.oneHour }.count == 1)
        var logger = Logger(label: "golden-histograms")
        logger.logLevel = .warning
        let gateway = StoreGateway(bucket: f.bucket, config: StoreGateway.Config(syncDirectory: f.root + "/sync"), logger: logger)
        try await gateway.sync()
        return gateway
    }

    struct Case {
        var query: String
        /// 0: must be identical; otherwise the largest relative difference allowed.
        var tolerance: Double
    }

    static let cases: [Case] = [
        Case(query: "count_over_time(latency_seconds[$r])", tolerance: 0),
        Case(query: "histogram_count(sum_over_time(latency_seconds[$r]))", tolerance: 0),
        Case(query: "histogram_sum(sum_over_time(latency_seconds[$r]))", tolerance: 0),
        Case(query: "histogram_count(avg_over_time(latency_seconds[$r]))", tolerance: 0.01),
        Case(query: "histogram_count(rate(latency_seconds[$r]))", tolerance: 0.01),
        Case(query: "histogram_sum(increase(latency_seconds[$r]))", tolerance: 0.01),
        Case(query: "histogram_quantile(0.9, rate(latency_seconds[$r]))", tolerance: 0.01),
        Case(query: "histogram_fraction(0, 2, rate(latency_seconds[$r]))", tolerance: 0.01),
    ]

    @Test("13 days at 15 s: histogram answers at 5m and 1h equal raw ones (exact for sums and counts, ≤ 1 % for rates)")
    func goldenAnswers() async throws {
        let f = try F()
        let gateway = try await Self.prepare(f)
        let tenant = try TenantID(validating: Self.tenant)
        var rows: [String] = ["| query | resolution | step = range | points | largest relative difference | allowed | points at the new bucket, left out |",
                              "| --- | --- | --- | --- | --- | --- | --- |"]
        // 5m from day 1 to day 11 (5m blocks cover days 0–11); 1h from day 1 to day 9 (the 1h
        // block covers days 0–9).
        for (resolution, window, label, lastDay) in [(Resolution.fiveMinutes, "30m", "5m", 11), (Resolution.oneHour, "6h", "1h", 9)] {
            let step: Int64 = resolution * 6
            let start = F.start + 24 * Self.h, end = F.start + Int64(lastDay) * 24 * Self.h
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
                // A rate's range that holds the step in the rate where bucket 3 appears is
                // extrapolated from window ends on one side of it: not comparable.
                let rateLike = c.query.contains("rate(") || c.query.contains("increase(")
                let onset: (Int64) -> Bool = { t in
                    rateLike && t - step - resolution < Self.newBucketAt && t + resolution > Self.newBucketAt
                }
                guard let (diff, skipped) = GoldenDownsamplingTests.difference(a, b, skipping: onset) else {
                    Issue.record("\(query) at \(label): series or timestamps differ: \(a.map { ($0.metric, $0.floats.count) }) vs \(b.map { ($0.metric, $0.floats.count) })")
                    continue
                }
                #expect(diff <= c.tolerance, "\(query) at \(label): largest relative difference \(diff)")
                let allowed = c.tolerance == 0 ? "exact" : c.tolerance < 1e-6 ? "\(c.tolerance)" : "\(Int(c.tolerance * 100)) %"
                rows.append("| `\(query)` | \(label) | \(window) | \(points) | \(String(format: "%.2e", diff)) | \(allowed) | \(skipped) |")
            }
        }
        print("golden downsampling answers for native histograms (13 days at 15 s):\n" + rows.joined(separator: "\n"))
    }
}
