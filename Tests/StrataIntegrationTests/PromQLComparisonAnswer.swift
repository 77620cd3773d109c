import AsyncHTTPClient
import Foundation
import NIOCore

/// A query API answer reduced to what the comparison checks: result type, series (label sets),
/// timestamps and values, or the fact that the server refused the query.
enum ComparisonAnswer: Sendable, CustomStringConvertible {
    /// One point: timestamp in ms and value.
    struct Point: Sendable {
        /// Milliseconds since the epoch.
        var t: Int64
        /// The float value (NaN and infinities included); 0 for a histogram point.
        var v: Double
        /// The native histogram, for a histogram point.
        var h: HistogramJSON? = nil
    }

    /// A native histogram as the API prints it: count, sum and the non-empty buckets, each as
    /// `[boundary rule, lower, upper, count]` (rule 0: open left, closed right; 1: closed left,
    /// open right; 2: open both; 3: closed both).
    struct HistogramJSON: Sendable {
        var count: Double
        var sum: Double
        var buckets: [(rule: Int, lower: Double, upper: Double, count: Double)]
    }

    /// One series: its canonical label text and points.
    struct Series: Sendable {
        /// `{a="1", b="2"}`, names sorted: equal label sets give equal text.
        var metric: String
        /// In time order, as the API lists them.
        var points: [Point]
        /// The label set itself.
        var labels: [String: String] = [:]
    }

    /// The server refused the query (any HTTP status), or its answer could not be read.
    case error(type: String, message: String)
    /// A scalar result.
    case scalar(Point)
    /// A string result.
    case string(t: Int64, value: String)
    /// Instant vector: each element has exactly one point, in the server's order.
    case vector([Series])
    /// Range vector (instant query of a range selector) or range-query result.
    case matrix([Series])

    /// The API's `resultType` (or "error").
    var kind: String {
        switch self {
        case .error: return "error"
        case .scalar: return "scalar"
        case .string: return "string"
        case .vector: return "vector"
        case .matrix: return "matrix"
        }
    }

    var description: String {
        switch self {
        case .error(let type, let message): return "error \(type): \(message)"
        case .scalar(let p): return "scalar \(Self.render(p))"
        case .string(let t, let value): return "string \(t) \"\(value)\""
        case .vector(let series):
            return "vector(\(series.count)) [" + series.prefix(8).map { "\($0.metric) \($0.points.first.map(Self.render) ?? "-")" }
                .joined(separator: ", ") + (series.count > 8 ? ", …" : "") + "]"
        case .matrix(let series):
            return "matrix(\(series.count)) [" + series.prefix(4).map { s in
                "\(s.metric) \(s.points.count) points: " + s.points.prefix(4).map(Self.render).joined(separator: " ")
                    + (s.points.count > 4 ? " …" : "")
            }.joined(separator: ", ") + (series.count > 4 ? ", …" : "") + "]"
        }
    }

    /// `seconds=value`, for failure messages.
    private static func render(_ p: Point) -> String {
        guard let h = p.h else { return "\(Double(p.t) / 1000)=\(p.v)" }
        return "\(Double(p.t) / 1000)={count:\(h.count) sum:\(h.sum) " + h.buckets.map { "\($0.rule)(\($0.lower),\($0.upper)]:\($0.count)" }.joined(separator: " ") + "}"
    }

    /// Parses an API response body (`{"status":…, "data":{"resultType":…, "result":…}}`).
    static func parse(status: Int, body: Data) -> ComparisonAnswer {
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return .error(type: "unparsable", message: "HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        if (json["status"] as? String) != "success" {
            return .error(type: json["errorType"] as? String ?? "?", message: "HTTP \(status): \(json["error"] as? String ?? "")")
        }
        guard let data = json["data"] as? [String: Any], let type = data["resultType"] as? String else {
            return .error(type: "unparsable", message: "no data.resultType in \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        switch type {
        case "scalar":
            guard let pair = data["result"] as? [Any], let p = point(pair) else { break }
            return .scalar(p)
        case "string":
            guard let pair = data["result"] as? [Any], pair.count == 2, let value = pair[1] as? String else { break }
            return .string(t: millis(pair[0]) ?? -1, value: value)
        case "vector":
            guard let result = data["result"] as? [[String: Any]] else { break }
            var out: [Series] = []
            for element in result {
                guard let p = (element["value"] as? [Any]).flatMap(point) ?? (element["histogram"] as? [Any]).flatMap(histogramPoint) else {
                    return .error(type: "unparsable", message: "vector element without a value or histogram: \(element)")
                }
                out.append(Series(metric: canonical(element["metric"]), points: [p], labels: element["metric"] as? [String: String] ?? [:]))
            }
            return .vector(out)
        case "matrix":
            guard let result = data["result"] as? [[String: Any]] else { break }
            var out: [Series] = []
            for element in result {
                let values = (element["values"] as? [[Any]] ?? []).compactMap(point)
                let histograms = (element["histograms"] as? [[Any]] ?? []).compactMap(histogramPoint)
                out.append(Series(metric: canonical(element["metric"]), points: (values + histograms).sorted { $0.t < $1.t },
                                  labels: element["metric"] as? [String: String] ?? [:]))
            }
            return .matrix(out)
        default:
            break
        }
        return .error(type: "unparsable", message: "unexpected result of type \(type): \(String(decoding: body.prefix(300), as: UTF8.self))")
    }

    /// `{a="1", b="2"}` with names sorted, the form both answers are matched on.
    private static func canonical(_ metric: Any?) -> String {
        let labels = metric as? [String: String] ?? [:]
        return "{" + labels.keys.sorted().map { "\($0)=\"\(labels[$0] ?? "")\"" }.joined(separator: ", ") + "}"
    }

    /// A JSON timestamp in (fractional) seconds as milliseconds.
    private static func millis(_ any: Any) -> Int64? {
        if let d = any as? Double { return Int64((d * 1000).rounded()) }
        if let n = any as? NSNumber { return Int64((n.doubleValue * 1000).rounded()) }
        return nil
    }

    /// `[1700000000.5, "1.25"]` → a point; Prometheus writes NaN and infinities as "NaN", "+Inf", "-Inf".
    private static func point(_ pair: [Any]) -> Point? {
        guard pair.count == 2, let t = millis(pair[0]), let text = pair[1] as? String, let v = number(text) else { return nil }
        return Point(t: t, v: v)
    }

    /// `[1700000000.5, {"count":"3","sum":"1.5","buckets":[[0,"0.5","1","2"],…]}]` → a histogram point.
    private static func histogramPoint(_ pair: [Any]) -> Point? {
        guard pair.count == 2, let t = millis(pair[0]), let object = pair[1] as? [String: Any],
              let count = (object["count"] as? String).flatMap(number), let sum = (object["sum"] as? String).flatMap(number) else { return nil }
        var buckets: [(rule: Int, lower: Double, upper: Double, count: Double)] = []
        for bucket in object["buckets"] as? [[Any]] ?? [] {
            guard bucket.count == 4, let rule = (bucket[0] as? NSNumber)?.intValue,
                  let lower = (bucket[1] as? String).flatMap(number), let upper = (bucket[2] as? String).flatMap(number),
                  let n = (bucket[3] as? String).flatMap(number) else { return nil }
            buckets.append((rule, lower, upper, n))
        }
        return Point(t: t, v: 0, h: HistogramJSON(count: count, sum: sum, buckets: buckets))
    }

    /// A JSON number string, with Prometheus's spellings of NaN and the infinities.
    private static func number(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }
}

/// Compares two answers; nil when they agree, otherwise what differs.
///
/// Floats agree when equal, both NaN, or within 1e-9 relative (with a 1e-12 absolute floor for
/// results that are zero up to rounding, e.g. a `deriv` of a constant computed in another order).
/// Instant vectors and matrices are matched by label set; the order of a vector is compared only
/// when `ordered` (the query sorts).
func compareAnswers(_ a: ComparisonAnswer, _ b: ComparisonAnswer, ordered: Bool) -> String? {
    func close(_ x: Double, _ y: Double) -> Bool {
        if x == y || (x.isNaN && y.isNaN) { return true }
        guard x.isFinite, y.isFinite else { return false }
        let diff = abs(x - y)
        return diff <= 1e-9 * max(abs(x), abs(y)) || diff <= 1e-12
    }
    func comparePoints(_ metric: String, _ p: [ComparisonAnswer.Point], _ q: [ComparisonAnswer.Point]) -> String? {
        guard p.count == q.count else { return "series \(metric): \(p.count) points vs \(q.count)" }
        for (x, y) in zip(p, q) {
            if x.t != y.t { return "series \(metric): timestamp \(x.t) vs \(y.t)" }
            if !close(x.v, y.v) { return "series \(metric) at \(Double(x.t) / 1000): \(x.v) vs \(y.v)" }
            switch (x.h, y.h) {
            case (nil, nil):
                break
            case (let g?, let h?):
                let at = "series \(metric) at \(Double(x.t) / 1000)"
                if !close(g.count, h.count) || !close(g.sum, h.sum) { return "\(at): histogram count/sum \(g.count)/\(g.sum) vs \(h.count)/\(h.sum)" }
                if g.buckets.count != h.buckets.count { return "\(at): \(g.buckets.count) buckets vs \(h.buckets.count)" }
                for (a, b) in zip(g.buckets, h.buckets)
                where a.rule != b.rule || !close(a.lower, b.lower) || !close(a.upper, b.upper) || !close(a.count, b.count) {
                    return "\(at): bucket \(a) vs \(b)"
                }
            default:
                return "series \(metric) at \(Double(x.t) / 1000): a float and a histogram"
            }
        }
        return nil
    }
    func compareSeries(_ s: [ComparisonAnswer.Series], _ r: [ComparisonAnswer.Series]) -> String? {
        let left = Dictionary(s.map { ($0.metric, $0.points) }, uniquingKeysWith: { a, _ in a })
        let right = Dictionary(r.map { ($0.metric, $0.points) }, uniquingKeysWith: { a, _ in a })
        if left.count != s.count || right.count != r.count { return "duplicate label sets in a result" }
        let onlyLeft = left.keys.filter { right[$0] == nil }.sorted()
        let onlyRight = right.keys.filter { left[$0] == nil }.sorted()
        if !onlyLeft.isEmpty || !onlyRight.isEmpty {
            return "series only in the first: \(onlyLeft.prefix(3)) (\(onlyLeft.count)); only in the second: \(onlyRight.prefix(3)) (\(onlyRight.count))"
        }
        for key in left.keys.sorted() {
            if let d = comparePoints(key, left[key] ?? [], right[key] ?? []) { return d }
        }
        return nil
    }
    switch (a, b) {
    case (.error, .error):
        return nil
    case (.scalar(let p), .scalar(let q)):
        return comparePoints("scalar", [p], [q])
    case (.string(let t, let x), .string(let u, let y)):
        return t == u && x == y ? nil : "string \(t) \(x) vs \(u) \(y)"
    case (.vector(let s), .vector(let r)):
        if let d = compareSeries(s, r) { return d }
        if ordered && s.map(\.metric) != r.map(\.metric) { return "same series in a different order" }
        return nil
    case (.matrix(let s), .matrix(let r)):
        return compareSeries(s, r)
    default:
        return "result type \(a.kind) vs \(b.kind)"
    }
}

/// Sends PromQL queries to one server's HTTP API.
struct ComparisonEndpoint: Sendable {
    /// Shown in reports.
    var name: String
    /// The API prefix, e.g. `http://127.0.0.1:9090/api/v1` or `…/prometheus/api/v1`.
    var apiBase: String
    /// Extra headers (a tenant).
    var headers: [(String, String)] = []

    /// Runs an instant query at `time` (seconds).
    func instant(client: HTTPClient, _ expr: String, time: Int64) async throws -> ComparisonAnswer {
        try await get(client: client, path: "/query", params: [("query", expr), ("time", String(time))])
    }

    /// Runs a range query.
    func range(client: HTTPClient, _ expr: String, start: Int64, end: Int64, step: Int64) async throws -> ComparisonAnswer {
        try await get(client: client, path: "/query_range",
                      params: [("query", expr), ("start", String(start)), ("end", String(end)), ("step", String(step))])
    }

    /// GETs `apiBase + path` with `params` form-encoded in the URL.
    private func get(client: HTTPClient, path: String, params: [(String, String)]) async throws -> ComparisonAnswer {
        let (status, body) = try await fetch(client: client, path: path, params: params)
        return ComparisonAnswer.parse(status: status, body: body)
    }

    /// GETs `apiBase + path` with `params` form-encoded in the URL, or POSTs them as a form body
    /// when `post`; the status and the body.
    func fetch(client: HTTPClient, path: String, params: [(String, String)], post: Bool = false) async throws -> (status: Int, body: Data) {
        let query = params.map { "\($0.0)=\(formEscape($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: apiBase + path + (post ? "" : "?" + query))
        if post {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: query))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Data(body.readableBytesView))
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (so `+` is not read as a space).
    private func formEscape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
