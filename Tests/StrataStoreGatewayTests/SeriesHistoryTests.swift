import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataTestSupport
import Testing

/// The bucket index's per-day cardinality history: folded from the blocks' `strata` sections,
/// bounded, kept across updates, and absent from the JSON when empty.
@Suite("Bucket index series history")
struct SeriesHistoryTests {
    static let day: Int64 = 86_400_000
    /// 2023-11-15T00:00:00Z.
    static let dayStart: Int64 = 1_700_006_400_000 - (1_700_006_400_000 % 86_400_000)

    static func meta(_ minTime: Int64, _ maxTime: Int64, series: UInt64, _ metrics: [String: UInt64], resolution: Int64 = 0,
                     strata: Bool = true) -> BlockMeta {
        BlockMeta(ulid: "01HX0000000000000000000001", minTime: minTime, maxTime: maxTime,
                  stats: .init(numSamples: 1, numSeries: series, numChunks: 1), compaction: .init(level: 1, sources: []),
                  thanos: BlockMeta.Thanos(labels: [:], downsample: .init(resolution: resolution), source: "receive"),
                  strata: strata ? BlockMeta.Strata(seriesPerMetric: metrics) : nil)
    }

    @Test("a day takes the largest count of its blocks: replicas and re-folds never add up")
    func maximumPerDay() throws {
        var h = SeriesHistory()
        let d0 = Self.dayStart
        h.fold(Self.meta(d0, d0 + 7_200_000, series: 30, ["up": 10, "rpc": 20]))
        h.fold(Self.meta(d0, d0 + 7_200_000, series: 30, ["up": 10, "rpc": 20]))   // a replica, or folded twice
        h.fold(Self.meta(d0 + 7_200_000, d0 + 14_400_000, series: 50_010, ["up": 10, "bomb": 50_000]))
        h.fold(Self.meta(d0, d0 + 7_200_000, series: 9, ["up": 9], resolution: 300_000))   // downsampled: ignored
        h.fold(Self.meta(d0, d0 + 7_200_000, series: 99, [:], strata: false))              // no statistics: ignored
        #expect(h.days.count == 1)
        let day = try #require(h.day(UTCDay(milliseconds: d0)))
        #expect(day.seriesTotal == 50_010)
        #expect(day.metrics == ["up": 10, "rpc": 20, "bomb": 50_000])
    }

    @Test("a block spanning days counts for each; history keeps the newest 400 days and the top 50 metrics of a day")
    func bounds() throws {
        var h = SeriesHistory()
        // maxTime is exclusive: a block ending exactly at midnight does not touch the next day.
        h.fold(Self.meta(Self.dayStart, Self.dayStart + 3 * Self.day, series: 5, ["m": 5]))
        #expect(h.days.map(\.day.description) == ["2023-11-15", "2023-11-16", "2023-11-17"])
        var many: [String: UInt64] = [:]
        for i in 0..<120 { many["metric_\(i)"] = UInt64(i) }
        h.fold(Self.meta(Self.dayStart, Self.dayStart + 1, series: 120, many))
        let first = try #require(h.day(UTCDay(milliseconds: Self.dayStart)))
        #expect(first.metrics.count == SeriesHistory.topMetricsPerDay)
        #expect(first.metrics["metric_119"] == 119 && first.metrics["m"] == nil && first.metrics["metric_69"] == nil)

        // A block from 1970 to now: only the newest 400 days.
        var long = SeriesHistory()
        long.fold(Self.meta(0, Self.dayStart + Self.day, series: 1, ["m": 1]))
        #expect(long.days.count == SeriesHistory.maxDays)
        #expect(long.days.last?.day == UTCDay(milliseconds: Self.dayStart))
        // Adding an older day to a full history drops the oldest, so the newest 400 stay.
        long.fold(Self.meta(0, 1, series: 1, ["m": 1]))
        #expect(long.days.count == SeriesHistory.maxDays && long.days.first?.day != UTCDay(number: 0))
    }

    @Test("the index carries the history as strata_series_history; empty, the field is absent; damage is skipped")
    func json() async throws {
        let root = try makeTempDir("history-json")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bucket = try FilesystemBucket(root: root)
        let tenant = TestBlocks.tenant
        var index = BucketIndexTests.sample()
        try await index.write(bucket: bucket, tenant: tenant)
        let plain = String(decoding: try runTool("/usr/bin/gzip", ["-dc", root + "/" + BucketIndex.key(tenant: tenant)]), as: UTF8.self)
        #expect(!plain.contains("strata_series_history"))

        index.seriesHistory = SeriesHistory(days: [
            SeriesHistory.Day(day: UTCDay(milliseconds: Self.dayStart), seriesTotal: 7, metrics: ["up": 3, "rpc": 4]),
        ])
        try await index.write(bucket: bucket, tenant: tenant)
        #expect(try await BucketIndex.read(bucket: bucket, tenant: tenant) == index)
        let text = try runTool("/usr/bin/gzip", ["-dc", root + "/" + BucketIndex.key(tenant: tenant)])
        let object = try JSONSerialization.jsonObject(with: text) as? [String: Any]
        let history = object?["strata_series_history"] as? [String: Any]
        #expect(history?["top_metrics_per_day"] as? Int == 50)
        let days = history?["days"] as? [[String: Any]]
        #expect(days?.first?["date"] as? String == "2023-11-15")
        #expect(days?.first?["series"] as? Int == 7)
        #expect(days?.first?["metrics"] as? [String: Int] == ["up": 3, "rpc": 4])

        // A hand-damaged history: the bad day is skipped, the index and its blocks still read.
        var raw = try #require(object)
        raw["strata_series_history"] = ["days": [["date": "not-a-day", "series": 1, "metrics": [:] as [String: Int]],
                                                 ["date": "2023-11-16", "series": 2, "metrics": ["a": 2]],
                                                 ["date": 5]]]
        let damaged = try JSONSerialization.data(withJSONObject: raw)
        try await bucket.put(BucketIndex.key(tenant: tenant), try gzip(Array(damaged)))
        let read = try #require(try await BucketIndex.read(bucket: bucket, tenant: tenant))
        #expect(read.blocks == index.blocks)
        #expect(read.seriesHistory.days.map(\.day.description) == ["2023-11-16"])
    }

    @Test("updates fold new blocks in and keep the history of blocks since deleted")
    func update() async throws {
        let f = try BucketIndexTests.Fixture.make()
        defer { f.cleanup() }
        let tenant = TestBlocks.tenant
        let first = try f.block(seed: 1)
        try await TestBlocks.upload(first, local: f.local, to: f.bucket)
        let index = try await BucketIndex.update(bucket: f.bucket, tenant: tenant, old: nil, now: 1)
        let day = try #require(index.seriesHistory.day(UTCDay(milliseconds: first.minTime)))
        #expect(day.seriesTotal == 5)
        #expect(day.metrics == ["metric_0": 2, "metric_1": 2, "metric_2": 1])

        // The block goes (compaction, retention): its day stays.
        for key in try await f.bucket.list(prefix: tenant.rawValue + "/" + first.ulid + "/", delimiter: nil).keys {
            try await f.bucket.delete(key)
        }
        let later = try await BucketIndex.update(bucket: f.bucket, tenant: tenant, old: index, now: 2)
        #expect(later.blocks.isEmpty)
        #expect(later.seriesHistory == index.seriesHistory)
    }
}

/// gzip of `bytes` through the gzip tool (the index is read through Strata's own inflater).
private func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = try makeTempDir("gz")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/index.json"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return Array(try runTool("/usr/bin/gzip", ["-c", path]))
}
