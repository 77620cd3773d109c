import Logging
import StrataChunks
import StrataModel
import StrataPromQL
import StrataPromQLTestSupport
@testable import StrataQueryFrontend
import StrataSeededRandom
import Synchronization
import Testing

/// Sharded and unsharded answers of generated queries over a few thousand generated series
/// must agree: same series, values within 1e-9 relative (NaN equal to NaN), for range and
/// instant queries and 2, 3 and 16 shards.
///
/// Each query runs sharded as a range query with one of the shard counts and as an instant
/// query with the next one (in turn over the queries), so every shard count meets every kind of
/// query while the test stays within ~20 s in a debug build: most of its time is the engine
/// decoding chunks, once for the unsharded answer and once per leg for each sharded one.
@Suite struct ShardingEquivalenceTests {
    static let shardCounts = [2, 3, 16]

    @Test func shardedAnswersEqualUnshardedAnswers() async throws {
        let clock = ContinuousClock()
        let began = clock.now
        let store = ShardFilteringStore(inner: ShardingFixture.makeStore(seed: 0x5AAD_1234))
        let engine = EngineQueryRunner(options: EngineOptions(), storage: { _ in store })
        var generator = ShardingQueryGenerator(seed: 0xC0FF_EE11)
        let queries = generator.queries()
        #expect(queries.count >= 200)

        let outcomes = await withTaskGroup(of: QueryOutcome.self) { group in
            var results: [QueryOutcome] = []
            var next = 0
            let concurrency = 4
            func start() {
                let query = queries[next]
                next += 1
                group.addTask { await Self.check(query, engine: engine) }
            }
            while next < queries.count && next < concurrency { start() }
            while let outcome = await group.next() {
                results.append(outcome)
                if next < queries.count { start() }
            }
            return results.sorted { $0.index < $1.index }
        }

        let unsharded = outcomes.filter { !$0.sharded }
        print("ShardingEquivalenceTests: \(outcomes.count) queries, \(outcomes.count - unsharded.count) sharded, \(unsharded.count) not sharded:")
        for o in unsharded { print("  not sharded: \(o.query.text)") }
        for o in outcomes where o.query.shardable && !o.sharded {
            Issue.record("expected to shard: \(o.query.text)")
        }
        let mismatches = outcomes.flatMap(\.mismatches)
        for m in mismatches.prefix(25) { Issue.record("\(m)") }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches")
        let elapsed = clock.now - began
        print("ShardingEquivalenceTests: took \(elapsed)")
    }

    struct QueryOutcome: Sendable {
        var index: Int
        var query: GeneratedQuery
        var sharded: Bool
        var mismatches: [String]
    }

    /// Runs `query` unsharded and with each shard count, as a range and an instant query.
    static func check(_ query: GeneratedQuery, engine: EngineQueryRunner) async -> QueryOutcome {
        var outcome = QueryOutcome(index: query.index, query: query, sharded: false, mismatches: [])
        let tenant = TenantID.anonymous
        let requests = [
            QueryRequest(kind: .range, tenants: [tenant], query: query.text, start: query.rangeStart,
                         end: query.rangeStart + 30 * 60_000, step: query.step),
            QueryRequest(kind: .instant, tenants: [tenant], query: query.text, start: query.instant, end: query.instant, step: 0),
        ]
        for (k, request) in requests.enumerated() {
            let expected: Result<QueryResponse, QueryFailure>
            do throws(QueryFailure) {
                expected = .success(try await engine.run(request))
            } catch {
                expected = .failure(error)
            }
            do {
                let shards = shardCounts[(query.index + k) % shardCounts.count]
                let runner = ShardingRunner(
                    downstream: engine, totalShards: { _ in shards }, maxShardedQueries: { _ in 0 },
                    maxParallelism: { _ in 8 }, logger: Logger(label: "sharding-test"))
                let plan = runner.plan(for: request)
                if plan != nil { outcome.sharded = true }
                let actual: Result<QueryResponse, QueryFailure>
                do throws(QueryFailure) {
                    actual = .success(try await runner.run(request))
                } catch {
                    actual = .failure(error)
                }
                let what = "\(request.kind == .range ? "range" : "instant") N=\(shards) \(query.text)"
                switch (expected, actual) {
                case (.success(let want), .success(let got)):
                    if let diff = ResultComparison.difference(want.value, got.value) {
                        outcome.mismatches.append("\(what): \(diff)\n    rewritten: \(got.stats.rewrittenQuery)")
                    }
                    if let plan {
                        if got.stats.shards != plan.totalShards || got.stats.shardedQueries != plan.shardedQueryCount
                            || got.stats.rewrittenQuery.isEmpty || got.stats.querierRequests != plan.queryCount {
                            outcome.mismatches.append("\(what): stats \(got.stats)")
                        }
                    }
                case (.failure, .failure):
                    break
                case (.success, .failure(let f)):
                    outcome.mismatches.append("\(what): sharded failed: \(f)")
                case (.failure(let f), .success):
                    outcome.mismatches.append("\(what): unsharded failed (\(f)) but sharded answered")
                }
            }
        }
        return outcome
    }
}

/// Compares query values: same series (by labels, order ignored), same timestamps, values equal
/// within 1e-9 relative, NaN equal to NaN.
enum ResultComparison {
    static func close(_ a: Double, _ b: Double) -> Bool {
        if a == b || (a.isNaN && b.isNaN) { return true }
        return abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }

    static func difference(_ want: QueryValue, _ got: QueryValue) -> String? {
        switch (want, got) {
        case (.scalar(let t1, let f1), .scalar(let t2, let f2)):
            return t1 == t2 && close(f1, f2) ? nil : "scalar \(t1) \(f1) != \(t2) \(f2)"
        case (.vector(let v1), .vector(let v2)):
            let a = v1.sorted { $0.metric < $1.metric }, b = v2.sorted { $0.metric < $1.metric }
            guard a.map(\.metric) == b.map(\.metric) else {
                return "series differ: want \(a.map(\.metric.description).prefix(6)) (\(a.count)), got \(b.map(\.metric.description).prefix(6)) (\(b.count))"
            }
            for (x, y) in zip(a, b) where x.t != y.t || !close(x.f, y.f) {
                return "\(x.metric): want \(x.f)@\(x.t), got \(y.f)@\(y.t)"
            }
            return nil
        case (.matrix(let m1), .matrix(let m2)):
            let a = m1.sorted { $0.metric < $1.metric }, b = m2.sorted { $0.metric < $1.metric }
            guard a.map(\.metric) == b.map(\.metric) else {
                let wantOnly = Set(a.map(\.metric)).subtracting(b.map(\.metric)).prefix(4).map(\.description)
                let gotOnly = Set(b.map(\.metric)).subtracting(a.map(\.metric)).prefix(4).map(\.description)
                return "series differ (\(a.count) vs \(b.count)): only wanted \(wantOnly), only got \(gotOnly)"
            }
            for (x, y) in zip(a, b) {
                guard x.floats.map(\.t) == y.floats.map(\.t) else {
                    return "\(x.metric): timestamps differ: want \(x.floats.count) points, got \(y.floats.count)"
                }
                for (p, q) in zip(x.floats, y.floats) where !close(p.f, q.f) {
                    return "\(x.metric)@\(p.t): want \(p.f), got \(q.f)"
                }
            }
            return nil
        default:
            return "value types differ: \(want.resultType) vs \(got.resultType)"
        }
    }
}

/// `MemoryQueryable` with the shard filter applied on top (`QueryShard.extract` +
/// `contains`), its answers cached per matchers: every query and shard query of a selector
/// reads the same series, so the store scans and encodes them once instead of once per query
/// and shard. The cached series are cut into chunks of 30 samples and a select returns only
/// the chunks that overlap its range, so the engine decodes little more than the range it
/// reads; both keep the test fast in a debug build (the `Queryable` contract lets chunks
/// extend past the range asked for: the engine clips).
final class ShardFilteringStore: Queryable {
    private struct Stored: Sendable {
        var labels: Labels
        var hash: UInt64
        var chunks: [EncodedChunk]
    }

    private let inner: MemoryQueryable
    private let cache = Mutex<[String: [Stored]]>([:])

    init(inner: MemoryQueryable) { self.inner = inner }

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let (shard, rest) = try QueryShard.extract(from: request.matchers)
        let key = rest.map(\.description).joined(separator: ",")
        let all: [Stored]
        if let cached = cache.withLock({ $0[key] }) {
            all = cached
        } else {
            let selected = try await inner.select(SelectRequest(tenant: request.tenant, minTime: .min, maxTime: .max, matchers: rest))
            all = try selected.map {
                Stored(labels: $0.labels, hash: $0.labels.stableHash,
                       chunks: try Rechunker.rechunk($0.chunks, samplesPerChunk: 30, keepingLoneChunk: false))
            }
            cache.withLock { $0[key] = all }
        }
        var out: [QuerySeries] = []
        for s in all where shard?.contains(hash: s.hash) ?? true {
            let chunks = s.chunks.filter { $0.maxTime >= request.minTime && $0.minTime <= request.maxTime }
            if !chunks.isEmpty { out.append(QuerySeries(labels: s.labels, chunks: chunks)) }
        }
        return out
    }

    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await inner.labelNames(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers)
    }

    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await inner.labelValues(tenant: tenant, name: name, minTime: minTime, maxTime: maxTime, matchers: matchers)
    }
}

/// The generated data: 100 minutes of two-minute scrapes (with jitter) of counters, gauges,
/// integer gauges and a classic histogram; some series start late, end early or have a gap
/// longer than the lookback delta, so groups come and go during a query's range.
enum ShardingFixture {
    /// First scrape, a minute boundary (ms).
    static let t0: Int64 = 1_699_999_980_000
    /// Scrapes per series.
    static let scrapes = 50
    /// Scrape interval, ms: long enough to keep the samples the engine decodes (the test's
    /// main cost) few, short enough for every `[5m]` window to hold two samples or more.
    static let interval: Int64 = 120_000
    static let jobs = ["api", "web", "db", "cache", "auth"]
    static let instances = (0..<8).map { "i-\($0)" }
    static let les = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"]

    static func makeStore(seed: UInt64) -> MemoryQueryable {
        var rng = SeededRandom(seed: seed)
        let store = MemoryQueryable()
        func timestamps(_ rng: inout SeededRandom) -> [Int64?] {
            let present = presence(&rng)
            return (0..<scrapes).map { j in
                present(j) ? t0 + Int64(j) * interval + Int64.random(in: 0..<2_000, using: &rng) : nil
            }
        }
        for job in jobs {
            for instance in instances {
                for method in ["GET", "POST", "PUT"] {
                    for code in ["200", "404", "500"] {
                        var value = Double.random(in: 0..<1000, using: &rng)
                        var samples: [Sample] = []
                        for t in timestamps(&rng) {
                            if Double.random(in: 0..<1, using: &rng) < 0.005 {
                                value = Double.random(in: 0..<5, using: &rng)
                            } else {
                                value += Double.random(in: 0..<10, using: &rng)
                            }
                            if let t { samples.append(Sample(timestamp: t, value: value)) }
                        }
                        store.add(Labels(["__name__": "http_requests_total", "job": job, "instance": instance,
                                          "method": method, "code": code]), samples)
                    }
                }
                for area in ["heap", "stack", "cache", "buffers", "other"] {
                    let samples = timestamps(&rng).compactMap { t in
                        t.map { Sample(timestamp: $0, value: Double.random(in: 1000..<100_000, using: &rng)) }
                    }
                    store.add(Labels(["__name__": "node_memory_bytes", "job": job, "instance": instance, "area": area]), samples)
                }
                for sensor in (0..<8).map({ "s\($0)" }) {
                    let samples = timestamps(&rng).compactMap { t in
                        t.map { Sample(timestamp: $0, value: Double.random(in: -20..<40, using: &rng)) }
                    }
                    store.add(Labels(["__name__": "temperature_celsius", "job": job, "instance": instance, "sensor": sensor]), samples)
                }
                for queue in (0..<6).map({ "q\($0)" }) {
                    let samples = timestamps(&rng).compactMap { t in
                        t.map { Sample(timestamp: $0, value: Double(Int.random(in: 0...10, using: &rng))) }
                    }
                    store.add(Labels(["__name__": "queue_length", "job": job, "instance": instance, "queue": queue]), samples)
                }
                for handler in (0..<3).map({ "h\($0)" }) {
                    let scale = Double.random(in: 0.1..<1.5, using: &rng)
                    var counts = [Double](repeating: 0, count: les.count)
                    var bySeries = [[Sample]](repeating: [], count: les.count)
                    for t in timestamps(&rng) {
                        for _ in 0..<Int.random(in: 0...15, using: &rng) {
                            // Skewed towards small durations, as latencies are.
                            let u = Double.random(in: 0..<1, using: &rng)
                            let observed = scale * 6 * u * u
                            for (b, le) in les.enumerated() where observed <= (Double(le) ?? .infinity) { counts[b] += 1 }
                        }
                        guard let t else { continue }
                        for b in les.indices { bySeries[b].append(Sample(timestamp: t, value: counts[b])) }
                    }
                    for (b, le) in les.enumerated() {
                        store.add(Labels(["__name__": "request_duration_seconds_bucket", "job": job, "instance": instance,
                                          "handler": handler, "le": le]), bySeries[b])
                    }
                }
            }
        }
        return store
    }

    /// Which scrapes a series has: most have all; some start late, end early, or miss a stretch
    /// longer than the 5m lookback.
    static func presence(_ rng: inout SeededRandom) -> @Sendable (Int) -> Bool {
        let r = Int.random(in: 0..<100, using: &rng)
        if r < 80 { return { _ in true } }
        if r < 87 {
            let first = Int.random(in: 12..<40, using: &rng)
            return { $0 >= first }
        }
        if r < 94 {
            let end = Int.random(in: 15..<48, using: &rng)
            return { $0 < end }
        }
        let gap = Int.random(in: 10..<42, using: &rng)
        let length = Int.random(in: 4..<12, using: &rng)
        return { $0 < gap || $0 >= gap + length }
    }
}

/// One generated query and the times it is evaluated at.
struct GeneratedQuery: Sendable {
    var index: Int
    var text: String
    /// Built to be shardable: the test fails if it is not sharded.
    var shardable: Bool
    var rangeStart: Int64
    var step: Int64
    var instant: Int64
}

/// Generates the queries: single aggregations of every shardable operator over series-local
/// expressions, binary operations of two aggregations, `histogram_quantile` over sharded
/// bucket sums, and a fixed list of mixed and non-shardable expressions.
struct ShardingQueryGenerator {
    var rng: SeededRandom

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    struct Metric {
        var name: String
        var labels: [String]
        var counter: Bool
        /// Integer values: ties, so no topk/bottomk over them (sharded ties may pick other series).
        var integer: Bool
        var matchers: [String]
    }

    static let metrics = [
        Metric(name: "http_requests_total", labels: ["method", "code"], counter: true, integer: false,
               matchers: ["{code=\"500\"}", "{method=~\"GET|PUT\"}", "{code!=\"404\", job=\"web\"}"]),
        Metric(name: "node_memory_bytes", labels: ["area"], counter: false, integer: false,
               matchers: ["{area=\"heap\"}", "{area=~\"heap|stack\"}"]),
        Metric(name: "temperature_celsius", labels: ["sensor"], counter: false, integer: false,
               matchers: ["{sensor=~\"s[0-3]\"}", "{sensor!=\"s1\"}"]),
        Metric(name: "queue_length", labels: ["queue"], counter: false, integer: true,
               matchers: ["{queue=\"q1\"}"]),
    ]

    mutating func pick<T>(_ options: [T]) -> T { options[Int(rng.next() % UInt64(options.count))] }

    mutating func selector(_ m: Metric) -> String {
        m.name + pick(["", "", "{job=\"api\"}", "{job=~\"api|web\"}", "{instance!=\"i-3\"}"] + m.matchers)
    }

    /// A series-local expression over `m`; `continuous` keeps away from expressions whose
    /// values tie; `forVariance` from `timestamp()`, whose values (~1.7e9 s, spread ~1 s) are
    /// so ill-conditioned for a variance that Welford's own rounding error (~1e-7 relative)
    /// exceeds the comparison's tolerance, sharded or not.
    mutating func inner(_ m: Metric, continuous: Bool, forVariance: Bool = false) -> String {
        let s = selector(m)
        var options: [String]
        if m.counter {
            options = ["rate(\(s)[5m])", "irate(\(s)[5m])", "increase(\(s)[10m])", "rate(\(s)[5m] offset 10m)",
                       "max_over_time(rate(\(s)[5m])[10m:1m])", "rate(\(s)[5m]) * 60", "deriv(\(s)[10m])"]
            if !continuous { options += ["resets(\(s)[15m])", "changes(\(s)[10m])", "count_over_time(\(s)[5m])"] }
        } else {
            options = ["avg_over_time(\(s)[5m])", "max_over_time(\(s)[10m])", "min_over_time(\(s)[10m])",
                       "sum_over_time(\(s)[5m])", "stddev_over_time(\(s)[10m])", "delta(\(s)[10m])",
                       "quantile_over_time(0.75, \(s)[10m])", "avg_over_time(\(s)[5m] offset 3m)", "deriv(\(s)[10m])"]
            if !m.integer {
                options += [s, s, "last_over_time(\(s)[5m])", "\(s) * 2", "-\(s)", "abs(\(s))", "\(s) > 20",
                            "label_replace(\(s), \"host\", \"$1\", \"instance\", \"i-(.*)\")", "sqrt(abs(\(s)))",
                            "predict_linear(\(s)[10m], 600)", "\(s) offset 5m", "(\(s) - 5) / 3"]
            }
            if !continuous {
                options += ["count_over_time(\(s)[5m])", "present_over_time(\(s)[5m])",
                            "clamp_max(\(s), 30)", "changes(\(s)[10m])", "\(s) > bool 25"]
                if !forVariance { options.append("timestamp(\(s))") }
                if m.integer { options += [s, "\(s) * 2", "-\(s)"] }
            }
        }
        return pick(options)
    }

    mutating func grouping(_ m: Metric) -> String {
        let own = pick(m.labels)
        return pick(["", " by (job)", " by (job, instance)", " without (instance)", " without (\(own))", " by (\(own))",
                     " by (zone)", " without (job, instance)"])
    }

    mutating func aggregation(of m: Metric, grouping g: String) -> String {
        let op = pick(["sum", "count", "min", "max", "avg", "group", "stddev", "stdvar", "topk", "bottomk", "sum", "avg"])
        if op == "topk" || op == "bottomk" {
            let metric = m.integer ? Self.metrics[Int(rng.next() % 3)] : m
            return "\(op)\(g) (\(pick([1, 2, 3, 5])), \(inner(metric, continuous: true)))"
        }
        return "\(op)\(g) (\(inner(m, continuous: false, forVariance: op == "stddev" || op == "stdvar")))"
    }

    /// The generated queries, each with its own evaluation times.
    mutating func queries() -> [GeneratedQuery] {
        var texts: [(String, Bool)] = []
        for _ in 0..<135 {
            let m = pick(Self.metrics)
            texts.append((aggregation(of: m, grouping: grouping(m)), true))
        }
        for _ in 0..<20 {
            let g = pick(["", " by (job)", " by (job, instance)"])
            let a = aggregation(of: pick(Self.metrics), grouping: g)
            let b = aggregation(of: pick(Self.metrics), grouping: g)
            texts.append(("\(a) \(pick(["+", "-", "*", "/", "> bool", "<"])) \(b)", true))
        }
        for _ in 0..<15 {
            let s = "request_duration_seconds_bucket" + pick(["", "{job=\"api\"}", "{handler=~\"h[01]\"}"])
            let f = pick(["rate(\(s)[5m])", "increase(\(s)[10m])", "irate(\(s)[5m])"])
            let sum = pick(["sum by (le) (\(f))", "sum by (job, le) (\(f))", "sum without (instance, handler) (\(f))",
                            "sum by (le, handler) (\(f))"])
            texts.append(("histogram_quantile(\(pick([0.25, 0.5, 0.9, 0.99])), \(sum))", true))
        }
        texts += [
            ("sum by (job) (rate(http_requests_total[5m])) / on (job) group_left max by (job) (node_memory_bytes)", true),
            ("sum(rate(http_requests_total[5m])) * scalar(count(queue_length))", true),
            ("sum by (job) (node_memory_bytes) - on (job) group_left quantile by (job) (0.5, node_memory_bytes)", true),
            ("count(node_memory_bytes > 50000) or vector(0)", true),
            ("label_replace(sum by (job) (rate(http_requests_total[5m])), \"svc\", \"$1\", \"job\", \"(.*)\")", true),
            ("sum(rate(http_requests_total[5m])) + 1", true),
            ("-sum by (job) (temperature_celsius)", true),
            ("abs(sum by (job) (delta(temperature_celsius[10m])))", true),
            ("sort_desc(sum by (job) (node_memory_bytes))", true),
            ("scalar(sum(queue_length)) * 2", true),
            ("sum(sum by (job, instance) (node_memory_bytes))", true),
            ("max by (job) (temperature_celsius) > on (job) group_left avg by (job) (temperature_celsius)", true),
            ("sum by (job) (rate(http_requests_total[5m])) and on (job) temperature_celsius{sensor=\"s0\", instance=\"i-1\"}", true),
            ("avg(node_memory_bytes) + stddev(node_memory_bytes) * 2", true),
            ("count_values(\"value\", sum by (job, instance) (queue_length))", true),
            ("sum by (job) (rate(http_requests_total[5m])) / sum by (job) (rate(http_requests_total[5m] offset 20m))", true),
            ("sum(rate(http_requests_total[5m])) + sum(rate(nonexistent_total[5m]))", true),
            ("absent(sum(nonexistent))", true),
            ("topk(2, sum by (job, instance) (rate(http_requests_total[5m])))", true),
            ("time() - max(timestamp(node_memory_bytes))", true),
            // Not shardable.
            ("quantile(0.5, rate(http_requests_total[5m]))", false),
            ("rate(http_requests_total{job=\"api\", instance=\"i-1\"}[5m])", false),
            ("max_over_time(sum(rate(http_requests_total[5m]))[10m:1m])", false),
            ("sum(rate(http_requests_total[5m]) * on (job, instance, method, code) rate(http_requests_total[10m]))", false),
            ("sum(node_memory_bytes @ \(ShardingFixture.t0 / 1000 + 3600))", false),
            ("count_values(\"v\", queue_length)", false),
            ("absent(nonexistent{job=\"x\"})", false),
            ("sort(node_memory_bytes{instance=\"i-2\"})", false),
            ("topk(scalar(count(queue_length) / 100), node_memory_bytes)", true),
            ("avg by (__name__) (node_memory_bytes)", false),
            ("label_replace(topk(3, rate(http_requests_total[5m])), \"__name__\", \"$1\", \"__name__\", \"(.+)\")", false),
            ("label_replace(sum by (job) (rate(http_requests_total[5m])), \"x\", \"$1\", \"job\", \"(.+)\") + on (job) group_left label_replace(max by (job) (-node_memory_bytes), \"__name__\", \"m\", \"\", \"\")", true),
        ]
        var out: [GeneratedQuery] = []
        for (i, (text, shardable)) in texts.enumerated() {
            let rangeStart = ShardingFixture.t0 + Int64(25 + rng.next() % 40) * 60_000 + Int64(rng.next() % 60) * 1000
            let step = pick([60_000, 90_000, 120_000, 300_000, 420_000] as [Int64])
            let instant = ShardingFixture.t0 + Int64(30 + rng.next() % 68) * 60_000 + Int64(rng.next() % 60) * 1000
            out.append(GeneratedQuery(index: i, text: text, shardable: shardable, rangeStart: rangeStart, step: step, instant: instant))
        }
        return out
    }
}
