import AsyncHTTPClient
import Foundation
import StrataModel
import Testing

/// Strata's PromQL answers equal a real Prometheus's: one generated data set
/// (`ComparisonDataSet`) is remote-written into both, then every expression of
/// `ComparisonQueries` runs as an instant query and as two range queries (2 m and 5 m steps)
/// against both HTTP APIs, and the answers must agree (same result type, label sets, timestamps; floats within 1e-9 relative,
/// NaN equal to NaN; a refused query must be refused by both).
///
/// The reference is Debian's Prometheus 2.42, while Strata follows Prometheus 3.x. Known
/// differences between the two, and how the test keeps clear of each:
///
/// 1. Range-selector and lookback windows are left-open `(t-r, t]` in 3.x and closed `[t-r, t]` in
///    2.42. Samples sit at `7 s + 15 s·k` past a whole hour, query times at `30 s (mod 60 s)`, and
///    ranges/offsets are multiples of 15 s, so no sample lies on a window boundary.
/// 2. Subquery ranges are left-open in 3.x as well; subquery points are aligned to multiples of
///    the step, so steps are multiples of 60 s and never land on `t - range` (which is 30 s off
///    the minute). Nested subqueries evaluate their inner part at multiples of the outer step, so
///    an inner range is chosen off the inner step's grid (`[330s:1m]` inside `[10m:2m]`).
///    Subqueries without an explicit step (default evaluation interval, 1m in
///    Prometheus but a setting in Strata) are not used.
/// 3. `holt_winters` (2.42) was renamed `double_exponential_smoothing` and put behind the
///    experimental-functions flag in 3.x: not queried.
/// 4. Functions that exist only in 3.x (experimental or new, e.g. `mad_over_time`, `sort_by_label`,
///    `sort_by_label_desc`, `limitk`, `limit_ratio`, `info`, `ts_of_*_over_time`)
///    and native-histogram functions are not queried (2.42 rejects the first group as unknown).
/// 5. 3.x attaches info/warning annotations (e.g. "metric might not be a counter" for `rate` of a
///    non-`_total` name, monotonicity fixes in `histogram_quantile`); 2.42 has fewer. Annotations
///    are not compared, only data.
/// 6. 3.x sums with Kahan compensation (`sum`, `avg`, `*_over_time`, `stddev`/`stdvar`) where 2.42
///    adds plainly, so the last bits can differ: floats are compared within 1e-9 relative
///    (1e-12 absolute near zero).
/// 7. 3.x lets `.` in regular expressions match a newline; label values here have none.
/// 8. Error messages and HTTP status codes of refused queries differ between versions; only
///    "both refused" is checked.
/// 9. Delayed `__name__` removal is a 3.x feature flag that is off by default (and in Strata), so
///    both drop metric names at the same functions and operators — except:
/// 10. `atan2` keeps the metric name of its left operand in 2.42 and drops it since mid-2023
///    (prometheus/prometheus#12595), as for every other arithmetic operator. The test applies
///    `atan2` to operands whose name `+ 0` already dropped.
/// 11. `rate`/`increase` extrapolation towards the start of the window: when the first sample is
///    far from the window start (a series that just began), 3.x first limits the extrapolation
///    to half a sample interval and then to the counter's zero point; 2.42 applied the zero-point
///    limit first (fixed by prometheus/prometheus#13725), so a counter starting near zero gives
///    different rates in windows that hold its first samples. Every counter here starts far from
///    zero (the histogram after 300 unrecorded scrapes), which makes both orders agree.
/// 12. `predict_linear(m[5m] @ t, d)` in a range query: `predict_linear` depends on the evaluation
///    time, so Prometheus does not treat it as step-invariant (it is in
///    `AtModifierUnsafeFunctions`) and evaluates it at every step, as Strata does. 2.42 answers
///    only 3 of 113 one-minute steps, with drifting values (a 2.42 bug). Queried as an instant
///    query only.
@Suite(.serialized)
struct PromQLComparisonTests {
    @Test("Strata and a real Prometheus give the same answers to 200+ PromQL queries")
    func promqlAnswersMatchPrometheus() async throws {
        let started = ContinuousClock.now
        let dir = try makeTempDirectory("strata-promql-cmp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared

        let promDir = dir.appendingPathComponent("prometheus")
        try FileManager.default.createDirectory(at: promDir, withIntermediateDirectories: true)
        let prometheus = try Self.startPrometheus(directory: promDir)
        defer { prometheus.terminate() }

        // The system under test: Strata, or (COMPARE_AGAINST=prometheus, for developing the test
        // itself) a second Prometheus, which must then agree on everything.
        let underTest: ComparisonEndpoint
        let writeURL: String
        var strata: StrataProcess?
        var second: PrometheusProcess?
        if ProcessInfo.processInfo.environment["COMPARE_AGAINST"] == "prometheus" {
            print("promql comparison: COMPARE_AGAINST=prometheus — comparing Prometheus with itself, not Strata")
            let otherDir = dir.appendingPathComponent("prometheus-2")
            try FileManager.default.createDirectory(at: otherDir, withIntermediateDirectories: true)
            let other = try Self.startPrometheus(directory: otherDir)
            second = other
            try await other.waitUntilReady(client: client)
            underTest = ComparisonEndpoint(name: "prometheus-2", apiBase: other.baseURL + "/api/v1")
            writeURL = other.baseURL + "/api/v1/write"
        } else {
            let s = try StrataProcess(dataDirectory: dir, extraArguments: ["-auth.multitenancy-enabled=false"])
            strata = s
            try await s.waitUntilReady(client: client)
            underTest = ComparisonEndpoint(name: "strata", apiBase: s.baseURL + "/prometheus/api/v1")
            writeURL = s.baseURL + "/api/v1/push"
        }
        defer {
            second?.terminate()
            strata?.terminate()
        }
        do {
            try await prometheus.waitUntilReady(client: client)
        } catch {
            Issue.record("Prometheus did not start, so nothing can be compared: \(error)")
            throw error
        }
        let reference = ComparisonEndpoint(name: "prometheus", apiBase: prometheus.baseURL + "/api/v1")
        let queryClient = HTTPClient.plainQueries

        // Two hours of data ending about an hour ago, loaded in 10-minute slices of every series
        // so that both servers see samples in time order (Prometheus refuses samples older than
        // its head's newest minus one hour).
        let now = Int64(Date().timeIntervalSince1970)
        let base = (now - 3 * 3600) / 3600 * 3600
        let data = ComparisonDataSet(baseSeconds: base)
        let sliceMs: Int64 = 600_000
        var from = data.timestampMs(0)
        while from <= data.timestampMs(ComparisonDataSet.scrapes - 1) {
            let slice = data.slice(fromMs: from, toMs: from + sliceMs)
            for (name, url) in [("prometheus", prometheus.baseURL + "/api/v1/write"), (underTest.name, writeURL)] {
                let result = try await pushRemoteWrite(client: client, url: url, tenant: nil, series: slice)
                try #require((200..<300).contains(result.status),
                             "\(name) refused remote write of the slice at \(from): \(result.status) \(result.body)")
            }
            from += sliceMs
        }
        print("promql comparison: loaded \(data.series.count) series, \(data.sampleCount) samples from \(base) into both after \(ContinuousClock.now - started)")

        // Query times: 30 s past the minute (see the doc comment), inside and just after the data.
        // The last one is more than the 5 m lookback after the last sample.
        let instantTimes: [Int64] = [base + 1830, base + 3630, base + 5430, base + 7170, base + 7350, base + 7530]
        // Two range queries per expression: 2 m steps over the data, 5 m steps from before the
        // first sample to after the last (1 m steps would double the run time for no new case).
        let ranges: [(start: Int64, end: Int64, step: Int64)] = [(base + 630, base + 7350, 120), (base - 570, base + 7530, 300)]
        let queries = ComparisonQueries.all(atSeconds: base + 3630)
        #expect(Set(queries.map(\.expr)).count == queries.count, "duplicate expressions in the query list")

        // Every (expression, instant|range) case; four in flight at a time keeps the run short
        // while both servers (and the debug build of Strata) share two cores.
        struct Case: Sendable {
            var query: ComparisonQueries.Query
            var label: String
            var instantTime: Int64?
            var range: (start: Int64, end: Int64, step: Int64) = (0, 0, 0)
        }
        var cases: [Case] = []
        for (i, query) in queries.enumerated() {
            let time = instantTimes[i % instantTimes.count]
            cases.append(Case(query: query, label: "instant @\(time - base)s", instantTime: time))
            for r in ranges where query.range {
                cases.append(Case(query: query, label: "range \(r.start - base)s..\(r.end - base)s step \(r.step)s", range: r))
            }
        }
        let answers = try await withThrowingTaskGroup(of: (Int, ComparisonAnswer, ComparisonAnswer).self) { group in
            var out = [(ComparisonAnswer, ComparisonAnswer)?](repeating: nil, count: cases.count)
            @Sendable func ask(_ endpoint: ComparisonEndpoint, _ c: Case) async throws -> ComparisonAnswer {
                if let time = c.instantTime {
                    return try await endpoint.instant(client: queryClient, c.query.expr, time: time)
                }
                return try await endpoint.range(client: queryClient, c.query.expr, start: c.range.start, end: c.range.end, step: c.range.step)
            }
            var next = 0
            while next < cases.count || !group.isEmpty {
                while next < cases.count && next - out.prefix(next).filter({ $0 != nil }).count < 4 {
                    let index = next, c = cases[index]
                    group.addTask {
                        do {
                            return (index, try await ask(reference, c), try await ask(underTest, c))
                        } catch {
                            throw HarnessError("no answer to [\(c.label)] \(c.query.expr): \(error)")
                        }
                    }
                    next += 1
                }
                if let (index, expected, actual) = try await group.next() { out[index] = (expected, actual) }
            }
            return out
        }

        var run = 0, equal = 0, bothErrors = 0, referenceNonEmpty = 0
        var differences: [String] = []
        var refused: [String] = []
        for (c, answer) in zip(cases, answers) {
            guard let (expected, actual) = answer else { continue }
            run += 1
            if case .error = expected, case .error = actual {
                bothErrors += 1
                refused.append("[\(c.label.prefix { $0 != " " })] \(c.query.expr)")
            }
            switch expected {
            case .vector(let s) where !s.isEmpty, .matrix(let s) where !s.isEmpty: referenceNonEmpty += 1
            case .scalar, .string: referenceNonEmpty += 1
            default: break
            }
            if let difference = compareAnswers(expected, actual, ordered: c.query.ordered && c.instantTime != nil) {
                differences.append("""
                    [\(c.label)] \(c.query.expr)
                      difference: \(difference)
                      prometheus: \(expected)
                      \(underTest.name): \(actual)
                    """)
            } else {
                equal += 1
            }
        }

        print("promql comparison: \(queries.count) expressions, \(run) queries run (1 instant + 2 range each, but instant-only ones), \(equal) equal "
            + "(\(bothErrors) refused by both), \(differences.count) differing; Prometheus answered \(referenceNonEmpty) with data; "
            + "took \(ContinuousClock.now - started)")
        print("promql comparison: refused by both: \(refused.joined(separator: "; "))")
        for d in differences { print(d) }
        #expect(queries.count >= 200, "only \(queries.count) expressions")
        #expect(referenceNonEmpty > run / 2, "Prometheus answered only \(referenceNonEmpty) of \(run) queries with data: was the data loaded?")
        #expect(differences.isEmpty, "\(differences.count) of \(run) queries differ; first ones:\n\(differences.prefix(20).joined(separator: "\n"))")
    }

    @Test("the comparison tells equal answers from different ones")
    func comparisonDetectsDifferences() {
        typealias P = ComparisonAnswer.Point
        let a = ComparisonAnswer.vector([.init(metric: "{a=\"1\"}", points: [P(t: 1000, v: 1)]),
                                         .init(metric: "{a=\"2\"}", points: [P(t: 1000, v: .nan)])])
        let reordered = ComparisonAnswer.vector([.init(metric: "{a=\"2\"}", points: [P(t: 1000, v: .nan)]),
                                                 .init(metric: "{a=\"1\"}", points: [P(t: 1000, v: 1 + 1e-12)])])
        #expect(compareAnswers(a, reordered, ordered: false) == nil)
        #expect(compareAnswers(a, reordered, ordered: true) != nil)
        let off = ComparisonAnswer.vector([.init(metric: "{a=\"1\"}", points: [P(t: 1000, v: 1.000001)]),
                                           .init(metric: "{a=\"2\"}", points: [P(t: 1000, v: .nan)])])
        #expect(compareAnswers(a, off, ordered: false) != nil)
        let otherLabels = ComparisonAnswer.vector([.init(metric: "{a=\"1\"}", points: [P(t: 1000, v: 1)]),
                                                   .init(metric: "{a=\"3\"}", points: [P(t: 1000, v: .nan)])])
        #expect(compareAnswers(a, otherLabels, ordered: false) != nil)
        let shifted = ComparisonAnswer.matrix([.init(metric: "{}", points: [P(t: 2000, v: 1)])])
        #expect(compareAnswers(.matrix([.init(metric: "{}", points: [P(t: 1000, v: 1)])]), shifted, ordered: false) != nil)
        #expect(compareAnswers(.scalar(P(t: 1, v: .infinity)), .scalar(P(t: 1, v: .infinity)), ordered: false) == nil)
        #expect(compareAnswers(.scalar(P(t: 1, v: 1)), .vector([]), ordered: false) != nil)
        #expect(compareAnswers(.error(type: "bad_data", message: "x"), .error(type: "execution", message: "y"), ordered: false) == nil)
        #expect(compareAnswers(.error(type: "bad_data", message: "x"), .vector([]), ordered: false) != nil)
        #expect(ComparisonAnswer.parse(status: 200, body: Data(#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"+Inf"]}}"#.utf8)).description
            == "scalar 1.5=inf")
    }


    /// A Prometheus with an empty configuration (no scraping) that accepts remote write.
    private static func startPrometheus(directory: URL) throws -> PrometheusProcess {
        try PrometheusProcess(directory: directory, extraArguments: ["--web.enable-remote-write-receiver"]) { _ in
            """
            global:
              evaluation_interval: 1m
            """
        }
    }
}
