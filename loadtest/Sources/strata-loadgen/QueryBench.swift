import AsyncHTTPClient
import Foundation
import StrataModel

/// `strata-loadgen query-bench`: loads one data set into Strata and Prometheus, then prints a
/// table of median query latencies. Exit codes: 0 success; 1 a load request or a query failed;
/// 2 bad flags.
func runQueryBench(arguments: [String]) async -> Int32 {
    let config: QueryBenchConfig
    switch startSubcommand("query-bench", arguments, parse: parseQueryBenchFlags, usage: queryBenchUsage) {
    case .run(let c): config = c
    case .exit(let code): return code
    }
    let intervalSeconds = max(1, config.scrapeInterval.components.seconds)
    let endSeconds = config.end ?? (Int64(Date().timeIntervalSince1970) / intervalSeconds * intervalSeconds)
    let spanSeconds = config.span.components.seconds
    var failed = false

    if !config.skipLoad {
        let perSeries = spanSeconds / intervalSeconds + 1
        log("query-bench: loading \(group(config.series)) series × \(perSeries) samples (\(GoDuration.format(config.span)) at "
            + "\(GoDuration.format(config.scrapeInterval)), ending \(endSeconds)) into \(config.strata) and \(config.prometheus)")
        // Samples sit 7 s before the query grid: Prometheus 2.x range windows include their
        // left edge and 3.x's (Strata's) exclude it, so a sample on the edge would make the
        // answers differ and the "same answer" column meaningless.
        let outcome = await QueryBenchLoader(config: config).load(endMs: endSeconds * 1000 - 7_000)
        let seconds = outcome.elapsed.seconds
        log("query-bench: loaded \(group(outcome.samples)) samples into each server in \(fmtSeconds(seconds)) "
            + "(\(group(Int(Double(outcome.samples) / max(seconds, 0.001)))) samples/s per server, both servers fed at once), "
            + "\(group(outcome.requests)) requests; failed: strata \(outcome.failedStrata), prometheus \(outcome.failedPrometheus)")
        if let e = outcome.firstError {
            log("query-bench: first failed write: \(e)")
            failed = true
        }
    }

    if config.loadOnly { return failed ? 1 : 0 }

    var configuration = HTTPClient.Configuration()
    configuration.decompression = .disabled
    configuration.httpVersion = .http1Only
    let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    let strataHeaders = config.tenant.isEmpty ? [] : [ExtraHeader(name: "X-Scope-OrgID", value: config.tenant)]
    let targets = [
        QueryTarget(name: "strata", apiBase: config.strata + "/prometheus/api/v1", headers: strataHeaders),
        QueryTarget(name: "prometheus", apiBase: config.prometheus + "/api/v1", headers: []),
    ]
    let startSeconds = endSeconds - spanSeconds
    let step = max(1, config.step.components.seconds)

    print("")
    print("| query | kind | series (Strata / Prometheus) | same answer | Strata median ms | Prometheus median ms | Strata ÷ Prometheus |")
    print("| --- | --- | --- | --- | ---: | ---: | ---: |")
    for query in benchQueries {
        var millis: [[Double]] = [[], []]
        var series = [0, 0]
        var answers: [[String: [Double]]] = [[:], [:]]
        var errors: [String] = []
        // One untimed warm-up per server (its answers are compared), then alternate servers so
        // both see the same conditions.
        for (i, target) in targets.enumerated() {
            let r = await target.run(client: client, query, endSeconds: endSeconds, startSeconds: startSeconds, stepSeconds: step,
                                     keepAnswer: true)
            series[i] = r.series
            answers[i] = r.answer
            if let e = r.error { errors.append("\(target.name): \(e)") }
        }
        let agree = sameAnswer(answers[0], answers[1])
        if !agree { failed = true }
        for _ in 0..<config.runs where errors.isEmpty {
            for (i, target) in targets.enumerated() {
                let r = await target.run(client: client, query, endSeconds: endSeconds, startSeconds: startSeconds, stepSeconds: step)
                if let e = r.error { errors.append("\(target.name): \(e)") }
                millis[i].append(r.millis)
            }
        }
        let kind = query.range ? "range \(GoDuration.format(config.span)) step \(step)s" : "instant"
        if errors.isEmpty {
            let s = median(millis[0]), p = median(millis[1])
            print("| `\(query.expr)` | \(kind) | \(series[0]) / \(series[1]) | \(agree ? "yes" : "NO") | \(String(format: "%.1f", s)) | "
                + "\(String(format: "%.1f", p)) | \(String(format: "%.2f", s / p)) |")
        } else {
            failed = true
            print("| `\(query.expr)` | \(kind) | \(series[0]) / \(series[1]) | - | error | error | \(errors.first ?? "") |")
        }
    }
    print("")
    print("runs per query and server: \(config.runs) (after one warm-up); query time \(endSeconds); "
        + "range queries \(startSeconds)…\(endSeconds) step \(step)s")
    try? await client.shutdown()
    return failed ? 1 : 0
}
