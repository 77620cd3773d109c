import StrataModel
import Testing
@testable import StrataPromQL
@testable import StrataPromQLTestSupport

/// The in-memory test store honours the query-frontend's `__query_shard__` matcher like the head
/// and the store-gateway, so shard queries (and the conformance corpus run sharded) can be
/// evaluated over it.
@Suite("Sharded in-memory storage")
struct ShardedStorageTests {
    static func storage() -> MemoryQueryable {
        let storage = MemoryQueryable()
        for i in 0..<120 {
            let labels = EngineTest.labels("http_requests_total", ["instance": "host-\(i)", "job": i % 3 == 0 ? "api" : "web"])
            storage.add(labels, EngineTest.samples(interval: 15_000, (0..<40).map { Double?(Double($0 * (i + 1))) }))
        }
        return storage
    }

    @Test("for 1, 3 and 16 shards the selected series are disjoint and together the unsharded selection")
    func partition() async throws {
        let storage = Self.storage()
        let job = try LabelMatcher(.equal, "job", "web")
        let whole = try await storage.select(SelectRequest(tenant: EngineTest.tenant, minTime: 0, maxTime: .max, matchers: [job]))
        #expect(whole.count == 80)
        for n in [1, 3, 16] {
            var seen: [Labels: QuerySeries] = [:]
            for i in 0..<n {
                let shard = try #require(QueryShard(index: i, count: n))
                let part = try await storage.select(SelectRequest(tenant: EngineTest.tenant, minTime: 0, maxTime: .max, matchers: [job, shard.matcher]))
                for s in part {
                    #expect(shard.contains(s.labels))
                    #expect(seen.updateValue(s, forKey: s.labels) == nil, "\(s.labels) in two of \(n) shards")
                }
                let values = try await storage.labelValues(tenant: EngineTest.tenant, name: "instance", minTime: 0, maxTime: .max, matchers: [shard.matcher])
                let all = try await storage.select(SelectRequest(tenant: EngineTest.tenant, minTime: 0, maxTime: .max,
                                                                 matchers: [try LabelMatcher(.regexMatch, "__name__", ".+"), shard.matcher]))
                #expect(values == all.compactMap { $0.labels["instance"] }.sorted())
            }
            #expect(seen.count == whole.count)
            for s in whole { #expect(seen[s.labels] == s) }
        }
    }

    @Test("a query sharded by the matcher sums, shard by shard, to the unsharded answer")
    func engineOverShards() async throws {
        let storage = Self.storage()
        let t: Int64 = 39 * 15_000
        let whole = EngineTest.vector(try await EngineTest.instant("sum by (job) (rate(http_requests_total[5m]))", at: t, storage))
        #expect(whole.count == 2)
        for n in [3, 16] {
            var sums: [Labels: Double] = [:]
            for i in 1...n {
                let q = "sum by (job) (rate(http_requests_total{__query_shard__=\"\(i)_of_\(n)\"}[5m]))"
                for sample in EngineTest.vector(try await EngineTest.instant(q, at: t, storage)) {
                    sums[sample.metric, default: 0] += sample.f
                }
            }
            for sample in whole {
                let got = sums[sample.metric] ?? .nan
                #expect(abs(got - sample.f) <= 1e-9 * abs(sample.f), "\(sample.metric) over \(n) shards: \(got), want \(sample.f)")
            }
        }
    }

    @Test("a malformed shard matcher fails the query with the error ID instead of answering or crashing")
    func malformed() async throws {
        let storage = Self.storage()
        for value in ["0_of_4", "5_of_4", "1_of_0", "1_of_513", "x", "1_of_", "_of_2"] {
            let q = "http_requests_total{__query_shard__=\"\(value)\"}"
            let error = await EngineTest.error { () async throws(QueryError) -> QueryResult in try await EngineTest.instant(q, at: 0, storage) }
            let got = try #require(error, "\(q) answered")
            // A storage error today (`internal`, 500): the engine wraps whatever `select` throws.
            #expect(got.description.contains("err-strata-invalid-query-shard"), "\(q): \(got)")
        }
        let regex = "http_requests_total{__query_shard__=~\"1_of_2\"}"
        let error = await EngineTest.error { () async throws(QueryError) -> QueryResult in try await EngineTest.instant(regex, at: 0, storage) }
        #expect(error?.description.contains("err-strata-invalid-query-shard") == true)
    }
}
