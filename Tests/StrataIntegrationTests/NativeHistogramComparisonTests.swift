import AsyncHTTPClient
import Foundation
import NIOCore
import StrataTestSupport
import StrataWire
import Testing

/// Native histograms sent as a Prometheus 3.x would send them — remote write 2.0, written byte by
/// byte from the specification (`HistogramWireTestEncoder`, not Strata's code) — are stored and
/// queried by Strata with the same answers a real Prometheus gives on the same data.
///
/// The reference is Debian's Prometheus 2.42 with `--enable-feature=native-histograms`, which
/// receives remote write 1.0 only, so it gets the same histograms as 1.0 `WriteRequest`s. The
/// data and query times follow `PromQLComparisonTests`' rules (no sample on a window boundary).
/// 2.42 is an early implementation of native histograms; the queries are those it answers
/// correctly. Left out, because 2.42 answers them wrongly (a float 0 or the histogram
/// unchanged) where Prometheus 3.x and Strata compute them: multiplication and division of a
/// histogram by a scalar (2.42 returns it unscaled), `avg`, `max`, `min`, `topk` over
/// histograms, `sum_over_time`, `avg_over_time`, `last_over_time`, `min_over_time`, histogram
/// subtraction, unary minus, `label_replace` on histograms, `resets`/`changes` of histograms,
/// `irate`/`idelta` of histograms; `histogram_avg`, `histogram_stddev` and `histogram_stdvar`
/// do not exist in 2.42. Those are covered by the upstream corpus (docs/promql-conformance.md).
/// `histogram_quantile` is compared by bucket (see `Check.sameBucket`).
@Suite(.serialized)
struct NativeHistogramComparisonTests {
    /// How an answer is compared with Prometheus 2.42's.
    enum Check {
        /// Same series, timestamps and values (floats within 1e-9 relative, histograms bucket by bucket).
        case exact
        /// `histogram_quantile` of exponential buckets: 2.42 interpolates linearly within the
        /// bucket the quantile falls in, Prometheus 3.x (and Strata) exponentially, so the values
        /// differ inside the bucket. Both must name the same schema-0 bucket (same sign, same
        /// `ceil(log2 |v|)`; a finer bucket lies inside one of these). The exact values are
        /// checked against 3.x's own answers by the upstream corpus.
        case sameBucket
    }

    /// The queries: expression, also as range queries, how to compare.
    static let queries: [(expr: String, range: Bool, check: Check)] = [
        ("rpc_duration_seconds", true, .exact),
        ("queue_depth", true, .exact),
        ("rpc_duration_seconds offset 10m", false, .exact),
        ("histogram_count(rpc_duration_seconds)", true, .exact),
        ("histogram_sum(rpc_duration_seconds)", true, .exact),
        ("histogram_count(queue_depth) > 20", true, .exact),
        ("rate(rpc_duration_seconds[5m])", true, .exact),
        ("increase(rpc_duration_seconds[10m])", true, .exact),
        ("histogram_count(rate(rpc_duration_seconds[5m]))", true, .exact),
        ("histogram_sum(rate(rpc_duration_seconds[5m]))", true, .exact),
        ("sum(rate(rpc_duration_seconds[5m]))", true, .exact),
        ("sum by (job) (rate(rpc_duration_seconds[5m]))", true, .exact),
        ("sum by (job) (queue_depth)", true, .exact),
        ("histogram_quantile(0.9, rate(rpc_duration_seconds[5m]))", true, .sameBucket),
        ("histogram_quantile(0.5, sum by (job) (rate(rpc_duration_seconds[5m])))", true, .sameBucket),
        ("histogram_quantile(0.99, queue_depth)", true, .sameBucket),
        ("histogram_quantile(0.1, rate(rpc_duration_seconds{instance=\"c\"}[5m]))", true, .sameBucket),
        ("histogram_fraction(0, 1, rate(rpc_duration_seconds[5m]))", true, .exact),
        ("histogram_fraction(-1, 2, queue_depth)", true, .exact),
        ("queue_depth + queue_depth", true, .exact),
        ("delta(queue_depth[5m])", true, .exact),
        ("count(rpc_duration_seconds)", true, .exact),
        ("count_over_time(rpc_duration_seconds[5m])", true, .exact),
        ("present_over_time(queue_depth[5m])", false, .exact),
        ("timestamp(queue_depth)", true, .exact),
        ("group by (job) (rpc_duration_seconds)", false, .exact),
    ]

    /// The answer with every float value replaced by its schema-0 bucket: sign × `ceil(log2 |v|)`.
    static func bucketed(_ answer: ComparisonAnswer) -> ComparisonAnswer {
        func key(_ v: Double) -> Double {
            guard v.isFinite, v != 0 else { return v }
            return (v < 0 ? -1 : 1) * (Foundation.log2(abs(v))).rounded(.up)
        }
        func series(_ list: [ComparisonAnswer.Series]) -> [ComparisonAnswer.Series] {
            list.map { s in
                var copy = s
                copy.points = s.points.map { ComparisonAnswer.Point(t: $0.t, v: key($0.v), h: $0.h) }
                return copy
            }
        }
        switch answer {
        case .vector(let s): return .vector(series(s))
        case .matrix(let s): return .matrix(series(s))
        default: return answer
        }
    }

    @Test("remote write 2.0 native histograms: Strata answers histogram queries as a real Prometheus does")
    func histogramQueriesMatchPrometheus() async throws {
        let dir = try makeTempDirectory("strata-nh-cmp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared

        let promDir = dir.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: promDir, withIntermediateDirectories: true)
        let prometheus = try PrometheusProcess(directory: promDir, extraArguments: [
            "--web.enable-remote-write-receiver", "--enable-feature=native-histograms",
        ]) { _ in "global:\n  evaluation_interval: 1m\n" }
        defer { prometheus.terminate() }
        let strata = try StrataProcess(dataDirectory: dir, extraArguments: ["-auth.multitenancy-enabled=false"])
        defer { _ = strata.terminate() }
        try await strata.waitUntilReady(client: client)
        try await prometheus.waitUntilReady(client: client)

        let now = Int64(Date().timeIntervalSince1970)
        let base = (now - 3 * 3600) / 3600 * 3600
        let data = NativeHistogramComparisonData(baseSeconds: base)
        let sliceMs: Int64 = 600_000
        var from = data.timestampMs(0)
        var histogramsWritten = 0
        while from <= data.timestampMs(NativeHistogramComparisonData.scrapes - 1) {
            let slice = data.slice(fromMs: from, toMs: from + sliceMs)
            let v1 = try await Self.push(client, prometheus.baseURL + "/api/v1/write", HistogramWireTestEncoder.encodeV1(slice), v2: false)
            try #require((200..<300).contains(v1.status), "Prometheus refused the slice at \(from): \(v1.status) \(v1.body)")
            let v2 = try await Self.push(client, strata.baseURL + "/api/v1/push", HistogramWireTestEncoder.encodeV2(slice), v2: true)
            try #require(v2.status == 204 || v2.status == 200, "Strata refused the slice at \(from): \(v2.status) \(v2.body)")
            histogramsWritten += Int(v2.histogramsWritten ?? "") ?? -1_000_000
            from += sliceMs
        }
        #expect(histogramsWritten == data.sampleCount, "X-Prometheus-Remote-Write-Histograms-Written summed to \(histogramsWritten), sent \(data.sampleCount)")

        let reference = ComparisonEndpoint(name: "prometheus", apiBase: prometheus.baseURL + "/api/v1")
        let underTest = ComparisonEndpoint(name: "strata", apiBase: strata.baseURL + "/prometheus/api/v1")
        let instantTimes: [Int64] = [base + 630, base + 3630, base + 3690, base + 5430, base + 7170, base + 7350]
        let ranges: [(start: Int64, end: Int64, step: Int64)] = [(base + 630, base + 7350, 120), (base - 570, base + 7530, 300)]
        // Without decompression limits: Prometheus gzips its answers (see `HTTPClient.plainQueries`).
        let queryClient = HTTPClient.plainQueries
        var differences: [String] = []
        var run = 0, withData = 0
        for (i, query) in Self.queries.enumerated() {
            var asks: [(String, (ComparisonEndpoint) async throws -> ComparisonAnswer)] = [
                ("instant @\(instantTimes[i % instantTimes.count] - base)s", { try await $0.instant(client: queryClient, query.expr, time: instantTimes[i % instantTimes.count]) }),
                ("instant @\(instantTimes[(i + 3) % instantTimes.count] - base)s", { try await $0.instant(client: queryClient, query.expr, time: instantTimes[(i + 3) % instantTimes.count]) }),
            ]
            if query.range {
                for r in ranges {
                    asks.append(("range \(r.start - base)..\(r.end - base) step \(r.step)", { try await $0.range(client: queryClient, query.expr, start: r.start, end: r.end, step: r.step) }))
                }
            }
            for (label, ask) in asks {
                let expected = try await ask(reference)
                let actual = try await ask(underTest)
                run += 1
                switch expected {
                case .vector(let s) where !s.isEmpty, .matrix(let s) where !s.isEmpty: withData += 1
                default: break
                }
                let difference = query.check == .exact
                    ? compareAnswers(expected, actual, ordered: false)
                    : compareAnswers(Self.bucketed(expected), Self.bucketed(actual), ordered: false).map { "\($0) (schema-0 bucket indexes)" }
                if let d = difference {
                    differences.append("[\(label)] \(query.expr)\n  difference: \(d)\n  prometheus: \(expected)\n  strata: \(actual)")
                }
            }
        }
        print("native histogram comparison: \(Self.queries.count) expressions, \(run) queries, \(differences.count) differing, Prometheus answered \(withData) with data")
        for d in differences { print(d) }
        #expect(withData >= run * 3 / 4, "Prometheus answered only \(withData) of \(run) queries with data: was the data loaded?")
        #expect(differences.isEmpty, "\(differences.count) of \(run) queries differ:\n\(differences.prefix(15).joined(separator: "\n"))")
    }

    /// POSTs a snappy-compressed remote write body: 1.0 or 2.0 by the spec's headers.
    static func push(_ client: HTTPClient, _ url: String, _ body: [UInt8], v2: Bool) async throws
        -> (status: Int, body: String, histogramsWritten: String?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Encoding", value: "snappy")
        if v2 {
            request.headers.add(name: "Content-Type", value: "application/x-protobuf;proto=io.prometheus.write.v2.Request")
            request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "2.0.0")
        } else {
            request.headers.add(name: "Content-Type", value: "application/x-protobuf")
            request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        }
        request.body = .bytes(ByteBuffer(bytes: Snappy.compress(body)))
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 64 << 20)
        let text = String(decoding: body.readableBytesView.prefix(2000), as: UTF8.self)
        return (Int(response.status.code), text, response.headers.first(name: "X-Prometheus-Remote-Write-Histograms-Written"))
    }
}
