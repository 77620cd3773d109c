import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel

/// `strata-loadgen query-load`: concurrent query loops (one tenant, query and pace each) against
/// Strata's query API, for the query-frontend's fairness, sharding and results-cache benchmarks
/// (scripts/frontend-bench.sh). Exit codes: 0 success; 1 a request failed with something other
/// than 429 (unless `-allow-errors`); 2 bad flags.
func runQueryLoad(arguments: [String]) async -> Int32 {
    let config: QueryLoadConfig
    switch startSubcommand("query-load", arguments, parse: parseQueryLoadFlags, usage: queryLoadUsage) {
    case .run(let c): config = c
    case .exit(let code): return code
    }

    var configuration = HTTPClient.Configuration()
    configuration.decompression = .disabled
    configuration.httpVersion = .http1Only
    configuration.redirectConfiguration = .disallow
    // One connection per worker: a smaller pool would queue requests inside the client and count
    // that wait as server latency.
    let workers = config.loops.reduce(0) { $0 + $1.concurrency }
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: workers)
    configuration.connectionPool.retryConnectionEstablishment = false
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)

    let what = config.duration.map { "for \(GoDuration.format($0))" } ?? "until every loop has sent its count"
    log("query-load: \(config.loops.count) loops, \(workers) workers, \(what), against \(config.strata)")
    let started = ContinuousClock.now
    let deadline = config.duration.map { started + $0 }
    let results = await withTaskGroup(of: (Int, QueryLoopStats).self) { group in
        for (index, spec) in config.loops.enumerated() {
            group.addTask {
                (index, await runQueryLoop(spec, config: config, client: client, deadline: deadline))
            }
        }
        var out = [QueryLoopStats](repeating: QueryLoopStats(), count: config.loops.count)
        for await (i, s) in group { out[i] = s }
        return out
    }
    let wall = (ContinuousClock.now - started).seconds
    try? await client.shutdown()

    let summary = QueryLoadSummary(config: config, loops: results, wallSeconds: wall)
    print(renderQueryLoadReport(summary), terminator: "")
    if config.json { print(renderQueryLoadJSON(summary)) }
    let failed = results.reduce(0) { $0 + $1.failed }
    if failed > 0 && !config.allowErrors {
        log("strata-loadgen query-load: \(group(failed)) requests failed (other than 429); pass -allow-errors to exit 0 anyway")
        return 1
    }
    return 0
}

/// Counters of one loop (per worker, then merged).
struct QueryLoopStats: Sendable {
    /// Latency of the successful (2xx) requests.
    var histogram = LatencyHistogram()
    /// Requests with an answer or a transport error.
    var requests = 0
    /// 2xx answers.
    var ok = 0
    /// Answers by status other than 2xx (0: no answer: connection refused, timeout…).
    var statuses: [Int: Int] = [:]
    /// The first answer body (or transport error) of each failing status.
    var firstErrors: [Int: String] = [:]
    /// Bytes of the successful answers.
    var bodyBytes = 0
    /// Series (or 1 for a scalar) in the first successful answer; nil before one arrived.
    var firstSeries: Int?
    /// Sums of `data.stats.strata` over the answers (`-stats`).
    var strata = StrataStatsSum()

    /// Requests answered 429.
    var tooManyRequests: Int { statuses[429] ?? 0 }
    /// Requests that failed otherwise.
    var failed: Int { requests - ok - tooManyRequests }

    mutating func merge(_ o: QueryLoopStats) {
        histogram.merge(o.histogram)
        requests += o.requests
        ok += o.ok
        for (k, v) in o.statuses { statuses[k, default: 0] += v }
        for (k, v) in o.firstErrors where firstErrors[k] == nil { firstErrors[k] = v }
        bodyBytes += o.bodyBytes
        firstSeries = firstSeries ?? o.firstSeries
        strata.add(o.strata)
    }
}

/// Strata's per-query statistics, summed over a loop's answers.
struct StrataStatsSum: Sendable, Codable {
    var answers = 0
    var resultsCacheHits = 0
    var resultsCacheMisses = 0
    var splitQueries = 0
    var shardedQueries = 0
    var querierRequests = 0
    var seriesFetched = 0
    /// Largest `shards` of one answer.
    var maxShards = 0

    mutating func add(_ o: StrataStatsSum) {
        answers += o.answers
        resultsCacheHits += o.resultsCacheHits
        resultsCacheMisses += o.resultsCacheMisses
        splitQueries += o.splitQueries
        shardedQueries += o.shardedQueries
        querierRequests += o.querierRequests
        seriesFetched += o.seriesFetched
        maxShards = max(maxShards, o.maxShards)
    }

    /// Hits over hits and misses, nil when the answers had none.
    var hitRatio: Double? {
        let total = resultsCacheHits + resultsCacheMisses
        return total == 0 ? nil : Double(resultsCacheHits) / Double(total)
    }
}

/// Hands out a loop's `count` requests to its workers.
private actor RequestBudget {
    private var left: Int?
    init(_ count: Int?) { left = count }

    /// True when the worker may send one more request.
    func take() -> Bool {
        guard let n = left else { return true }
        guard n > 0 else { return false }
        left = n - 1
        return true
    }
}

/// Runs one loop's workers until the deadline or its count; returns their merged counters.
private func runQueryLoop(_ spec: QueryLoopSpec, config: QueryLoadConfig, client: HTTPClient,
                          deadline: ContinuousClock.Instant?) async -> QueryLoopStats {
    let budget = RequestBudget(spec.count)
    return await withTaskGroup(of: QueryLoopStats.self) { group in
        for _ in 0..<spec.concurrency {
            group.addTask {
                var stats = QueryLoopStats()
                while deadline.map({ ContinuousClock.now < $0 }) ?? true, await budget.take() {
                    let failedBefore = stats.statuses[0] ?? 0
                    await sendQuery(spec, config: config, client: client, into: &stats)
                    // No answer at all (server down, connection refused): do not spin.
                    if (stats.statuses[0] ?? 0) > failedBefore && spec.pause < .milliseconds(50) {
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                    if spec.pause > .zero {
                        if let deadline, ContinuousClock.now + spec.pause >= deadline { break }
                        try? await Task.sleep(for: spec.pause)
                    }
                }
                return stats
            }
        }
        var merged = QueryLoopStats()
        for await s in group { merged.merge(s) }
        return merged
    }
}

/// Sends one request of the loop and records its outcome.
private func sendQuery(_ spec: QueryLoopSpec, config: QueryLoadConfig, client: HTTPClient,
                       into stats: inout QueryLoopStats) async {
    let nowMs = config.end.map { $0 * 1000 } ?? Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    var params = [("query", spec.query)]
    let path: String
    if let range = spec.range {
        let stepMs = max(1, spec.step.nanoseconds / 1_000_000)
        let endMs = nowMs / stepMs * stepMs
        let startMs = endMs - range.nanoseconds / 1_000_000
        params += [("start", secondsText(startMs)), ("end", secondsText(endMs)), ("step", secondsText(stepMs))]
        path = "/query_range"
    } else {
        params.append(("time", secondsText(nowMs)))
        path = "/query"
    }
    if config.stats { params.append(("stats", "all")) }
    let url = config.strata + config.apiPrefix + path + "?" + params.map { "\($0.0)=\(queryEscape($0.1))" }.joined(separator: "&")
    var request = HTTPClientRequest(url: url)
    if !spec.tenant.isEmpty { request.headers.add(name: "X-Scope-OrgID", value: spec.tenant) }
    request.headers.add(name: "User-Agent", value: "strata-loadgen/0.1 query-load")

    let start = ContinuousClock.now
    stats.requests += 1
    do {
        let response = try await client.execute(request, timeout: .nanoseconds(config.timeout.nanoseconds))
        let body = try await response.body.collect(upTo: 1 << 30)
        let nanos = (ContinuousClock.now - start).nanoseconds
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            stats.statuses[status, default: 0] += 1
            if stats.firstErrors[status] == nil { stats.firstErrors[status] = String(String(buffer: body).prefix(300)) }
            return
        }
        stats.ok += 1
        stats.histogram.record(nanoseconds: nanos)
        stats.bodyBytes += body.readableBytes
        // Parsing costs the client CPU the server could use: only the first answer (for its
        // series count) and, with -stats, every answer.
        guard stats.firstSeries == nil || config.stats else { return }
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        let data = json?["data"] as? [String: Any]
        if stats.firstSeries == nil {
            stats.firstSeries = data?["resultType"] as? String == "scalar" ? 1 : ((data?["result"] as? [Any])?.count ?? 0)
        }
        if config.stats, let s = (data?["stats"] as? [String: Any])?["strata"] as? [String: Any] {
            func int(_ key: String) -> Int { (s[key] as? NSNumber)?.intValue ?? 0 }
            stats.strata.add(StrataStatsSum(
                answers: 1, resultsCacheHits: int("resultsCacheHits"), resultsCacheMisses: int("resultsCacheMisses"),
                splitQueries: int("splitQueries"), shardedQueries: int("shardedQueries"),
                querierRequests: int("querierRequests"), seriesFetched: int("seriesFetched"), maxShards: int("shards")))
        }
    } catch {
        stats.statuses[0, default: 0] += 1
        if stats.firstErrors[0] == nil { stats.firstErrors[0] = String("\(error)".prefix(300)) }
    }
}

/// Milliseconds as the API's seconds: `1700000000` or `1700000000.5`.
private func secondsText(_ ms: Int64) -> String {
    ms % 1000 == 0 ? String(ms / 1000) : String(format: "%.3f", Double(ms) / 1000)
}

/// Percent-encodes all but unreserved characters (a `+` must not be read as a space).
private func queryEscape(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}

// MARK: - Report

/// What the report prints for one loop.
struct QueryLoopSummary: Sendable, Codable {
    struct Latency: Sendable, Codable {
        var p50: Double
        var p90: Double
        var p99: Double
        var max: Double
        var mean: Double
    }

    var name: String
    var tenant: String
    var query: String
    /// 0 for an instant query.
    var rangeSeconds: Double
    var stepSeconds: Double
    var concurrency: Int
    var pauseMs: Double
    var requests: Int
    var ok: Int
    var tooManyRequests: Int
    /// Failures other than 429, by status ("0": no answer).
    var errors: [String: Int]
    var firstErrors: [String: String]
    var requestsPerSecond: Double
    /// Successful requests only, milliseconds.
    var latencyMs: Latency
    var firstAnswerSeries: Int?
    var meanBodyBytes: Int
    var strataStats: StrataStatsSum?
    var resultsCacheHitRatio: Double?
}

/// The whole run.
struct QueryLoadSummary: Sendable, Codable {
    var wallSeconds: Double
    var loops: [QueryLoopSummary]

    init(config: QueryLoadConfig, loops: [QueryLoopStats], wallSeconds: Double) {
        self.wallSeconds = (wallSeconds * 1000).rounded() / 1000
        self.loops = zip(config.loops, loops).map { spec, s in
            func ms(_ ns: Int64) -> Double { (Double(ns) / 1e4).rounded() / 100 }
            var errors: [String: Int] = [:]
            var firsts: [String: String] = [:]
            for (code, n) in s.statuses where code != 429 {
                errors[String(code)] = n
                firsts[String(code)] = s.firstErrors[code]
            }
            if let t = s.firstErrors[429] { firsts["429"] = t }
            let h = s.histogram
            return QueryLoopSummary(
                name: spec.name, tenant: spec.tenant, query: spec.query,
                rangeSeconds: spec.range?.seconds ?? 0, stepSeconds: spec.range == nil ? 0 : spec.step.seconds,
                concurrency: spec.concurrency, pauseMs: spec.pause.seconds * 1000,
                requests: s.requests, ok: s.ok, tooManyRequests: s.tooManyRequests, errors: errors, firstErrors: firsts,
                requestsPerSecond: (Double(s.requests) / max(wallSeconds, 1e-9) * 100).rounded() / 100,
                latencyMs: .init(p50: ms(h.quantile(0.5)), p90: ms(h.quantile(0.9)), p99: ms(h.quantile(0.99)),
                                 max: ms(h.maxNanos), mean: ms(h.meanNanos)),
                firstAnswerSeries: s.firstSeries, meanBodyBytes: s.ok == 0 ? 0 : s.bodyBytes / s.ok,
                strataStats: config.stats ? s.strata : nil, resultsCacheHitRatio: config.stats ? s.strata.hitRatio : nil)
        }
    }
}

func renderQueryLoadReport(_ s: QueryLoadSummary) -> String {
    var out = "query-load results (wall time \(fmtSeconds(s.wallSeconds))):\n"
    for l in s.loops {
        let kind = l.rangeSeconds > 0
            ? "range \(GoDuration.format(.seconds(l.rangeSeconds))) step \(GoDuration.format(.seconds(l.stepSeconds)))"
            : "instant"
        let pause = l.pauseMs > 0 ? ", pause \(GoDuration.format(.milliseconds(l.pauseMs)))" : ""
        out += "loop \(l.name) (tenant \(l.tenant.isEmpty ? "none" : l.tenant), concurrency \(l.concurrency)\(pause)): \(l.query) [\(kind)]\n"
        let other = l.errors.values.reduce(0, +)
        out += "  requests      \(group(l.requests)) (\(group(l.ok)) ok, \(group(l.tooManyRequests)) × 429, \(group(other)) other errors), "
            + "\(String(format: "%.2f", l.requestsPerSecond))/s\n"
        let t = l.latencyMs
        if l.ok > 0 {
            out += "  latency       p50 \(fmtMs(t.p50))  p90 \(fmtMs(t.p90))  p99 \(fmtMs(t.p99))  max \(fmtMs(t.max))  mean \(fmtMs(t.mean))"
                + "  (2xx answers, send to full body read)\n"
            out += "  answers       \(l.firstAnswerSeries.map(String.init) ?? "?") series in the first, \(fmtBytes(Double(l.meanBodyBytes))) on average\n"
        }
        for key in l.errors.keys.sorted(by: { Int($0) ?? 0 < Int($1) ?? 0 }) {
            let what = key == "0" ? "no answer" : "HTTP \(key)"
            out += "  error         \(what) × \(group(l.errors[key] ?? 0)); first: \(l.firstErrors[key] ?? "")\n"
        }
        if l.tooManyRequests > 0, let first = l.firstErrors["429"] {
            out += "  429           first: \(first)\n"
        }
        if let st = l.strataStats {
            let ratio = l.resultsCacheHitRatio.map { String(format: "%.3f", $0) } ?? "-"
            out += "  strata stats  over \(st.answers) answers: results cache \(st.resultsCacheHits) hits / \(st.resultsCacheMisses) misses "
                + "(ratio \(ratio)), \(st.splitQueries) split queries, \(st.shardedQueries) sharded queries (at most \(st.maxShards) shards), "
                + "\(st.querierRequests) querier requests\n"
        }
    }
    return out
}

/// The summary as one line of JSON.
func renderQueryLoadJSON(_ s: QueryLoadSummary) -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(s) else { return "{\"error\":\"could not encode the summary\"}" }
    return String(decoding: data, as: UTF8.self)
}
