import Foundation
import StrataLimits
import StrataModel
import StrataPromQL
import Synchronization
import Testing
@testable import StrataPromQLTestSupport
@testable import StrataQueryFrontend

/// The upstream promqltest corpus (float files) through the whole query-frontend chain, with
/// splitting (1m intervals, so most ranges split) and sharding (3 shards) on, against the engine
/// alone: every query must give the same value (same series, values within 1e-9 relative) or the
/// same failure status. Warnings and infos are not compared (a sharded leg's positions refer to
/// its own text, see docs/query-frontend.md).
@Suite struct CorpusEquivalenceTests {
    /// Runs loads into one store and every query both ways, recording differences.
    struct ComparingBackend: ConformanceBackend {
        let reference: ConformanceMemoryBackend
        let frontend: QueryFrontend
        let record: Recorder

        func clear() async { await reference.clear() }

        /// Whether `query` names an aggregation the rewriter can shard.
        static func hasShardableAggregation(_ query: String) -> Bool {
            query.contains(/(^|[^a-zA-Z0-9_:])(sum|count|min|max|avg|group|topk|bottomk|stddev|stdvar)\s*(\(|by\b|without\b)/)
        }

        func load(_ load: ConformanceLoad) async { await reference.load(load) }

        func instantQuery(_ query: String, at time: Int64) async -> ConformanceAnswer {
            let ref = await reference.instantQuery(query, at: time)
            await compare(ref, QueryRequest(kind: .instant, tenants: [.anonymous], query: query, start: time, end: time, step: 0))
            return ref
        }

        func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async -> ConformanceAnswer {
            let ref = await reference.rangeQuery(query, start: start, end: end, step: step)
            await compare(ref, QueryRequest(kind: .range, tenants: [.anonymous], query: query, start: start, end: end, step: step))
            return ref
        }

        private func compare(_ ref: ConformanceAnswer, _ request: QueryRequest) async {
            let got: Result<QueryResponse, QueryFailure>
            do throws(QueryFailure) {
                got = .success(try await frontend.run(request))
            } catch {
                got = .failure(error)
            }
            record.compared.withLock {
                $0.queries += 1
                if case .success(let r) = got, r.stats.shards > 0 { $0.sharded += 1 }
            }
            if case .success(let r) = got, r.stats.shards == 0, Self.hasShardableAggregation(request.query) {
                record.unsharded.withLock { $0.insert(request.query) }
            }
            switch (ref, got) {
            case (.value(let a, _, _), .success(let b)):
                if let why = ValueComparison.difference(a, b.value) {
                    record.mismatches.withLock { $0.append("\(request.kind) \(request.query) [\(request.start)…\(request.end)/\(request.step)]: \(why)") }
                }
            case (.error, .failure):
                break
            case (.value, .failure(let f)):
                record.mismatches.withLock { $0.append("\(request.query): engine answered, frontend failed: \(f.message)") }
            case (.error(let e), .success):
                record.mismatches.withLock { $0.append("\(request.query): engine failed (\(e)), frontend answered") }
            }
        }
    }

    /// Differences that sharding makes on purpose, each explained in docs/query-frontend.md
    /// ("Known differences"): the engine sums with Kahan compensation, and a shard's partial
    /// sum is rounded before the merge, so a sum of terms 2^53 apart (1e100 + 10 - 1e100) comes
    /// out differently; an avg of values near the float maximum overflows as sum / count.
    static let knownDifferences: [(file: String, query: String)] = [
        ("aggregators.test", "sum(data{test=\"ten\"})"),
        ("aggregators.test", "avg(data{test=\"ten\"})"),
        // The engine averages incrementally (as Prometheus does, so a mean of values near the
        // float maximum stays finite); sharded avg is sum / count, whose sum overflows.
        ("native_histograms.test", "avg(histogram_avg_incremental)"),
        ("aggregators.test", "avg(data{test=\"big\"})"),
        ("aggregators.test", "avg(data{test=\"-big\"})"),
        ("aggregators.test", "avg(data{test=\"bigzero\"})"),
    ]

    /// What the comparing backend found.
    final class Recorder: Sendable {
        let mismatches = Mutex<[String]>([])
        let compared = Mutex<(queries: Int, sharded: Int)>((0, 0))
        /// Queries holding a shardable aggregation's name whose answer reported no shards at
        /// least once (the rewriter declined it, see `ShardingRewriter`'s "Not sharded" notes,
        /// or that evaluation's stats carried no shard count).
        let unsharded = Mutex<Set<String>>([])
    }

    /// On a thread of its own: the evaluations are long and CPU-bound, and on the shared
    /// cooperative pool they would starve the other suites' timers and servers.
    static let executor = ThreadExecutor(stackSize: 8 << 20)

    @Test func corpusAnswersEqualWithSplittingAndSharding() async throws {
        try await Task(executorPreference: Self.executor) {
            try await Self.compareThroughFrontend(files: { $0 != "native_histograms.test" && $0 != "histograms.test" },
                                                  minimumQueries: 1000, minimumSharded: 100)
        }.value
    }

    /// The native-histogram corpus files: histogram points must come through splitting (1m), the
    /// results cache's merge, sharding (legs re-embedded as float-histogram chunks) and the
    /// codec exactly as the engine alone answers them.
    @Test func nativeHistogramCorpusAnswersEqualWithSplittingAndSharding() async throws {
        try await Task(executorPreference: Self.executor) {
            try await Self.compareThroughFrontend(files: { $0 == "native_histograms.test" || $0 == "histograms.test" },
                                                  minimumQueries: 300, minimumSharded: 50)
        }.value
    }

    static func compareThroughFrontend(files include: (String) -> Bool, minimumQueries: Int, minimumSharded: Int) async throws {
        let parser = try ConformanceScriptParser()
        var scripts: [ConformanceScript] = []
        for file in try ConformanceCorpus.files() where include(file) {
            guard let script = try? parser.parse(try ConformanceCorpus.text(of: file), file: file) else { continue }
            scripts.append(script)
        }
        #expect(!scripts.isEmpty, "the corpus in ../shared/testdata/promqltest was not found")
        let runner = ConformanceRunner()
        var totalQueries = 0, totalSharded = 0
        var allMismatches: [String] = []
        var unsharded: [String] = []
        for script in scripts {
            let reference = ConformanceMemoryBackend(engine: runner.engine)
            var limits = Limits()
            limits.queryShardingTotalShards = 3
            var config = QueryFrontendConfig()
            config.splitQueriesByInterval = .seconds(60)
            config.parallelizeShardableQueries = true
            let queue = RequestQueue()
            let frontend = QueryFrontend(config: config, overrides: Overrides(defaults: limits), cache: nil, queue: queue,
                                         now: { 0 }, logger: testLogger)
            let engineRunner = EngineQueryRunner(options: runner.engine.options, storage: { [storage = reference.storage] _ in storage })
            let queriers = LocalQueriers(queue: queue, runner: engineRunner, concurrency: 2)
            let workers = Task { await queriers.run() }
            var backend = ComparingBackend(reference: reference, frontend: frontend, record: Recorder())
            _ = await runner.run(script, on: &backend)
            workers.cancel()
            queue.stop()
            await workers.value
            let counts = backend.record.compared.withLock { $0 }
            totalQueries += counts.queries
            totalSharded += counts.sharded
            allMismatches += backend.record.mismatches.withLock { $0 }.map { "\(script.file): \($0)" }
            unsharded += backend.record.unsharded.withLock { $0 }.sorted().map { "\(script.file): \($0)" }
        }
        let known = allMismatches.filter { m in Self.knownDifferences.contains { m.hasPrefix($0.file + ": ") && m.contains($0.query) } }
        let unexpected = allMismatches.filter { !known.contains($0) }
        print("corpus through the frontend (\(scripts.map(\.file).joined(separator: ", ").prefix(80))…): \(totalQueries) queries compared, \(totalSharded) sharded, \(allMismatches.count) differences (\(known.count) known)")
        for m in allMismatches.prefix(50) { print("  \(m)") }
        print("aggregations answered at least once without shards in the stats: \(unsharded.count)")
        for q in unsharded { print("  not sharded: \(q)") }
        #expect(totalQueries > minimumQueries)
        #expect(totalSharded > minimumSharded)
        #expect(unexpected.isEmpty)
    }
}

/// Query values compared as the equivalence tests require: the same series (label sets) and
/// values within 1e-9 relative (NaN equal to NaN), order ignored.
enum ValueComparison {
    static func close(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        // An infinity equals only itself (a relative tolerance of an infinity would take anything).
        if a.isInfinite || b.isInfinite { return false }
        return abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }

    /// Histograms equal in layout (schema, spans) with every count, sum and bound close. The
    /// counter-reset hint is not compared: the API does not return it, and a sharded leg's
    /// histograms pass through a chunk, which keeps the hint of its first sample only.
    static func close(_ a: FloatHistogram, _ b: FloatHistogram) -> Bool {
        func all(_ x: [Double], _ y: [Double]) -> Bool { x.count == y.count && zip(x, y).allSatisfy { close($0, $1) } }
        return a.schema == b.schema
            && a.positiveSpans == b.positiveSpans && a.negativeSpans == b.negativeSpans
            && close(a.zeroThreshold, b.zeroThreshold) && close(a.zeroCount, b.zeroCount)
            && close(a.count, b.count) && close(a.sum, b.sum)
            && all(a.positiveBuckets, b.positiveBuckets) && all(a.negativeBuckets, b.negativeBuckets)
            && all(a.customValues, b.customValues)
    }

    /// Nil when equal, else what differs.
    static func difference(_ a: QueryValue, _ b: QueryValue) -> String? {
        switch (a, b) {
        case (.scalar(let t1, let f1), .scalar(let t2, let f2)):
            return t1 == t2 && close(f1, f2) ? nil : "scalar \(t1):\(f1) vs \(t2):\(f2)"
        case (.string(let t1, let s1), .string(let t2, let s2)):
            return t1 == t2 && s1 == s2 ? nil : "string differs"
        case (.vector(let v1), .vector(let v2)):
            let m1 = Dictionary(v1.map { ($0.metric, $0) }, uniquingKeysWith: { x, _ in x })
            let m2 = Dictionary(v2.map { ($0.metric, $0) }, uniquingKeysWith: { x, _ in x })
            guard Set(m1.keys) == Set(m2.keys), v1.count == v2.count else {
                return "series \(v1.map(\.metric).sorted()) vs \(v2.map(\.metric).sorted())"
            }
            for (k, s) in m1 {
                guard let o = m2[k], o.t == s.t else { return "\(k): missing or at another time" }
                switch (s.h, o.h) {
                case (nil, nil):
                    guard close(o.f, s.f) else { return "\(k): \(s.f) vs \(o.f)" }
                case (let h1?, let h2?):
                    guard close(h1, h2) else { return "\(k): histogram \(h1) vs \(h2)" }
                default:
                    return "\(k): a float and a histogram"
                }
            }
            return nil
        case (.matrix(let x1), .matrix(let x2)):
            let m1 = Dictionary(x1.map { ($0.metric, $0.floats) }, uniquingKeysWith: { x, _ in x })
            let m2 = Dictionary(x2.map { ($0.metric, $0.floats) }, uniquingKeysWith: { x, _ in x })
            let h1 = Dictionary(x1.map { ($0.metric, $0.histograms) }, uniquingKeysWith: { x, _ in x })
            let h2 = Dictionary(x2.map { ($0.metric, $0.histograms) }, uniquingKeysWith: { x, _ in x })
            guard Set(m1.keys) == Set(m2.keys), x1.count == x2.count else {
                return "series \(x1.map(\.metric).sorted()) vs \(x2.map(\.metric).sorted())"
            }
            for (k, p1) in m1 {
                guard let p2 = m2[k], p1.count == p2.count else { return "\(k): \(p1.count) points vs \(m2[k]?.count ?? 0)" }
                for (a, b) in zip(p1, p2) where a.t != b.t || !close(a.f, b.f) {
                    return "\(k) at \(a.t): \(a.f) vs \(b.t):\(b.f)"
                }
            }
            for (k, p1) in h1 {
                guard let p2 = h2[k], p1.count == p2.count else { return "\(k): \(p1.count) histogram points vs \(h2[k]?.count ?? 0)" }
                for (a, b) in zip(p1, p2) where a.t != b.t || !close(a.h, b.h) {
                    return "\(k) at \(a.t): histogram \(a.h) vs \(b.t):\(b.h)"
                }
            }
            return nil
        default:
            return "value types differ"
        }
    }
}
