import AsyncHTTPClient
import Foundation
import StrataModel
import StrataTestSupport
import Testing

/// The query-frontend's results cache on a real memcached, through a real `strata -target=all`:
/// a week-long range query is answered from the cache the second time, still after the process
/// restarts, never from another tenant's entries, and without the cache once memcached dies.
@Suite("Query-frontend results cache on memcached", .serialized)
struct QueryFrontendCacheTests {
    static let metric = "qf_cache_metric"
    static let tenantA = "qf-cache-a"
    static let tenantB = "qf-cache-b"
    /// One sample a minute.
    static let scrapeMs: Int64 = 60_000
    /// The queries' step: 5 minutes.
    static let stepSeconds: Int64 = 300

    /// The samples of one tenant: `count` counters, series `i` growing by `slope(i)` a minute
    /// from `offset`, one sample a minute over `[start, end]`.
    static func series(tenant: String, count: Int, offset: Double, slope: @escaping (Int) -> Double,
                       start: Int64, end: Int64) -> [(labels: Labels, samples: [Sample])] {
        (0..<count).map { i in
            let labels = Labels(["__name__": metric, "job": "api", "instance": "\(tenant)-\(i)"])
            let samples = stride(from: start, through: end, by: Int(scrapeMs)).map { t in
                Sample(timestamp: t, value: offset + slope(i) * Double((t - start) / scrapeMs))
            }
            return (labels, samples)
        }
    }

    /// Checks a raw-selector range answer point by point against the pushed samples: each step
    /// falls on a sample, so each point is that sample's value.
    static func expectRawAnswer(_ answer: QFAnswer, tenant: String, count: Int, offset: Double, slope: (Int) -> Double,
                                start: Int64, end: Int64, _ what: String) {
        guard let series = qfSeries(answer) else {
            Issue.record("\(what): not a matrix answer: \(answer)")
            return
        }
        let expectedPoints = Int((end - start) / (stepSeconds * 1000)) + 1
        #expect(series.count == count, "\(what): \(series.count) series, expected \(count): \(series.map(\.metric))")
        for i in 0..<count {
            let name = "{__name__=\"\(metric)\",instance=\"\(tenant)-\(i)\",job=\"api\"}"
            guard let s = series.first(where: { $0.metric == name }) else {
                Issue.record("\(what): series \(name) missing; got \(series.map(\.metric))")
                continue
            }
            #expect(s.points.count == expectedPoints, "\(what): \(name) has \(s.points.count) points, expected \(expectedPoints)")
            var wrong = 0
            var firstWrong = ""
            for (j, p) in s.points.enumerated() {
                let t = start + Int64(j) * stepSeconds * 1000
                let want = offset + slope(i) * Double((t - start) / scrapeMs)
                if p.time != Double(t) / 1000 || Double(p.value) != want {
                    wrong += 1
                    if firstWrong.isEmpty { firstWrong = "point \(j): \(p), expected \(want)@\(Double(t) / 1000)" }
                }
            }
            #expect(wrong == 0, "\(what): \(name): \(wrong) wrong points; first \(firstWrong)")
        }
    }

    /// The JSON `data.result` of two answers, compared as parsed values.
    static func sameResult(_ a: QFAnswer, _ b: QFAnswer) -> Bool {
        guard let x = a.result, let y = b.result else { return false }
        return (x as? NSObject)?.isEqual(y) ?? false
    }

    /// Two answers with the same series and times whose values agree to 1e-9 (relative).
    static func closeResults(_ a: QFAnswer, _ b: QFAnswer) -> Bool {
        guard let x = qfSeries(a), let y = qfSeries(b), x.count == y.count else { return false }
        for (s, t) in zip(x, y) {
            guard s.metric == t.metric, s.points.count == t.points.count else { return false }
            for (p, q) in zip(s.points, t.points) {
                guard p.time == q.time, let u = Double(p.value), let v = Double(q.value) else { return false }
                if u != v && abs(u - v) > 1e-9 * max(abs(u), abs(v)) { return false }
            }
        }
        return true
    }

    @Test("a week-long range query is a memcached hit the second time, after a restart, per tenant, and answers without memcached")
    func resultsCacheOnMemcached() async throws {
        let memcached = try MemcachedServer()
        try await memcached.start()
        defer { memcached.kill() }
        let dir = try makeTempDirectory("strata-qf-cache")
        defer { try? FileManager.default.removeItem(at: dir) }

        // Samples from 7 days and 3 hours ago to 3 hours ago, whole hours: far older than
        // max_cache_freshness (10m), so every part of the query is cacheable.
        let end = (qfNowMs() / 3_600_000) * 3_600_000 - 3 * 3_600_000
        let start = end - 7 * 24 * 3_600_000
        let slopeA: @Sendable (Int) -> Double = { Double($0 + 1) }
        let slopeB: @Sendable (Int) -> Double = { Double(2 * ($0 + 1)) }
        let offsetA = 0.0, offsetB = 1_000_000.0
        let countA = 4, countB = 3

        // Ingesters are asked for every range (the samples are days old), the head never cuts a
        // block (10-year range: every sample of the week is accepted in time order, and a restart
        // replays them from the WAL), sharding and splitting by day are on.
        let arguments = [
            "-auth.multitenancy-enabled=true",
            "-querier.query-ingesters-within=0",
            "-blocks-storage.tsdb.block-ranges-period=87600h",
            "-validation.past-grace-period=0",
            "-distributor.ingestion-rate-limit=1000000000", "-distributor.ingestion-burst-size=1000000000",
            "-query-frontend.cache-results=true",
            "-query-frontend.results-cache.backend=memcached",
            "-query-frontend.results-cache.memcached.addresses=\(memcached.address)",
            // A busy machine must not turn a slow memcached answer into a miss.
            "-query-frontend.results-cache.memcached.timeout=5s",
            "-query-frontend.split-queries-by-interval=24h",
            "-query-frontend.parallelize-shardable-queries=true",
            "-query-frontend.query-sharding-total-shards=4",
        ]
        var strata = try StrataProcess(dataDirectory: dir, extraArguments: arguments)
        try await strata.waitUntilReady(client: .shared, timeout: .seconds(120))

        try await qfPushInTimeOrder(url: strata.baseURL + "/api/v1/push", tenant: Self.tenantA,
                                    series: Self.series(tenant: Self.tenantA, count: countA, offset: offsetA, slope: slopeA,
                                                        start: start, end: end),
                                    samplesPerSeriesPerRequest: 1440)
        try await qfPushInTimeOrder(url: strata.baseURL + "/api/v1/push", tenant: Self.tenantB,
                                    series: Self.series(tenant: Self.tenantB, count: countB, offset: offsetB, slope: slopeB,
                                                        start: start, end: end),
                                    samplesPerSeriesPerRequest: 1440)

        let raw = qfRangeParams(Self.metric, start: start, end: end, stepSeconds: Self.stepSeconds, stats: true)
        let rateQuery = "sum by (job) (rate(\(Self.metric)[5m]))"
        let rate = qfRangeParams(rateQuery, start: start, end: end, stepSeconds: Self.stepSeconds, stats: true)

        // First time: every part is a miss, and the answer is the pushed samples.
        let first = try await qfGet(strata.baseURL, "query_range", raw, tenant: Self.tenantA)
        try #require(first.status == 200, "\(first)\n\(strata.log().suffix(3000))")
        #expect(first.stat("resultsCacheMisses").map { $0 > 0 } == true, "first query: \(String(describing: first.strataStats))")
        #expect(first.stat("resultsCacheHits") == 0, "first query: \(String(describing: first.strataStats))")
        #expect(first.stat("splitQueries").map { $0 >= 7 } == true, "a week split by day: \(String(describing: first.strataStats))")
        Self.expectRawAnswer(first, tenant: Self.tenantA, count: countA, offset: offsetA, slope: slopeA, start: start, end: end,
                             "tenant A, first query")

        // Second time: all from the cache, the same answer.
        let second = try await qfGet(strata.baseURL, "query_range", raw, tenant: Self.tenantA)
        try #require(second.status == 200, "\(second)")
        #expect(second.stat("resultsCacheHitRatio") == 1, "second query: \(String(describing: second.strataStats))")
        #expect(second.stat("resultsCacheHits").map { $0 > 0 } == true, "second query: \(String(describing: second.strataStats))")
        #expect(second.stat("resultsCacheMisses") == 0, "second query: \(String(describing: second.strataStats))")
        #expect(Self.sameResult(first, second), "the cached answer differs:\nfirst \(qfSeries(first) ?? [])\nsecond \(qfSeries(second) ?? [])")

        // A sharded query: a miss, then a hit with the same answer; the rate of the counters is
        // the sum of their slopes per second wherever the 5m window holds two samples.
        let rateFirst = try await qfGet(strata.baseURL, "query_range", rate, tenant: Self.tenantA)
        try #require(rateFirst.status == 200, "\(rateFirst)\n\(strata.log().suffix(3000))")
        #expect(rateFirst.stat("resultsCacheMisses").map { $0 > 0 } == true, "\(String(describing: rateFirst.strataStats))")
        #expect(rateFirst.stat("shards").map { $0 > 1 } == true, "the sum of rates is shardable: \(String(describing: rateFirst.strataStats))")
        let wantRate = (0..<countA).map { slopeA($0) }.reduce(0, +) / 60
        if let s = qfSeries(rateFirst) {
            #expect(s.count == 1 && s.first?.metric == "{job=\"api\"}", "\(s)")
            let points = s.first?.points ?? []
            #expect(points.count == Int((end - start) / (Self.stepSeconds * 1000)), "rate points: \(points.count)")
            let off = points.filter { abs((Double($0.value) ?? .nan) - wantRate) > 1e-9 * wantRate || Double($0.value) == nil }
            #expect(off.isEmpty, "rate points other than \(wantRate): \(off.prefix(5))")
        } else {
            Issue.record("the rate answer is not a matrix: \(rateFirst)")
        }
        let rateSecond = try await qfGet(strata.baseURL, "query_range", rate, tenant: Self.tenantA)
        try #require(rateSecond.status == 200, "\(rateSecond)")
        #expect(rateSecond.stat("resultsCacheHitRatio") == 1, "\(String(describing: rateSecond.strataStats))")
        #expect(Self.sameResult(rateFirst, rateSecond), "the cached sharded answer differs")

        // A restart of strata, same memcached: the entries are still there.
        #expect(await strata.terminateGracefully() == 0, "strata did not stop cleanly:\n\(strata.log().suffix(3000))")
        strata = try StrataProcess(dataDirectory: dir, extraArguments: arguments)
        try await strata.waitUntilReady(client: .shared, timeout: .seconds(120))
        let afterRestart = try await qfGet(strata.baseURL, "query_range", raw, tenant: Self.tenantA)
        try #require(afterRestart.status == 200, "\(afterRestart)\n\(strata.log().suffix(3000))")
        #expect(afterRestart.stat("resultsCacheHitRatio") == 1, "after the restart: \(String(describing: afterRestart.strataStats))")
        #expect(Self.sameResult(first, afterRestart), "the answer after the restart differs")

        // Tenant B, the same query text: never A's entries, B's own samples.
        let firstB = try await qfGet(strata.baseURL, "query_range", raw, tenant: Self.tenantB)
        try #require(firstB.status == 200, "\(firstB)")
        #expect(firstB.stat("resultsCacheHits") == 0, "tenant B hit tenant A's entries: \(String(describing: firstB.strataStats))")
        #expect(firstB.stat("resultsCacheMisses").map { $0 > 0 } == true, "\(String(describing: firstB.strataStats))")
        Self.expectRawAnswer(firstB, tenant: Self.tenantB, count: countB, offset: offsetB, slope: slopeB, start: start, end: end,
                             "tenant B, first query")
        let secondB = try await qfGet(strata.baseURL, "query_range", raw, tenant: Self.tenantB)
        try #require(secondB.status == 200, "\(secondB)")
        #expect(secondB.stat("resultsCacheHitRatio") == 1, "tenant B, second query: \(String(describing: secondB.strataStats))")
        #expect(Self.sameResult(firstB, secondB), "tenant B's cached answer differs")
        #expect(!Self.sameResult(first, firstB), "tenants A and B got the same answer")

        // memcached dies: a miss, never a failed query.
        memcached.kill()
        for (tenant, reference) in [(Self.tenantA, first), (Self.tenantB, firstB)] {
            let answer = try await qfGet(strata.baseURL, "query_range", raw, tenant: tenant)
            try #require(answer.status == 200, "tenant \(tenant) without memcached: \(answer)\n\(strata.log().suffix(3000))")
            #expect(answer.stat("resultsCacheHits") == 0, "a hit without memcached: \(String(describing: answer.strataStats))")
            #expect(Self.sameResult(reference, answer), "tenant \(tenant)'s answer without memcached differs")
        }
        let rateWithout = try await qfGet(strata.baseURL, "query_range", rate, tenant: Self.tenantA)
        try #require(rateWithout.status == 200, "\(rateWithout)")
        // Recomputed from the shards: equal up to the order the partial sums were added in.
        #expect(Self.closeResults(rateFirst, rateWithout), "the sharded answer without memcached differs:\n\(qfSeries(rateWithout) ?? [])")
        _ = await strata.terminateGracefully()
    }
}
