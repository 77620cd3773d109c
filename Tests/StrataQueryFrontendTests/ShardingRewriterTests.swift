import StrataModel
import StrataPromQL
@testable import StrataQueryFrontend
import Testing

/// Which expressions `ShardingRewriter` shards and how it writes the shard queries and merges.
@Suite struct ShardingRewriterTests {
    private func plan(_ query: String, shards: Int = 3) throws -> ShardingPlan? {
        ShardingRewriter.rewrite(try PromQL.parse(query), totalShards: shards)
    }

    /// The rewritten expression as text (legs as `__embedded_queries__{__leg__="k"}`).
    private func outer(_ plan: ShardingPlan) -> String { PromQL.format(plan.expr) }

    @Test func sumOfRateShardsWithTheMatcherInEveryShardQuery() throws {
        let p = try #require(try plan("sum by (job) (rate(http_requests_total{code=\"500\"}[5m]))"))
        #expect(p.legs.count == 1)
        #expect(p.legs[0].isSharded)
        #expect(p.legs[0].labelsShards)
        #expect(p.legs[0].queries == (1...3).map {
            "sum by (job) (rate(http_requests_total{code=\"500\", __query_shard__=\"\($0)_of_3\"}[5m]))"
        })
        #expect(outer(p) == "sum by (job) (__embedded_queries__{__leg__=\"0\"})")
        #expect(p.shardedQueryCount == 3)
        #expect(p.totalShards == 3)
    }

    @Test func everyShardableAggregationShards() throws {
        for op in ["sum", "count", "min", "max", "avg", "group", "stddev", "stdvar"] {
            let p = try #require(try plan("\(op) without (instance) (avg_over_time(x[5m]))"), "\(op)")
            for leg in p.legs {
                #expect(leg.queries.count == 3)
                #expect(leg.queries.allSatisfy { $0.contains("__query_shard__=") })
            }
        }
        for op in ["topk", "bottomk"] {
            let p = try #require(try plan("\(op) by (job) (5, rate(x[5m]))"), "\(op)")
            #expect(p.legs.count == 1)
            #expect(!p.legs[0].labelsShards)
            #expect(p.legs[0].queries[1] == "\(op) by (job) (5, rate(x{__query_shard__=\"2_of_3\"}[5m]))")
            #expect(outer(p) == "\(op) by (job) (5, __embedded_queries__{__leg__=\"0\"})")
        }
    }

    @Test func mergesByOperator() throws {
        let count = try #require(try plan("count by (job) (x)"))
        #expect(outer(count) == "sum by (job) (__embedded_queries__{__leg__=\"0\"})")
        #expect(count.legs[0].queries[0] == "count by (job) (x{__query_shard__=\"1_of_3\"})")

        let avg = try #require(try plan("avg by (job) (x)"))
        #expect(avg.legs.count == 2)
        #expect(avg.legs[0].queries[0] == "sum by (job) (x{__query_shard__=\"1_of_3\"})")
        #expect(avg.legs[1].queries[0] == "count by (job) (x{__query_shard__=\"1_of_3\"})")
        #expect(outer(avg) == "(sum by (job) (__embedded_queries__{__leg__=\"0\"}) / sum by (job) (__embedded_queries__{__leg__=\"1\"}))")

        let stddev = try #require(try plan("stddev(x)"))
        #expect(stddev.legs.map { $0.queries[0] } == [
            "count(clamp(x{__query_shard__=\"1_of_3\"}, -Inf, +Inf))", "avg(clamp(x{__query_shard__=\"1_of_3\"}, -Inf, +Inf))",
            "stdvar(clamp(x{__query_shard__=\"1_of_3\"}, -Inf, +Inf))",
        ])
        #expect(outer(stddev).hasPrefix("sqrt("))
        #expect(outer(stddev).contains("ignoring (__embedded_shard__) group_left"))
    }

    @Test func withoutAlsoDropsTheShardLabel() throws {
        let p = try #require(try plan("sum without (instance) (rate(x[5m]))"))
        #expect(outer(p) == "sum without (instance, __embedded_shard__) (__embedded_queries__{__leg__=\"0\"})")
        // topk keeps its input's labels, so its shards are not labelled and its grouping stays.
        let t = try #require(try plan("topk without (instance) (2, x)"))
        #expect(outer(t) == "topk without (instance) (2, __embedded_queries__{__leg__=\"0\"})")
    }

    @Test func nestedAggregationsAndBinaryOperators() throws {
        let ratio = try #require(try plan("sum(rate(a[5m])) / sum(rate(b[5m]))"))
        #expect(ratio.legs.count == 2)
        #expect(ratio.legs.allSatisfy { $0.isSharded })
        #expect(outer(ratio) == "sum(__embedded_queries__{__leg__=\"0\"}) / sum(__embedded_queries__{__leg__=\"1\"})")

        let nested = try #require(try plan("sum(sum by (x) (a))"))
        #expect(outer(nested) == "sum(sum by (x) (__embedded_queries__{__leg__=\"0\"}))")

        let hq = try #require(try plan("histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))"))
        #expect(outer(hq) == "histogram_quantile(0.9, sum by (le) (__embedded_queries__{__leg__=\"0\"}))")
        #expect(hq.legs[0].queries[2] == "sum by (le) (rate(h_bucket{__query_shard__=\"3_of_3\"}[5m]))")
    }

    @Test func nonShardablePartsBecomeWholeLegs() throws {
        let p = try #require(try plan("sum by (job) (rate(a[5m])) / on (job) group_left quantile by (job) (0.5, b) + c"))
        #expect(p.legs.count == 3)
        #expect(p.legs[1] == ShardingPlan.Leg(queries: ["quantile by (job) (0.5, b)"], isSharded: false, labelsShards: false))
        #expect(p.legs[2] == ShardingPlan.Leg(queries: ["c"], isSharded: false, labelsShards: false))
        #expect(p.shardedQueryCount == 3)
        #expect(p.queryCount == 5)

        // A scalar stays in the outer expression; the vector inside it is a leg.
        let s = try #require(try plan("sum(a) * scalar(b)"))
        #expect(outer(s) == "sum(__embedded_queries__{__leg__=\"0\"}) * scalar(__embedded_queries__{__leg__=\"1\"})")
        let inner = try #require(try plan("scalar(sum(a)) + 1"))
        #expect(outer(inner) == "scalar(sum(__embedded_queries__{__leg__=\"0\"})) + 1")
        // A range argument cannot be a leg: the whole call is one.
        let range = try #require(try plan("sum(a) + max_over_time(sum(b)[10m:1m])"))
        #expect(range.legs[1].queries == ["max_over_time(sum(b)[10m:1m])"])
        // Parts that read no storage stay.
        let lit = try #require(try plan("sum(a) or vector(0)"))
        #expect(lit.legs.count == 1)
        #expect(outer(lit) == "sum(__embedded_queries__{__leg__=\"0\"}) or vector(0)")
    }

    @Test func repeatedPartsRunOnce() throws {
        let p = try #require(try plan("sum(rate(a[5m])) / sum(rate(a[5m]))"))
        #expect(p.legs.count == 1)
        let q = try #require(try plan("count(a) + avg(a)"))
        // avg's count leg is count(a)'s leg.
        #expect(q.legs.count == 2)
    }

    @Test func seriesLocalInnerExpressions() throws {
        for inner in [
            "x", "-x", "(x)", "x * 2", "2 ^ x", "x > 10", "x == bool 1", "x + time()", "x offset 1h",
            "rate(x[5m] offset 10m)", "increase(x[1h])", "irate(x[1m])", "delta(x[5m])", "deriv(x[5m])",
            "quantile_over_time(0.9, x[5m])", "predict_linear(x[10m], 60)", "abs(x)", "clamp(x, 0, 1)", "round(x, 5)",
            "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")", "label_join(x, \"a\", \",\", \"b\", \"c\")",
            "timestamp(x)", "max_over_time(rate(x[1m])[10m:1m])", "ceil(sum_over_time(x[5m]) / 60)", "hour(x)",
        ] {
            let p = try plan("sum(\(inner))")
            #expect(p != nil, "sum(\(inner)) should shard")
            if let p {
                #expect(p.legs[0].queries.allSatisfy { $0.contains("__query_shard__=") }, "\(inner)")
            }
        }
    }

    @Test func notSharded() throws {
        for query in [
            "x", "rate(x[5m])", "x[5m]", "sum(x)[5m:1m]", "max_over_time(sum(x)[10m:1m])",
            "quantile(0.5, x)", "count_values(\"v\", x)", "sum(a + b)", "sum(a and b)", "sum(x) + sum(y @ 100)",
            "sum(x @ 100)", "sum(rate(x[5m] @ end()))", "sum(absent(x))", "sum(absent_over_time(x[5m]))",
            "sum(sort(x))", "sum(histogram_quantile(0.9, x))", "sum(scalar(y) * x)", "topk(scalar(y), x)",
            "sum(vector(1))", "sum(x * on () group_left y)", "1 + 2", "\"text\"", "time()",
            "sum(day_of_month())", "sum(max_over_time(sum(x)[5m:1m]))",
            "avg by (__name__) (x)", "stddev by (job, __name__) (x)", "sum by (__name__) (x)",
            "label_replace(sum by (__name__) (rate(x[5m])), \"__name__\", \"$1\", \"__name__\", \"(.+)\")",
            "label_replace(topk(2, rate(x[5m])), \"__name__\", \"$1\", \"__name__\", \"(.+)\")",
            "label_join(-sum(x) or -y, \"a\", \",\", \"__name__\")",
            "sum(x) + on (__name__) y",
        ] {
            #expect(try plan(query) == nil, "\(query) should not shard")
        }
        // `topk` with a computed k: the inner aggregation still shards.
        let k = try #require(try plan("topk(scalar(count(y)), x)"))
        #expect(outer(k) == "topk(scalar(sum(__embedded_queries__{__leg__=\"0\"})), __embedded_queries__{__leg__=\"1\"})")
        // Too few shards.
        #expect(try plan("sum(x)", shards: 1) == nil)
        #expect(try plan("sum(x)", shards: QueryShard.maxShards + 1) == nil)
    }

    /// A leg's result has lost the metric names the engine would otherwise drop only at the end,
    /// so nodes reading `__name__` stay inside a leg.
    @Test func nodesReadingTheMetricNameStayInsideALeg() throws {
        let p = try #require(try plan("sum by (job) (x) + ignoring (x) group_left label_replace(-y, \"a\", \"$1\", \"__name__\", \"(.*)\")"))
        #expect(p.legs[1].queries == ["label_replace(-y, \"a\", \"$1\", \"__name__\", \"(.*)\")"])
        let other = try #require(try plan("label_replace(sum by (job) (x), \"svc\", \"$1\", \"job\", \"(.*)\")"))
        #expect(other.legs.count == 1)
        #expect(other.legs[0].isSharded)
    }

    @Test func rewrittenExpressionPrintsAndParsesBack() throws {
        for query in [
            "stddev without (instance) (rate(x[5m]))", "avg(x) / on () group_left stdvar by (job) (y)",
            "histogram_quantile(0.5, sum without (instance) (rate(h_bucket[5m])))", "-sum(x) > 3",
        ] {
            let p = try #require(try plan(query))
            let text = PromQL.format(p.expr)
            let reparsed = try PromQL.parse(text)
            #expect(reparsed == p.expr, "\(text)")
            #expect(p.displayQuery.contains("__queries__="))
            #expect(!p.displayQuery.contains("__leg__"))
        }
        let p = try #require(try plan("sum(x)", shards: 2))
        #expect(p.displayQuery == #"sum(__embedded_queries__{__queries__="[\"sum(x{__query_shard__=\\\"1_of_2\\\"})\",\"sum(x{__query_shard__=\\\"2_of_2\\\"})\"]"})"#)
    }

    @Test func mergeNodesKeepTheUserQuerysPosition() throws {
        let query = "1 + sum(rate(x[5m]))"
        let p = try #require(try plan(query))
        guard case .binary(let b) = p.expr, case .aggregate(let a) = b.rhs else {
            Issue.record("unexpected shape \(PromQL.format(p.expr))")
            return
        }
        #expect(a.position == PositionRange(start: 4, end: query.utf8.count))
    }
}
