import Foundation
import StrataModel

/// strata-loadgen: generates remote-write traffic from a simulated Kubernetes fleet and replays it
/// against any remote-write URL (Strata, VictoriaMetrics, Prometheus, Mimir…).
///
/// Exit codes: 0 success; 1 some requests failed (unless `-allow-errors`); 2 bad flags;
/// 3 the run could not start or was aborted (memory budget, `-record-acked` file).

/// Runs the program and returns its exit code.
func runLoadGen(arguments: [String]) async -> Int32 {
    let config: Config
    do {
        switch try parseFlags(arguments) {
        case .help:
            print(usageText(), terminator: "")
            return 0
        case .run(let c):
            config = c
        }
    } catch {
        log("strata-loadgen: \(error)")
        log("Run 'strata-loadgen -help' for usage.")
        return 2
    }

    let buildStart = ContinuousClock.now
    let fleet = Fleet(seriesCount: config.series, extraLabels: config.extraLabels)
    let cardinalities = fleet.cardinalities()
        .filter { $0.name != metricNameLabel }
        .map { "\($0.name)=\($0.values)" }.joined(separator: " ")
    let metricNames = Set(fleet.series.compactMap { $0.labels.metricName }).count
    log("fleet: \(group(fleet.series.count)) series, \(metricNames) metric names, "
        + "\(String(format: "%.1f", averageLabels(fleet))) labels/series; distinct values: \(cardinalities) "
        + "(built in \(fmtSeconds((ContinuousClock.now - buildStart).seconds)))")

    // Shard series by label hash, as Prometheus shards its remote-write queue.
    var membersByShard = [[Int]](repeating: [], count: config.concurrency)
    for (i, s) in fleet.series.enumerated() {
        membersByShard[Int(s.hash % UInt64(config.concurrency))].append(i)
    }
    let startedMs = wallClockMs()
    let shards = membersByShard.map {
        ShardGenerator(fleet: fleet, members: $0, seed: config.seed, nowMs: startedMs, histograms: config.nativeHistograms,
                       version: config.remoteWriteVersion)
    }
    if config.nativeHistograms.ratio > 0 {
        let count = shards.reduce(0) { $0 + $1.histogramSeriesCount }
        log("native histograms: \(group(count)) of \(group(fleet.series.count)) series (schema \(config.nativeHistograms.schema), "
            + "\(config.nativeHistograms.buckets) buckets each)")
    }

    var recorder: AckRecorder?
    if let path = config.recordAcked {
        do {
            let r = try AckRecorder(path: path)
            try r.writeHeader(config: config, fleet: fleet, startedMs: startedMs)
            recorder = r
        } catch {
            log("strata-loadgen: \(error)")
            return 3
        }
    }

    log("sending remote write \(config.remoteWriteVersion.rawValue).0 to \(config.url): batch \(group(config.batchSize)) samples, \(config.concurrency) workers, "
        + "scrape interval \(GoDuration.format(config.scrapeInterval))")
    let sender = Sender(config: config)
    let result: RunResult
    do {
        switch config.mode {
        case .throughput(let k):
            result = try await runThroughput(config: config, samplesPerSeries: k, shards: shards, sender: sender,
                                             recorder: recorder)
        case .realTime(let d):
            result = try await runRealTime(config: config, duration: d, shards: shards, sender: sender,
                                           recorder: recorder)
        }
        try recorder?.close()
    } catch {
        await sender.shutdown()
        log("strata-loadgen: \(error)")
        return 3
    }
    await sender.shutdown()

    let summary = makeSummary(config: config, stats: result.stats, elapsed: result.elapsed, preencode: result.preencode,
                              cpuSeconds: result.cpuSeconds)
    print(renderReport(summary), terminator: "")
    if let recorder {
        print("  recorded      \(group(recorder.samplesWritten)) acknowledged samples to \(config.recordAcked ?? "")")
    }
    if config.json { print(renderJSON(summary)) }
    if result.stats.failedRequests > 0 && !config.allowErrors {
        log("strata-loadgen: \(group(result.stats.failedRequests)) requests failed (pass -allow-errors to exit 0 anyway)")
        return 1
    }
    return 0
}

/// Mean number of labels per series (including `__name__`).
private func averageLabels(_ fleet: Fleet) -> Double {
    guard !fleet.series.isEmpty else { return 0 }
    return Double(fleet.series.reduce(0) { $0 + $1.labels.count }) / Double(fleet.series.count)
}

let arguments = Array(CommandLine.arguments.dropFirst())
// `query-bench` (QueryBench.swift), `query-load` (QueryLoad.swift), `make-blocks` (MakeBlocks.swift)
// and `reencode-blocks` (ReencodeBlocks.swift) are subcommands; everything else is the load generator.
let code: Int32
switch arguments.first {
case "query-bench": code = await runQueryBench(arguments: Array(arguments.dropFirst()))
case "query-load": code = await runQueryLoad(arguments: Array(arguments.dropFirst()))
case "make-blocks": code = await runMakeBlocks(arguments: Array(arguments.dropFirst()))
case "reencode-blocks": code = await runReencodeBlocks(arguments: Array(arguments.dropFirst()))
default: code = await runLoadGen(arguments: arguments)
}
exit(code)
