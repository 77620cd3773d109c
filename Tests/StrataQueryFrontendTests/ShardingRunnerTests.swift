import Logging
import StrataChunks
import StrataModel
import StrataPromQL
@testable import StrataQueryFrontend
import Synchronization
import Testing

/// `ShardingRunner`'s limits, fan-out and failures, and `EmbeddedQueryable`'s series.
@Suite struct ShardingRunnerTests {
    /// Answers every query with an empty result after a short pause, recording the queries and
    /// the most in flight at once; fails queries containing `failOn`.
    final class RecordingRunner: QueryRunner {
        struct State {
            var queries: [String] = []
            var inFlight = 0
            var maxInFlight = 0
        }
        let state = Mutex(State())
        let failOn: String?

        init(failOn: String? = nil) { self.failOn = failOn }

        func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
            state.withLock {
                $0.queries.append(request.query)
                $0.inFlight += 1
                $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
            }
            try? await Task.sleep(for: .milliseconds(5))
            state.withLock { $0.inFlight -= 1 }
            if let failOn, request.query.contains(failOn) {
                throw QueryFailure(errorType: "execution", status: 422, message: "failed: \(request.query)")
            }
            var stats = QueryStats()
            stats.querierRequests = 1
            stats.seriesFetched = 2
            return QueryResponse(value: request.kind == .range ? .matrix([]) : .vector([]),
                                 warnings: ["PromQL warning: same everywhere"], stats: stats)
        }
    }

    private func runner(_ downstream: any QueryRunner, shards: Int, maxQueries: Int = 0, parallelism: Int = 4) -> ShardingRunner {
        ShardingRunner(downstream: downstream, totalShards: { _ in shards }, maxShardedQueries: { _ in maxQueries },
                       maxParallelism: { _ in parallelism }, logger: Logger(label: "sharding-test"))
    }

    private func request(_ query: String, kind: QueryRequest.Kind = .instant) -> QueryRequest {
        QueryRequest(kind: kind, tenants: [.anonymous], query: query, start: 1_000_000, end: kind == .range ? 1_600_000 : 1_000_000,
                     step: kind == .range ? 60_000 : 0)
    }

    @Test func offOrNothingShardableRunsTheQueryAsItIs() async throws {
        for (shards, query) in [(0, "sum(x)"), (1, "sum(x)"), (16, "rate(x[5m])"), (16, "sum(x @ 100)"), (16, "sum(")] {
            let down = RecordingRunner()
            _ = try? await runner(down, shards: shards).run(request(query))
            #expect(down.state.withLock { $0.queries } == [query])
        }
    }

    @Test func shardCountIsCappedByMaxShardedQueries() {
        let down = RecordingRunner()
        // stddev runs three legs: 16 shards would be 48 queries.
        #expect(runner(down, shards: 16, maxQueries: 48).plan(for: request("stddev(x)"))?.totalShards == 16)
        #expect(runner(down, shards: 16, maxQueries: 20).plan(for: request("stddev(x)"))?.totalShards == 6)
        #expect(runner(down, shards: 16, maxQueries: 6).plan(for: request("stddev(x)"))?.totalShards == 2)
        #expect(runner(down, shards: 16, maxQueries: 5).plan(for: request("stddev(x)")) == nil)
        // Whole legs do not count against the limit.
        #expect(runner(down, shards: 4, maxQueries: 4).plan(for: request("sum(x) + y"))?.totalShards == 4)
        // More than QueryShard.maxShards is capped there.
        #expect(runner(down, shards: 10_000).plan(for: request("sum(x)"))?.totalShards == QueryShard.maxShards)
    }

    @Test func legQueriesRunWithBoundedParallelismAndStatsAddUp() async throws {
        let down = RecordingRunner()
        let response = try await runner(down, shards: 8, parallelism: 3).run(request("avg(x) + y", kind: .range))
        let state = down.state.withLock { $0 }
        #expect(state.queries.count == 17)
        #expect(state.maxInFlight <= 3)
        #expect(state.maxInFlight >= 2)
        #expect(Set(state.queries).count == 17)
        #expect(state.queries.contains("y"))
        #expect(state.queries.contains("count(x{__query_shard__=\"8_of_8\"})"))
        #expect(response.stats.shards == 8)
        #expect(response.stats.shardedQueries == 16)
        #expect(response.stats.querierRequests == 17)
        #expect(response.stats.seriesFetched == 34)
        #expect(response.stats.rewrittenQuery.contains("__embedded_queries__{__queries__="))
        #expect(response.warnings == ["PromQL warning: same everywhere"])
        #expect(response.value == .matrix([]))
    }

    @Test func aFailingLegFailsTheQueryWithItsFailure() async {
        let down = RecordingRunner(failOn: "3_of_4")
        do {
            _ = try await runner(down, shards: 4, parallelism: 2).run(request("sum(rate(x[5m]))"))
            Issue.record("expected a failure")
        } catch {
            #expect(error.status == 422)
            #expect(error.message == "failed: sum(rate(x{__query_shard__=\"3_of_4\"}[5m]))")
        }
    }

    @Test func embeddedSeriesEndWithAStaleMarkerBeforeEachGap() async throws {
        let plan = try #require(ShardingRewriter.rewrite(try PromQL.parse("sum(x)"), totalShards: 2))
        let job = Labels(["job": "a"])
        let shard1: QueryValue = .matrix([SeriesResult(metric: job, floats: [
            FPoint(t: 0, f: 1), FPoint(t: 10, f: 2), FPoint(t: 30, f: 3), FPoint(t: 50, f: 4),
        ])])
        let shard2: QueryValue = .matrix([SeriesResult(metric: job, floats: [FPoint(t: 20, f: 5)])])
        let store = try EmbeddedQueryable(plan: plan, results: [[shard1, shard2]], step: 10)
        let series = try await store.select(SelectRequest(tenant: .anonymous, minTime: 0, maxTime: 50, matchers: [
            LabelMatcher(literal: metricNameLabel, ShardingPlan.embeddedMetricName), LabelMatcher(literal: ShardingPlan.legLabel, "0"),
        ]))
        #expect(series.map(\.labels) == [
            Labels(["job": "a", ShardingPlan.shardLabel: "1_of_2"]), Labels(["job": "a", ShardingPlan.shardLabel: "2_of_2"]),
        ])
        func samples(_ s: QuerySeries) -> [String] {
            var it = ChunkSeriesIterator(chunks: s.chunks, minTime: .min, maxTime: .max)
            var out: [String] = []
            while let x = it.next() { out.append(StaleNaN.isStale(x.value) ? "\(x.timestamp):stale" : "\(x.timestamp):\(x.value)") }
            return out
        }
        #expect(samples(series[0]) == ["0:1.0", "10:2.0", "20:stale", "30:3.0", "40:stale", "50:4.0", "60:stale"])
        #expect(samples(series[1]) == ["20:5.0", "30:stale"])

        await #expect(throws: (any Error).self) {
            _ = try await store.select(SelectRequest(tenant: .anonymous, minTime: 0, maxTime: 50, matchers: [
                LabelMatcher(literal: ShardingPlan.legLabel, "7"),
            ]))
        }
    }

    /// A range query whose groups come and go: the merge must not carry a shard's last value
    /// over a step where the shard had none (the lookback would, without stale markers).
    @Test func gapsStayGapsThroughTheMerge() async throws {
        final class Fixed: QueryRunner {
            func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
                let points: [FPoint] = request.query.contains("1_of_2")
                    ? [FPoint(t: 0, f: 1), FPoint(t: 60_000, f: 1), FPoint(t: 180_000, f: 1)]
                    : [FPoint(t: 0, f: 10)]
                return QueryResponse(value: .matrix([SeriesResult(metric: Labels(["job": "a"]), floats: points)]))
            }
        }
        let r = QueryRequest(kind: .range, tenants: [.anonymous], query: "sum by (job) (x)", start: 0, end: 240_000, step: 60_000)
        let response = try await runner(Fixed(), shards: 2).run(r)
        #expect(response.value == .matrix([SeriesResult(metric: Labels(["job": "a"]), floats: [
            FPoint(t: 0, f: 11), FPoint(t: 60_000, f: 1), FPoint(t: 180_000, f: 1),
        ])]))
    }
}
