// In-memory data for the PromQL engine benchmarks: a dashboard-like fleet held as real XOR chunks
// of 120 samples, built once per benchmark process (outside the measured region).
//
// Shared verbatim with the release profiling driver, so it depends only on StrataModel,
// StrataChunks and StrataPromQL.

import StrataChunks
import StrataModel
import StrataPromQL

/// Deterministic generator (SplitMix64) so every run measures the same bytes.
struct PromQLRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// The fleet (about 20k series, 24 h at a 60 s scrape interval with a few ms of jitter):
///
/// - `http_requests_total{job, instance, path, code}`: 200 instances (10 jobs) × 10 paths × 5 codes
///   = 10,000 counters; half the paths start with `/api/`.
/// - `http_request_duration_seconds_bucket{job, instance, le}`: 500 instances × 12 buckets = 6,000
///   cumulative counters.
/// - `node_memory_used_bytes{instance, job}` and `node_memory_total_bytes{instance, job}`: 2,000
///   gauges each.
enum PromQLFixture {
    static let interval: Int64 = 60_000
    static let span: Int64 = 24 * 3600 * 1000
    /// 2026-01-01T00:00:00Z in ms: the last sample and the instant-query time.
    static let end: Int64 = 1_767_225_600_000
    static let start: Int64 = end - span
    static let tenant = TenantID.anonymous

    static let paths = ["/api/v1/users", "/api/v1/orders", "/api/v1/cart", "/api/v2/search", "/api/v2/items",
                        "/healthz", "/metrics", "/login", "/static/app.js", "/"]
    static let codes = ["200", "201", "404", "429", "500"]
    static let buckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]

    static func instance(_ i: Int) -> String { "10.\(i / 250).\(i % 250).\(i % 7 + 2):9100" }

    /// The fleet's series in labels order, with their chunks.
    static func build() -> [QuerySeries] {
        var out: [QuerySeries] = []
        out.reserveCapacity(20_000)
        var rng = PromQLRandom(state: 42)
        let samples = Int(span / interval) + 1
        for i in 0..<200 {
            for (p, path) in paths.enumerated() {
                for (c, code) in codes.enumerated() {
                    let rate = Double((i % 13 + 1) * (p + 1)) / Double(c * c + 1)
                    let labels = Labels([
                        "__name__": "http_requests_total", "job": "api-\(i % 10)", "instance": instance(i),
                        "path": path, "code": code,
                    ])
                    out.append(QuerySeries(labels: labels, chunks: counter(samples: samples, rate: rate, rng: &rng)))
                }
            }
        }
        for i in 0..<500 {
            let total = Double(i % 17 + 5)
            for (b, le) in buckets.enumerated() {
                let rate = total * Double(b + 1) / Double(buckets.count)
                let labels = Labels([
                    "__name__": "http_request_duration_seconds_bucket", "job": "api-\(i % 10)", "instance": instance(i), "le": le,
                ])
                out.append(QuerySeries(labels: labels, chunks: counter(samples: samples, rate: rate, rng: &rng)))
            }
        }
        for i in 0..<2000 {
            let totalBytes = Double((i % 8 + 1) * 8) * 1_073_741_824
            for name in ["node_memory_used_bytes", "node_memory_total_bytes"] {
                let labels = Labels(["__name__": name, "job": "node", "instance": instance(i)])
                let chunks = name == "node_memory_total_bytes"
                    ? gauge(samples: samples, level: totalBytes, noise: 0, rng: &rng)
                    : gauge(samples: samples, level: totalBytes * 0.6, noise: 0.1, rng: &rng)
                out.append(QuerySeries(labels: labels, chunks: chunks))
            }
        }
        out.sort { $0.labels < $1.labels }
        return out
    }

    /// Scrape time of sample `k`, with the few ms of jitter real scrapes have.
    static func time(_ k: Int, rng: inout PromQLRandom) -> Int64 {
        start + Int64(k) * interval + Int64(rng.next() % 20)
    }

    static func counter(samples: Int, rate: Double, rng: inout PromQLRandom) -> [EncodedChunk] {
        var value = 0.0
        return encode(samples: samples, rng: &rng) { rng in
            value += (rate * 60 * (0.5 + rng.unit())).rounded()
            return value
        }
    }

    static func gauge(samples: Int, level: Double, noise: Double, rng: inout PromQLRandom) -> [EncodedChunk] {
        encode(samples: samples, rng: &rng) { rng in
            noise == 0 ? level : (level * (1 + noise * (rng.unit() - 0.5))).rounded()
        }
    }

    /// Cuts the samples into chunks of 120, as the head does.
    static func encode(samples: Int, rng: inout PromQLRandom, value: (inout PromQLRandom) -> Double) -> [EncodedChunk] {
        var chunks: [EncodedChunk] = []
        var chunk = XORChunk()
        for k in 0..<samples {
            if chunk.count >= XORChunk.maxSamples {
                chunk.compact()
                chunks.append(chunk.encoded())
                chunk = XORChunk()
            }
            let t = time(k, rng: &rng)
            chunk.append(timestamp: t, value: value(&rng))
        }
        chunk.compact()
        chunks.append(chunk.encoded())
        return chunks
    }
}

/// A `Queryable` over the fleet: series are grouped by metric name (the postings lookup every
/// store does first), the other matchers are applied to that group, and chunks are clipped to
/// the requested range. Cheap next to evaluation, so the benchmarks measure the engine.
final class FleetQueryable: Queryable {
    let byName: [String: [QuerySeries]]

    init(_ series: [QuerySeries]) {
        var byName: [String: [QuerySeries]] = [:]
        for s in series { byName[s.labels.metricName ?? "", default: []].append(s) }
        self.byName = byName
    }

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        guard let nameMatcher = request.matchers.first(where: { $0.name == metricNameLabel && $0.type == .equal }),
              let candidates = byName[nameMatcher.value] else { return [] }
        var out: [QuerySeries] = []
        out.reserveCapacity(candidates.count)
        for s in candidates where request.matchers.allSatisfy({ $0.matches(s.labels[$0.name] ?? "") }) {
            let chunks = s.chunks.filter { $0.maxTime >= request.minTime && $0.minTime <= request.maxTime }
            if !chunks.isEmpty { out.append(QuerySeries(labels: s.labels, chunks: chunks)) }
        }
        return out
    }

    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }

    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }
}

/// One benchmarked query.
struct PromQLBenchQuery: Sendable {
    let name: String
    let expr: String
}

enum PromQLQueries {
    /// The dashboard query shapes, each run as a 24 h range query at a 60 s step and as an
    /// instant query at the end of the data.
    static let all: [PromQLBenchQuery] = [
        .init(name: "sum-by-job-rate", expr: "sum by (job) (rate(http_requests_total[5m]))"),
        .init(name: "histogram-quantile", expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"),
        .init(name: "topk-rate", expr: "topk(10, rate(http_requests_total[5m]))"),
        .init(name: "regex-selector", expr: "http_requests_total{path=~\"/api/.*\"}"),
        .init(name: "sum-rate-regex", expr: "sum by (code) (rate(http_requests_total{path=~\"/api/.*\"}[5m]))"),
        .init(name: "count-by", expr: "count by (code) (http_requests_total)"),
        .init(name: "avg-over-time-1h", expr: "avg_over_time(node_memory_used_bytes[1h])"),
        .init(name: "binary-on", expr: "node_memory_used_bytes / on(instance) node_memory_total_bytes"),
        .init(name: "selector", expr: "node_memory_used_bytes"),
    ]

    static func run(_ q: PromQLBenchQuery, range: Bool, engine: Engine, storage: FleetQueryable) async throws -> QueryResult {
        if range {
            return try await engine.rangeQuery(q.expr, start: PromQLFixture.start, end: PromQLFixture.end,
                                               step: PromQLFixture.interval, tenant: PromQLFixture.tenant, storage: storage)
        }
        return try await engine.instantQuery(q.expr, at: PromQLFixture.end, tenant: PromQLFixture.tenant, storage: storage)
    }
}
