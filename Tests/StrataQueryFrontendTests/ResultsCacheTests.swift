import StrataCache
import StrataModel
import StrataPromQL
import Testing
@testable import StrataQueryFrontend

@Suite struct ResultsCacheTests {
    let hour: Int64 = 3_600_000

    func stage(_ runner: RecordingRunner, cache: any Cache, now: Int64) -> ResultsCacheStage {
        ResultsCacheStage(next: runner, cache: cache, interval: 24 * hour,
                          settings: { _ in .init(maxCacheFreshness: .seconds(600), ttl: .seconds(3600)) },
                          now: { now }, logger: testLogger)
    }

    @Test func repeatedQueryIsServedFromCacheAndExtendedForALaterRange() async throws {
        let runner = RecordingRunner()
        let cache = LRUByteCache(maxBytes: 1 << 20)
        let s = stage(runner, cache: cache, now: 100 * hour)
        let first = try await s.run(rangeRequest(start: 2 * hour, end: 10 * hour, step: 60_000))
        #expect(first.stats.resultsCacheMisses == 1)
        let again = try await s.run(rangeRequest(start: 2 * hour, end: 10 * hour, step: 60_000))
        #expect(again.stats.resultsCacheHits == 1)
        #expect(points(again) == points(first))
        #expect(runner.requests.count == 1)
        // A wider range asks the querier only for the part not cached.
        let wider = try await s.run(rangeRequest(start: 2 * hour, end: 12 * hour, step: 60_000))
        #expect(runner.requests.count == 2)
        #expect(runner.requests[1].start == 10 * hour + 60_000)
        let whole = try await RecordingRunner().run(rangeRequest(start: 2 * hour, end: 12 * hour, step: 60_000))
        #expect(points(wider) == points(whole))
    }

    @Test func resultsWithinMaxCacheFreshnessAreNotStored() async throws {
        let runner = RecordingRunner()
        let cache = LRUByteCache(maxBytes: 1 << 20)
        let now = 10 * hour
        let s = stage(runner, cache: cache, now: now)
        _ = try await s.run(rangeRequest(start: now - hour, end: now, step: 60_000))
        _ = try await s.run(rangeRequest(start: now - hour, end: now, step: 60_000))
        // The second run re-asks only the last 10 minutes (the rest was cached).
        #expect(runner.requests.count == 2)
        #expect(runner.requests[1].start > now - 11 * 60_000)
    }

    @Test func tenantsDoNotShareEntries() async throws {
        let runner = RecordingRunner()
        let cache = LRUByteCache(maxBytes: 1 << 20)
        let s = stage(runner, cache: cache, now: 100 * hour)
        _ = try await s.run(rangeRequest(tenant: "a", start: 0, end: hour, step: 60_000))
        let b = try await s.run(rangeRequest(tenant: "b", start: 0, end: hour, step: 60_000))
        #expect(b.stats.resultsCacheMisses == 1)
        #expect(runner.requests.count == 2)
        #expect(s.key(for: rangeRequest(tenant: "a", start: 0, end: hour, step: 60_000))?.hasPrefix("qfe:v1:a:") == true)
    }

    @Test func normalizedQueryTextSharesAnEntry() async throws {
        let runner = RecordingRunner()
        let s = stage(runner, cache: LRUByteCache(maxBytes: 1 << 20), now: 100 * hour)
        _ = try await s.run(rangeRequest("sum(rate(x[5m]))", start: 0, end: hour, step: 60_000))
        let r = try await s.run(rangeRequest("sum( rate( x[5m] ) )", start: 0, end: hour, step: 60_000))
        #expect(r.stats.resultsCacheHits == 1)
        #expect(runner.requests.count == 1)
    }

    @Test func corruptEntriesAreMisses() async throws {
        let runner = RecordingRunner()
        let cache = LRUByteCache(maxBytes: 1 << 20)
        let s = stage(runner, cache: cache, now: 100 * hour)
        let r = rangeRequest(start: 0, end: hour, step: 60_000)
        guard let key = s.key(for: r) else { Issue.record("no key"); return }
        await cache.store([(key, [1, 2, 3, 4])], ttl: .zero)
        let answer = try await s.run(r)
        #expect(answer.stats.resultsCacheMisses == 1)
        #expect(points(answer).count == 61)
    }
}
