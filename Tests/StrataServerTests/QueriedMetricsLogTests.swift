import Foundation
import Logging
import StrataCardinality
import StrataModel
import StrataObjstore
import Synchronization
import Testing

/// The query log of metric names: per tenant and day, one file per querier, merged on read and
/// across restarts, bounded.
@Suite struct QueriedMetricsLogTests {
    static let logger = Logger(label: "test")
    static let tenant = (try? TenantID(validating: "team-a")) ?? .anonymous
    /// 2026-12-07T12:00:00Z.
    static let noon: Int64 = 1_796_644_800_000

    final class Clock: Sendable {
        let ms: Mutex<Int64>
        init(_ ms: Int64) { self.ms = Mutex(ms) }
        var now: @Sendable () -> Int64 { { self.ms.withLock { $0 } } }
        func set(_ v: Int64) { ms.withLock { $0 = v } }
    }

    func withBucket(_ body: (FilesystemBucket, String) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qlog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await body(try FilesystemBucket(root: root), root)
    }

    @Test("files per querier and day, unioned with unwritten names on read")
    func filesAndUnion() async throws {
        try await withBucket { bucket, root in
            let clock = Clock(Self.noon)
            let a = QueriedMetricsLog(bucket: bucket, instance: "querier/1:8080", logger: Self.logger, now: clock.now)
            let b = QueriedMetricsLog(bucket: bucket, instance: "querier-2", logger: Self.logger, now: clock.now)
            a.record(tenant: Self.tenant, names: ["up", "rpc"])
            a.record(tenant: Self.tenant, names: [String]())
            b.record(tenant: Self.tenant, names: ["disk"])
            await a.flush()
            let path = root + "/team-a/query-stats/2026-12-07/querier_1_8080.json"
            let file = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            #expect(file?["metric_names"] as? [String] == ["rpc", "up"])
            #expect(file?["version"] as? Int == 1 && file?["date"] as? String == "2026-12-07" && file?["truncated"] as? Bool == false)
            #expect(file?["instance"] as? String == "querier_1_8080" && file?["tenant"] as? String == "team-a")
            // b has not written: its own read sees its memory, a's read does not.
            let day = UTCDay(milliseconds: Self.noon)
            #expect(try await b.queriedNames(tenant: Self.tenant, from: day, through: day).names == ["up", "rpc", "disk"])
            #expect(try await a.queriedNames(tenant: Self.tenant, from: day, through: day).names == ["up", "rpc"])
            await b.flush()
            #expect(try await a.queriedNames(tenant: Self.tenant, from: day, through: day).names == ["up", "rpc", "disk"])
            // Another tenant and another day are separate.
            let other = try TenantID(validating: "team-b")
            #expect(try await a.queriedNames(tenant: other, from: day, through: day).names.isEmpty)
            #expect(try await a.queriedNames(tenant: Self.tenant, from: day.adding(days: 1), through: day.adding(days: 3)).names.isEmpty)
        }
    }

    @Test("a restarted querier keeps what it wrote that day; days are kept apart")
    func restartAndDays() async throws {
        try await withBucket { bucket, _ in
            let clock = Clock(Self.noon)
            let first = QueriedMetricsLog(bucket: bucket, instance: "q", logger: Self.logger, now: clock.now)
            first.record(tenant: Self.tenant, names: ["up"])
            await first.flush()
            let second = QueriedMetricsLog(bucket: bucket, instance: "q", logger: Self.logger, now: clock.now)
            second.record(tenant: Self.tenant, names: ["rpc"])
            await second.flush()
            clock.set(Self.noon + 86_400_000)
            second.record(tenant: Self.tenant, names: ["tomorrow"])
            await second.flush()
            let third = QueriedMetricsLog(bucket: nil, instance: "reader", logger: Self.logger, now: clock.now)
            #expect(try await third.queriedNames(tenant: Self.tenant, from: UTCDay(number: 0), through: UTCDay(number: 100_000)).names.isEmpty)
            let reader = QueriedMetricsLog(bucket: bucket, instance: "reader", logger: Self.logger, now: clock.now)
            let day = UTCDay(milliseconds: Self.noon)
            #expect(try await reader.queriedNames(tenant: Self.tenant, from: day, through: day).names == ["up", "rpc"])
            #expect(try await reader.queriedNames(tenant: Self.tenant, from: day, through: day.adding(days: 1)).names == ["up", "rpc", "tomorrow"])
            let keys = try await bucket.list(prefix: "team-a/query-stats/", delimiter: nil).keys
            #expect(keys == ["team-a/query-stats/2026-12-07/q.json", "team-a/query-stats/2026-12-08/q.json"])
        }
    }

    @Test("a day holds at most maxNamesPerTenantDay names and says it was truncated; unreadable files are skipped")
    func boundsAndDamage() async throws {
        try await withBucket { bucket, _ in
            let clock = Clock(Self.noon)
            let log = QueriedMetricsLog(bucket: bucket, instance: "q", logger: Self.logger, now: clock.now)
            let many = (0..<(QueriedMetricsLog.maxNamesPerTenantDay + 5)).map { "m\($0)" }
            log.record(tenant: Self.tenant, names: many)
            await log.flush()
            let day = UTCDay(milliseconds: Self.noon)
            try await bucket.put("team-a/query-stats/2026-12-07/broken.json", Array("{not json".utf8))
            let read = try await log.queriedNames(tenant: Self.tenant, from: day, through: day)
            #expect(read.names.count == QueriedMetricsLog.maxNamesPerTenantDay)
            #expect(read.truncated)
        }
    }

    @Test("files older than the retention go when a querier first writes a tenant")
    func expiry() async throws {
        try await withBucket { bucket, _ in
            let clock = Clock(Self.noon)
            let old = "team-a/query-stats/2025-01-01/q.json"
            let recent = "team-a/query-stats/2026-12-01/q.json"
            let body = #"{"version":1,"tenant":"team-a","date":"2025-01-01","instance":"q","updated_at":0,"truncated":false,"metric_names":["x"]}"#
            try await bucket.put(old, Array(body.utf8))
            try await bucket.put(recent, Array(body.utf8))
            let log = QueriedMetricsLog(bucket: bucket, instance: "q", logger: Self.logger, now: clock.now)
            log.record(tenant: Self.tenant, names: ["up"])
            await log.flush()
            let keys = try await bucket.list(prefix: "team-a/query-stats/", delimiter: nil).keys
            #expect(!keys.contains(old) && keys.contains(recent))
        }
    }

    @Test("queries record the names their selectors name, else the names of the series they read")
    func recordingQueryable() async throws {
        let clock = Clock(Self.noon)
        let log = QueriedMetricsLog(bucket: nil, instance: "q", logger: Self.logger, now: clock.now)
        struct Fixed: Queryable {
            func select(_ request: SelectRequest) async throws -> [QuerySeries] {
                [QuerySeries(labels: Labels(["__name__": "a_total", "x": "1"]), chunks: []),
                 QuerySeries(labels: Labels(["__name__": "a_total", "x": "2"]), chunks: []),
                 QuerySeries(labels: Labels(["__name__": "b_total"]), chunks: [])]
            }
            func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }
            func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }
        }
        let q = QueryRecordingQueryable(inner: Fixed(), log: log)
        let day = UTCDay(milliseconds: Self.noon)
        func names() async throws -> Set<String> { try await log.queriedNames(tenant: Self.tenant, from: day, through: day).names }
        _ = try await q.select(SelectRequest(tenant: Self.tenant, minTime: 0, maxTime: 1, matchers: [LabelMatcher(literal: "__name__", "named")]))
        #expect(try await names() == ["named"])
        _ = try await q.select(SelectRequest(tenant: Self.tenant, minTime: 0, maxTime: 1, matchers: [try LabelMatcher(.regexMatch, "__name__", "c|d")]))
        #expect(try await names() == ["named", "c", "d"])
        _ = try await q.select(SelectRequest(tenant: Self.tenant, minTime: 0, maxTime: 1, matchers: [try LabelMatcher(.regexMatch, "__name__", ".+_total")]))
        #expect(try await names() == ["named", "c", "d", "a_total", "b_total"])
        _ = try await q.labelValues(tenant: Self.tenant, name: "x", minTime: 0, maxTime: 1, matchers: [LabelMatcher(literal: "__name__", "lv")])
        _ = try await q.labelNames(tenant: Self.tenant, minTime: 0, maxTime: 1, matchers: [LabelMatcher(literal: "job", "j")])
        #expect(try await names() == ["named", "c", "d", "a_total", "b_total", "lv"])
    }
}
