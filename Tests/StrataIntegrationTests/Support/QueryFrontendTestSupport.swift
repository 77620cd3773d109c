import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel

/// One answer of the Prometheus HTTP API: status, body text and the parsed JSON (nil when the
/// body is not a JSON object).
struct QFAnswer: @unchecked Sendable, CustomStringConvertible {
    // @unchecked: `json` is a tree of Foundation property-list values, read only.
    let status: Int
    let body: String
    let json: [String: Any]?

    /// `data.result`, when the answer is a success.
    var result: Any? { (json?["data"] as? [String: Any])?["result"] }

    /// `data` (an array for series and label endpoints).
    var data: Any? { json?["data"] }

    /// `data.stats.strata`, when the query asked for `stats=all`.
    var strataStats: [String: Any]? {
        ((json?["data"] as? [String: Any])?["stats"] as? [String: Any])?["strata"] as? [String: Any]
    }

    /// One number of `data.stats.strata`, or nil.
    func stat(_ name: String) -> Double? { (strataStats?[name] as? NSNumber)?.doubleValue }

    var description: String { "HTTP \(status): \(body.prefix(1500))" }
}

/// Queries the Prometheus HTTP API under `/prometheus/api/v1/` as a Grafana data source would:
/// GET with the parameters in the URL, the tenant in `X-Scope-OrgID`, plain (not gzip) bodies.
func qfGet(_ baseURL: String, _ path: String, _ params: [(String, String)], tenant: String?,
           timeout: Duration = .seconds(120)) async throws -> QFAnswer {
    var components = URLComponents(string: baseURL + "/prometheus/api/v1/" + path)!
    components.queryItems = params.map { URLQueryItem(name: $0.0, value: $0.1) }
    // URLComponents leaves `+` alone, which a form decoder reads as a space.
    components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
    var request = HTTPClientRequest(url: components.url!.absoluteString)
    if let tenant { request.headers.add(name: "X-Scope-OrgID", value: tenant) }
    let response: HTTPClientResponse
    let buffer: ByteBuffer
    do {
        response = try await HTTPClient.plainQueries.execute(request, timeout: .seconds(timeout.components.seconds))
        buffer = try await response.body.collect(upTo: 1 << 28)
    } catch {
        throw HarnessError("GET \(components.url!.absoluteString) (tenant \(tenant ?? "-")): \(error)")
    }
    let bytes = Data(buffer.readableBytesView)
    let json = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any]
    return QFAnswer(status: Int(response.status.code), body: String(decoding: bytes, as: UTF8.self), json: json)
}

/// `/query_range` parameters, times in seconds as Grafana sends them.
func qfRangeParams(_ query: String, start: Int64, end: Int64, stepSeconds: Int64, stats: Bool = false) -> [(String, String)] {
    var p: [(String, String)] = [("query", query), ("start", String(start / 1000)), ("end", String(end / 1000)),
                                 ("step", String(stepSeconds))]
    if stats { p.append(("stats", "all")) }
    return p
}

/// A series of a matrix or vector result: its labels as `{a="b",...}` sorted text and its
/// points as (seconds, value text).
struct QFSeries: Equatable, Sendable, CustomStringConvertible {
    var metric: String
    var points: [QFPoint]

    var description: String { "\(metric) \(points.count) points, first \(points.first.map { "\($0)" } ?? "-")" }
}

/// One point of a result: the timestamp as the API wrote it and the value string.
struct QFPoint: Equatable, Sendable, CustomStringConvertible {
    var time: Double
    var value: String
    var description: String { "\(value)@\(time)" }
}

/// The series of a `matrix` or `vector` `data.result`, sorted by labels; nil when it is neither.
func qfSeries(_ answer: QFAnswer) -> [QFSeries]? {
    guard let data = answer.json?["data"] as? [String: Any], let type = data["resultType"] as? String,
          let result = data["result"] as? [[String: Any]] else { return nil }
    var out: [QFSeries] = []
    for item in result {
        let metric = (item["metric"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
            .map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
        var points: [QFPoint] = []
        let raw: [[Any]]
        if type == "matrix" {
            raw = item["values"] as? [[Any]] ?? []
        } else if type == "vector", let v = item["value"] as? [Any] {
            raw = [v]
        } else {
            return nil
        }
        for p in raw where p.count == 2 {
            points.append(QFPoint(time: (p[0] as? NSNumber)?.doubleValue ?? .nan, value: p[1] as? String ?? "?"))
        }
        out.append(QFSeries(metric: "{\(metric)}", points: points))
    }
    return out.sorted { $0.metric < $1.metric }
}

/// The strings of a `/labels` or `/label/<name>/values` answer, or the label sets of a `/series`
/// answer as sorted text, sorted.
func qfStrings(_ answer: QFAnswer) -> [String]? {
    guard answer.json?["status"] as? String == "success" else { return nil }
    if let strings = answer.data as? [String] { return strings.sorted() }
    if let sets = answer.data as? [[String: String]] {
        return sets.map { set in
            "{" + set.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
        }.sorted()
    }
    return nil
}

/// Pushes `series` (every series' samples in time order) through remote write in time order:
/// each request carries every series' samples of one window of `samplesPerSeriesPerRequest`
/// points, so no series ever receives an older sample after a newer one.
func qfPushInTimeOrder(url: String, tenant: String, series: [(labels: Labels, samples: [Sample])],
                       samplesPerSeriesPerRequest: Int) async throws {
    let longest = series.map(\.samples.count).max() ?? 0
    var offset = 0
    while offset < longest {
        let batch = series.compactMap { s -> (labels: Labels, samples: [Sample])? in
            guard offset < s.samples.count else { return nil }
            return (s.labels, Array(s.samples[offset..<min(s.samples.count, offset + samplesPerSeriesPerRequest)]))
        }
        var attempt = 0
        while true {
            attempt += 1
            let (status, body) = try await pushRemoteWrite(client: .shared, url: url, tenant: tenant, series: batch, timeout: .seconds(60))
            if status == 200 || status == 204 { break }
            // A 5xx is a transient fault a real client retries; anything else is a refusal.
            guard status >= 500, attempt < 5 else {
                throw HarnessError("remote write of tenant \(tenant) at offset \(offset) answered \(status): \(body)")
            }
            try await Task.sleep(for: .seconds(1))
        }
        offset += samplesPerSeriesPerRequest
    }
}

/// Now, in milliseconds since the epoch.
func qfNowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
