import StrataLimits
import StrataModel
import StrataPromQL
import StrataSeededRandom
import Synchronization
import Testing
@testable import StrataPromQLTestSupport
@testable import StrataQueryFrontend

/// 100k series, 500 generated queries: the answers through the whole query-frontend (split by
/// 10m, sharded by 3, queued to in-process queriers) equal the engine's alone — same series,
/// values within 1e-9 relative — for range and instant queries. Expressions that ran unsharded
/// are listed.
@Suite struct GeneratedEquivalenceTests {
    static let metrics = 100
    static let seriesPerMetric = 1_000
    static let start: Int64 = 1_700_000_000_000
    static let span: Int64 = 3_600_000
    static let scrape: Int64 = 60_000

    /// 100 metrics of 1,000 series each, indexed by metric name: a select reads only its
    /// metric's series, so 500 queries over 100k series stay quick in a debug build.
    final class IndexedStore: Queryable {
        let byName: [String: [(Labels, [EncodedChunk])]]

        init(seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            var byName: [String: [(Labels, [EncodedChunk])]] = [:]
            for m in 0..<GeneratedEquivalenceTests.metrics {
                let histogram = m % 10 == 9
                let counter = m % 2 == 0 || histogram
                let name = histogram ? "hist\(m)_bucket" : (counter ? "m\(m)_total" : "m\(m)")
                var list: [(Labels, [EncodedChunk])] = []
                for i in 0..<GeneratedEquivalenceTests.seriesPerMetric {
                    var pairs = ["__name__": name, "job": "j\(i % 5)", "instance": "i\(i / 5)"]
                    if histogram { pairs["le"] = ["0.1", "0.5", "1", "5", "+Inf"][i % 5]; pairs["job"] = "j\(i / 5 % 5)" }
                    var samples: [Sample] = []
                    var v = Double(rng.next() % 1000)
                    var t = GeneratedEquivalenceTests.start
                    while t <= GeneratedEquivalenceTests.start + GeneratedEquivalenceTests.span {
                        if counter {
                            // Fractional increments: no two series tie, so topk/bottomk have one answer.
                            v += Double(rng.next() % 100_000) / (histogram ? 997 * Double(6 - i % 5) : 997)
                            if rng.next() % 200 == 0 { v = 0 }
                        } else {
                            v = Double(Int(rng.next() % 2_000_000) - 1_000_000) / 701
                        }
                        // A few series stop half way, so gaps and staleness show up.
                        if i % 97 == 3, t > GeneratedEquivalenceTests.start + GeneratedEquivalenceTests.span / 2 { break }
                        samples.append(Sample(timestamp: t, value: v))
                        t += GeneratedEquivalenceTests.scrape
                    }
                    list.append((Labels(pairs), MemoryQueryable.encode(samples)))
                }
                byName[name] = list
            }
            self.byName = byName
        }

        var names: [String] { byName.keys.sorted() }

        func select(_ request: SelectRequest) async throws -> [QuerySeries] {
            let (shard, matchers) = try QueryShard.extract(from: request.matchers)
            var candidates: [(Labels, [EncodedChunk])] = []
            if let name = matchers.first(where: { $0.name == "__name__" && $0.type == .equal })?.value {
                candidates = byName[name] ?? []
            } else {
                for (_, list) in byName { candidates.append(contentsOf: list) }
            }
            var out: [QuerySeries] = []
            for (labels, chunks) in candidates {
                guard matchers.allSatisfy({ $0.matches(labels[$0.name] ?? "") }) else { continue }
                if let shard, !shard.contains(labels) { continue }
                out.append(QuerySeries(labels: labels, chunks: chunks))
            }
            out.sort { $0.labels < $1.labels }
            return out
        }

        func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
            ["__name__", "instance", "job", "le"]
        }

        func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
            []
        }
    }

    /// Seeded queries: shardable aggregations (by, without, nested, binary, histogram_quantile)
    /// and non-shardable ones.
    static func queries(count: Int, seed: UInt64) -> [String] {
        var rng = SeededRandom(seed: seed)
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        let counters = (0..<metrics).filter { $0 % 2 == 0 && $0 % 10 != 9 }.map { "m\($0)_total" }
        let gauges = (0..<metrics).filter { $0 % 2 == 1 && $0 % 10 != 9 }.map { "m\($0)" }
        func metric(counter: Bool) -> String {
            pick(counter ? counters : gauges) + pick(["", "{job=\"j1\"}", "{instance=~\"i1.*\"}", "{job!=\"j3\"}", "{job=\"j2\"}", "{instance=~\"i2.\"}"])
        }
        func inner() -> String {
            switch rng.next() % 8 {
            case 0: return metric(counter: false)
            case 1: return "rate(\(metric(counter: true))[5m])"
            case 2: return "increase(\(metric(counter: true))[10m])"
            case 3: return "max_over_time(\(metric(counter: false))[5m])"
            case 4: return "avg_over_time(\(metric(counter: false))[10m])"
            case 5: return "\(metric(counter: false)) * 2"
            case 6: return "abs(\(metric(counter: false)) - 100)"
            default: return "irate(\(metric(counter: true))[3m])"
            }
        }
        func grouping() -> String { pick(["", " by (job)", " by (instance)", " without (instance)", " by (job, instance)", " without (job)"]) }
        func agg() -> String {
            let op = pick(["sum", "count", "min", "max", "avg", "group", "stddev", "stdvar", "sum", "avg"])
            return "\(op)\(grouping()) (\(inner()))"
        }
        var out: [String] = []
        while out.count < count {
            switch rng.next() % 10 {
            case 0, 1, 2, 3: out.append(agg())
            case 4: out.append("\(pick(["topk", "bottomk"]))(\(1 + rng.next() % 5), \(inner()))\(pick(["", " by (job)"]))")
            case 5: out.append("\(agg()) / \(agg())")
            case 6:
                let h = "hist\(pick([9, 19, 29, 39, 49]))_bucket"
                out.append("histogram_quantile(\(pick(["0.5", "0.9", "0.99"])), sum by (le\(pick(["", ", job"]))) (rate(\(h)[5m])))")
            case 7: out.append("\(agg()) > \(pick(["0", "10", "1000"]))")
            case 8: out.append("sum(\(pick(["sum", "max", "count"])) by (job) (\(inner())))")
            default:
                out.append(pick(["quantile(0.5, \(inner()))", "count_values(\"v\", \(metric(counter: false)) > 1000)",
                                 "\(metric(counter: false)) / \(metric(counter: false))", "sort(\(agg()))",
                                 "absent(\(metric(counter: false)){job=\"nope\"})", "\(metric(counter: true))"]))
            }
        }
        return out
    }

    /// On a thread of its own: the evaluations are long and CPU-bound, and on the shared
    /// cooperative pool they would starve the other suites' timers and servers.
    static let executor = ThreadExecutor(stackSize: 8 << 20)

    @Test func generatedQueriesAnswerTheSameThroughTheFrontend() async throws {
        try await Task(executorPreference: Self.executor) { try await Self.generatedQueriesAnswerTheSameThroughTheFrontendBody() }.value
    }

    static func generatedQueriesAnswerTheSameThroughTheFrontendBody() async throws {
        let store = IndexedStore(seed: 15)
        var options = EngineOptions()
        options.timeout = .seconds(600)
        let engine = EngineQueryRunner(options: options, storage: { _ in store })
        var limits = Limits()
        limits.queryShardingTotalShards = 3
        var config = QueryFrontendConfig()
        config.splitQueriesByInterval = .seconds(10 * 60)
        config.parallelizeShardableQueries = true
        let queue = RequestQueue()
        let frontend = QueryFrontend(config: config, overrides: Overrides(defaults: limits), cache: nil, queue: queue,
                                     now: { 0 }, logger: testLogger)
        let workers = Task { await LocalQueriers(queue: queue, runner: engine, concurrency: 2).run() }
        defer { workers.cancel(); queue.stop() }

        let queries = Self.queries(count: 500, seed: 7)
        var compared = 0, sharded = 0, split = 0
        var unsharded: [String] = []
        var differences: [String] = []
        for (i, q) in queries.enumerated() {
            let range = i % 4 != 3
            let end = Self.start + Self.span
            let request = range
                ? QueryRequest(kind: .range, tenants: [.anonymous], query: q, start: end - 30 * 60_000, end: end, step: 120_000)
                : QueryRequest(kind: .instant, tenants: [.anonymous], query: q, start: end - 5 * 60_000, end: end - 5 * 60_000, step: 0)
            let reference: Result<QueryResponse, QueryFailure>
            let viaFrontend: Result<QueryResponse, QueryFailure>
            do throws(QueryFailure) { reference = .success(try await engine.run(request)) } catch { reference = .failure(error) }
            do throws(QueryFailure) { viaFrontend = .success(try await frontend.run(request)) } catch { viaFrontend = .failure(error) }
            compared += 1
            switch (reference, viaFrontend) {
            case (.success(let a), .success(let b)):
                if b.stats.shards > 0 { sharded += 1 } else { unsharded.append(q) }
                if b.stats.splitQueries > 1 { split += 1 }
                if let why = ValueComparison.difference(a.value, b.value) { differences.append("\(q) (\(range ? "range" : "instant")): \(why)") }
            case (.failure(let a), .failure(let b)):
                if a.status != b.status { differences.append("\(q): statuses \(a.status) vs \(b.status)") }
            case (.success, .failure(let f)):
                differences.append("\(q): the frontend failed: \(f.message)")
            case (.failure(let f), .success):
                differences.append("\(q): the engine failed (\(f.message)), the frontend answered")
            }
        }
        print("generated equivalence: \(compared) queries over \(Self.metrics * Self.seriesPerMetric) series, \(sharded) sharded, \(split) split, \(differences.count) differences")
        print("not sharded (\(Set(unsharded).count) distinct):")
        for q in Set(unsharded).sorted().prefix(60) { print("  \(q)") }
        for d in differences.prefix(30) { print("  DIFF \(d)") }
        #expect(compared >= 500)
        #expect(sharded >= 200)
        #expect(split >= 200)
        #expect(differences.isEmpty)
    }
}
