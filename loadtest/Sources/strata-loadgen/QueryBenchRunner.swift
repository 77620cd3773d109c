import AsyncHTTPClient
import Foundation
import NIOCore

/// The dashboard queries of `query-bench` and their timing against both servers.

/// One benchmark query.
struct BenchQuery: Sendable {
    /// Short name for the table.
    var name: String
    /// The PromQL text.
    var expr: String
    /// Range query over the whole data set instead of an instant query at its end.
    var range: Bool = false
}

/// Typical Grafana panels over the simulated fleet (metric names from `metricCatalog`).
let benchQueries: [BenchQuery] = [
    BenchQuery(name: "sum-rate-by-job", expr: "sum by (job) (rate(http_requests_total[5m]))"),
    BenchQuery(name: "p99-latency", expr: "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"),
    BenchQuery(name: "topk-cpu-by-pod", expr: "topk(10, sum by (pod) (rate(container_cpu_usage_seconds_total[5m])))"),
    BenchQuery(name: "regex-handler", expr: "sum by (code) (rate(http_requests_total{handler=~\"/api/.*\"}[5m]))"),
    BenchQuery(name: "count-by-namespace", expr: "count by (namespace) (up)"),
    BenchQuery(name: "avg-over-time-1h", expr: "avg by (namespace) (avg_over_time(container_memory_working_set_bytes[1h]))"),
    BenchQuery(name: "memory-vs-limit", expr: "sum by (namespace) (container_memory_working_set_bytes) / sum by (namespace) (container_spec_memory_limit_bytes)"),
    BenchQuery(name: "error-ratio", expr: "sum(rate(http_requests_total{code=\"500\"}[5m])) / sum(rate(http_requests_total[5m]))"),
    BenchQuery(name: "node-load-max", expr: "max by (node) (node_load1)"),
    BenchQuery(name: "range-cpu-by-namespace", expr: "sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))", range: true),
    BenchQuery(name: "range-p99-by-namespace", expr: "histogram_quantile(0.99, sum by (namespace, le) (rate(http_request_duration_seconds_bucket[5m])))", range: true),
]

/// Times queries against one server's query API.
struct QueryTarget: Sendable {
    /// "strata" or "prometheus".
    var name: String
    /// API prefix: `…/api/v1` or `…/prometheus/api/v1`.
    var apiBase: String
    /// Sent with every query (Strata's tenant).
    var headers: [ExtraHeader]

    /// What one run returned.
    struct Run: Sendable {
        /// Latency in milliseconds.
        var millis: Double
        /// HTTP status, 0 when no answer arrived.
        var status: Int
        /// Number of series (or 1 for a scalar), from the JSON answer.
        var series: Int
        /// What went wrong, when the query failed.
        var error: String?
        /// Every series' label text and values, to check that both servers answered the same.
        var answer: [String: [Double]] = [:]
    }

    /// Runs `query` once; latency covers sending the request and reading the whole answer.
    func run(client: HTTPClient, _ query: BenchQuery, endSeconds: Int64, startSeconds: Int64, stepSeconds: Int64,
             keepAnswer: Bool = false) async -> Run {
        var params = [("query", query.expr)]
        if query.range {
            params += [("start", String(startSeconds)), ("end", String(endSeconds)), ("step", String(stepSeconds))]
        } else {
            params.append(("time", String(endSeconds)))
        }
        let path = query.range ? "/query_range" : "/query"
        var request = HTTPClientRequest(url: apiBase + path + "?" + params.map { "\($0.0)=\(percentEncode($0.1))" }.joined(separator: "&"))
        for h in headers { request.headers.add(name: h.name, value: h.value) }
        let start = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: .seconds(300))
            let body = try await response.body.collect(upTo: 1 << 30)
            let millis = (ContinuousClock.now - start).seconds * 1000
            let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            let data = json?["data"] as? [String: Any]
            let series = (data?["result"] as? [Any])?.count ?? 0
            let ok = response.status == .ok && (json?["status"] as? String) == "success"
            var run = Run(millis: millis, status: Int(response.status.code), series: data?["resultType"] as? String == "scalar" ? 1 : series,
                          error: ok ? nil : String(String(buffer: body).prefix(300)))
            if keepAnswer, let result = data?["result"] as? [[String: Any]] {
                for element in result {
                    let metric = (element["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
                        .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                    let pairs = (element["values"] as? [[Any]]) ?? ((element["value"] as? [Any]).map { [$0] } ?? [])
                    run.answer[metric] = pairs.map { ($0.last as? String).flatMap(Double.init) ?? .nan }
                }
            }
            return run
        } catch {
            return Run(millis: (ContinuousClock.now - start).seconds * 1000, status: 0, series: 0, error: "\(error)")
        }
    }

    /// Percent-encodes all but unreserved characters (a `+` must not reach Go as a space).
    private func percentEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// Median of a non-empty list (mean of the two middle values for an even count).
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// Whether two answers hold the same series with the same values (1e-6 relative: the servers
/// may sum in a different order), NaN equal to NaN.
func sameAnswer(_ a: [String: [Double]], _ b: [String: [Double]]) -> Bool {
    guard a.count == b.count else { return false }
    for (key, x) in a {
        guard let y = b[key], x.count == y.count else { return false }
        for (u, v) in zip(x, y) where !(u == v || (u.isNaN && v.isNaN) || abs(u - v) <= 1e-6 * max(abs(u), abs(v))) {
            return false
        }
    }
    return true
}
