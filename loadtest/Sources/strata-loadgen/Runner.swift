import Foundation
import Synchronization

/// The two modes: throughput (pre-encode, then send as fast as possible) and real time (one
/// scrape per interval, for a duration). Each worker owns one shard of the series and sends its
/// requests one after another on its own connection, so each series' samples arrive in order.

/// What a run produced.
struct RunResult: Sendable {
    var stats: RunStats
    /// The timed phase.
    var elapsed: Duration
    /// Throughput mode: time spent generating and encoding before the timed phase.
    var preencode: Duration?
    /// CPU time (user + system) this process used during the timed phase.
    var cpuSeconds: Double
}

/// CPU time (user + system) used by this process so far, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    let who = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    let who = RUSAGE_SELF
    #endif
    guard getrusage(who, &usage) == 0 else { return 0 }
    func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Live counters read by the progress printer.
final class Progress: Sendable {
    let requests = Atomic<Int>(0)
    let samplesAcked = Atomic<Int>(0)
    let failures = Atomic<Int>(0)

    /// Counts one finished request.
    func add(_ request: PreparedRequest, _ outcome: SendOutcome) {
        requests.add(1, ordering: .relaxed)
        if outcome.acknowledged {
            // Float and histogram samples alike.
            samplesAcked.add(request.sampleCount + request.histogramCount, ordering: .relaxed)
        } else {
            failures.add(1, ordering: .relaxed)
        }
    }

    /// Prints a progress line to stderr every `every` until cancelled.
    func printPeriodically(every: Duration, start: ContinuousClock.Instant) async {
        var previous = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: every) } catch { return }
            let acked = samplesAcked.load(ordering: .relaxed)
            let rate = Double(acked - previous) / every.seconds
            previous = acked
            let line = "  … \(fmtSeconds((ContinuousClock.now - start).seconds)): \(group(requests.load(ordering: .relaxed))) requests, "
                + "\(group(acked)) samples acknowledged (\(group(Int(rate)))/s), \(group(failures.load(ordering: .relaxed))) failed\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}

/// Milliseconds since the Unix epoch, from the wall clock.
func wallClockMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

/// Writes a line to stderr.
func log(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Throughput mode: generates `samplesPerSeries` scrapes ending now for every shard, encodes every
/// request, then sends them all with one worker per shard and times that phase alone.
func runThroughput(config: Config, samplesPerSeries: Int, shards: [ShardGenerator], sender: Sender,
                   recorder: AckRecorder?) async throws -> RunResult {
    let intervalMs = max(1, config.scrapeInterval.nanoseconds / 1_000_000)
    let nowMs = wallClockMs()
    let end = nowMs - nowMs % intervalMs
    let times = (0..<samplesPerSeries).map { end - Int64(samplesPerSeries - 1 - $0) * intervalMs }
    let keep = recorder != nil
    let limit = config.maxPreencodedBytes / shards.count
    let interval = config.scrapeInterval.seconds
    let jitter: Int64 = intervalMs >= 100 ? 2 : 0
    let batchSize = config.batchSize
    let resetProbability = config.counterResetProbability

    log("pre-encoding \(group(config.series * samplesPerSeries)) samples (\(samplesPerSeries) per series, "
        + "\(fmtSeconds(Double(samplesPerSeries - 1) * interval)) of data ending now)…")
    let encodeStart = ContinuousClock.now
    let prepared = try await withThrowingTaskGroup(of: (Int, [PreparedRequest]).self) { group in
        for (index, shard) in shards.enumerated() {
            group.addTask {
                var shard = shard
                var out: [PreparedRequest] = []
                var bytes = 0
                try shard.generate(scrapeTimes: times, batchSize: batchSize, interval: interval, jitterMs: jitter,
                                   resetProbability: resetProbability, keepContent: keep) { request in
                    bytes += request.body.readableBytes + (request.content.map { $0.samples.count * 16 + $0.hashes.count * 12 } ?? 0)
                    if bytes > limit { throw MemoryBudgetExceeded(limit: config.maxPreencodedBytes) }
                    out.append(request)
                }
                return (index, out)
            }
        }
        var byShard = [[PreparedRequest]](repeating: [], count: shards.count)
        for try await (index, requests) in group { byShard[index] = requests }
        return byShard
    }
    let preencode = ContinuousClock.now - encodeStart
    let requestCount = prepared.reduce(0) { $0 + $1.count }
    let wire = prepared.reduce(0) { $0 + $1.reduce(0) { $0 + $1.body.readableBytes } }
    log("pre-encoded \(group(requestCount)) requests in \(fmtSeconds(preencode.seconds)): \(fmtBytes(Double(wire))) of snappy bodies")

    let progress = Progress()
    let cpuStart = processCPUSeconds()
    let start = ContinuousClock.now
    let printer = Task { await progress.printPeriodically(every: .seconds(5), start: start) }
    let results = await withTaskGroup(of: (Int, RunStats, [Int]).self) { group in
        for (index, requests) in prepared.enumerated() {
            group.addTask {
                var stats = RunStats()
                var acked: [Int] = []
                for (i, request) in requests.enumerated() {
                    let outcome = await sender.send(request.body)
                    stats.record(request, outcome)
                    progress.add(request, outcome)
                    if keep && outcome.acknowledged { acked.append(i) }
                }
                return (index, stats, acked)
            }
        }
        var all: [(Int, RunStats, [Int])] = []
        for await r in group { all.append(r) }
        return all
    }
    let elapsed = ContinuousClock.now - start
    let cpu = processCPUSeconds() - cpuStart
    printer.cancel()

    var stats = RunStats()
    for (_, s, _) in results { stats.merge(s) }
    if let recorder {
        for (shard, _, acked) in results.sorted(by: { $0.0 < $1.0 }) {
            for i in acked {
                if let content = prepared[shard][i].content { try recorder.write(content) }
            }
        }
    }
    return RunResult(stats: stats, elapsed: elapsed, preencode: preencode, cpuSeconds: cpu)
}

/// Real-time mode: every scrape interval for `duration`, each worker generates one sample per
/// series of its shard stamped with the tick's wall-clock time, encodes and sends them. A worker
/// still busy when the next tick is due starts it late (counted as a late tick). Acknowledged
/// contents are streamed to the recorder as they arrive.
func runRealTime(config: Config, duration: Duration, shards: [ShardGenerator], sender: Sender,
                 recorder: AckRecorder?) async throws -> RunResult {
    let intervalMs = max(1, config.scrapeInterval.nanoseconds / 1_000_000)
    let interval = config.scrapeInterval
    let ticks = max(1, Int((duration.seconds / interval.seconds).rounded(.up)))
    let keep = recorder != nil
    let jitter: Int64 = intervalMs >= 100 ? 2 : 0
    let batchSize = config.batchSize
    let resetProbability = config.counterResetProbability
    let lateThreshold = min(Duration.seconds(1), interval / 2)

    log("real time: \(ticks) scrapes of \(group(config.series)) series, one every \(fmtSeconds(interval.seconds))")
    let (contents, continuation) = AsyncStream<RequestContent>.makeStream()
    let progress = Progress()
    let cpuStart = processCPUSeconds()
    let start = ContinuousClock.now
    let startMs = wallClockMs()
    let printer = Task { await progress.printPeriodically(every: max(interval, .seconds(5)), start: start) }
    let workers = Task {
        let stats = await withTaskGroup(of: RunStats.self) { group in
            for shard in shards {
                group.addTask {
                    var shard = shard
                    var stats = RunStats()
                    for tick in 0..<ticks {
                        let due = start + interval * tick
                        let now = ContinuousClock.now
                        if now < due {
                            do { try await Task.sleep(until: due, clock: .continuous) } catch { break }
                        } else {
                            let lag = now - due
                            stats.maxLagNanos = max(stats.maxLagNanos, lag.nanoseconds)
                            if lag > lateThreshold { stats.lateTicks += 1 }
                        }
                        var requests: [PreparedRequest] = []
                        shard.generate(scrapeTimes: [startMs + Int64(tick) * intervalMs], batchSize: batchSize,
                                       interval: interval.seconds, jitterMs: jitter,
                                       resetProbability: resetProbability, keepContent: keep) { requests.append($0) }
                        for request in requests {
                            let outcome = await sender.send(request.body)
                            stats.record(request, outcome)
                            progress.add(request, outcome)
                            if outcome.acknowledged, let content = request.content { continuation.yield(content) }
                        }
                    }
                    return stats
                }
            }
            var total = RunStats()
            for await s in group { total.merge(s) }
            return total
        }
        continuation.finish()
        return stats
    }
    for await content in contents {
        try recorder?.write(content)
    }
    let stats = await workers.value
    // Run for the whole duration even when the last tick finished early.
    let endDue = start + duration
    if ContinuousClock.now < endDue { try? await Task.sleep(until: endDue, clock: .continuous) }
    let elapsed = ContinuousClock.now - start
    let cpu = processCPUSeconds() - cpuStart
    printer.cancel()
    try recorder?.flush()
    return RunResult(stats: stats, elapsed: elapsed, preencode: nil, cpuSeconds: cpu)
}
