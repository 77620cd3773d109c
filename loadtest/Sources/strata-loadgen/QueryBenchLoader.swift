import Foundation
import StrataModel

/// Loads the simulated fleet into two servers at once: every request body is generated once and
/// posted to both, so they store exactly the same samples.
///
/// The data goes out in time order: all shards generate and send one window of scrapes, wait for
/// each other, then move to the next window. Prometheus (and Strata's head) refuse samples more
/// than half a block range (1 h) older than the newest one they hold, so no shard may run ahead.
struct QueryBenchLoader {
    /// Data shape and server URLs.
    let config: QueryBenchConfig

    /// What the load did, per server.
    struct Outcome: Sendable {
        /// Samples sent to each server.
        var samples = 0
        /// Requests sent to each server.
        var requests = 0
        /// Requests Strata did not acknowledge.
        var failedStrata = 0
        /// Requests Prometheus did not acknowledge.
        var failedPrometheus = 0
        /// The first failure, with the server's answer.
        var firstError: String?
        /// Wall-clock time of the whole load.
        var elapsed: Duration = .zero
    }

    /// Scrapes per window: ten minutes of data (at least one scrape).
    private var scrapesPerWindow: Int {
        max(1, Int(600 / max(1, config.scrapeInterval.components.seconds)))
    }

    /// Generates and sends `config.span` of data ending at `endMs`.
    func load(endMs: Int64) async -> Outcome {
        let fleet = Fleet(seriesCount: config.series)
        var members = [[Int]](repeating: [], count: config.concurrency)
        for (i, s) in fleet.series.enumerated() { members[Int(s.hash % UInt64(config.concurrency))].append(i) }
        let startMs = endMs - Int64(config.span.components.seconds) * 1000
        var shards = members.map { ShardGenerator(fleet: fleet, members: $0, seed: config.seed, nowMs: startMs) }
        let intervalMs = Int64(config.scrapeInterval.components.seconds) * 1000
            + config.scrapeInterval.components.attoseconds / 1_000_000_000_000_000
        var times: [Int64] = []
        var t = endMs - (config.span.components.seconds * 1000 / intervalMs) * intervalMs
        while t <= endMs {
            times.append(t)
            t += intervalMs
        }

        let strata = Sender(config: senderConfig(url: config.strata + "/api/v1/push", tenant: config.tenant))
        let prometheus = Sender(config: senderConfig(url: config.prometheus + "/api/v1/write", tenant: ""))
        var outcome = Outcome()
        let started = ContinuousClock.now
        var lastReport = started
        let batchSize = config.batchSize
        let interval = config.scrapeInterval.components.seconds
        var window = 0
        while window < times.count {
            let scrapeTimes = Array(times[window..<min(times.count, window + scrapesPerWindow)])
            window += scrapeTimes.count
            let results = await withTaskGroup(of: (Int, ShardGenerator, Outcome).self) { group in
                for (index, shard) in shards.enumerated() {
                    group.addTask {
                        var shard = shard
                        var bodies: [PreparedRequest] = []
                        shard.generate(scrapeTimes: scrapeTimes, batchSize: batchSize, interval: Double(interval),
                                       jitterMs: 0, resetProbability: 0.0005, keepContent: false) { bodies.append($0) }
                        var o = Outcome()
                        for body in bodies {
                            async let s = strata.send(body.body)
                            async let p = prometheus.send(body.body)
                            let (so, po) = await (s, p)
                            o.samples += body.sampleCount
                            o.requests += 1
                            if !so.acknowledged {
                                o.failedStrata += 1
                                o.firstError = o.firstError ?? "strata: HTTP \(so.status) \(so.errorText ?? "")"
                            }
                            if !po.acknowledged {
                                o.failedPrometheus += 1
                                o.firstError = o.firstError ?? "prometheus: HTTP \(po.status) \(po.errorText ?? "")"
                            }
                        }
                        return (index, shard, o)
                    }
                }
                var collected: [(Int, ShardGenerator, Outcome)] = []
                for await r in group { collected.append(r) }
                return collected
            }
            for (index, shard, o) in results {
                shards[index] = shard
                outcome.samples += o.samples
                outcome.requests += o.requests
                outcome.failedStrata += o.failedStrata
                outcome.failedPrometheus += o.failedPrometheus
                outcome.firstError = outcome.firstError ?? o.firstError
            }
            if ContinuousClock.now - lastReport > .seconds(15) {
                lastReport = ContinuousClock.now
                let elapsed = (lastReport - started).seconds
                log("load: \(window)/\(times.count) scrapes, \(group(outcome.samples)) samples to each server in "
                    + "\(fmtSeconds(elapsed)) (\(group(Int(Double(outcome.samples) / elapsed))) samples/s per server), "
                    + "failed requests strata \(outcome.failedStrata) prometheus \(outcome.failedPrometheus)")
            }
            if outcome.failedStrata + outcome.failedPrometheus > 100 { break }
        }
        outcome.elapsed = ContinuousClock.now - started
        await strata.shutdown()
        await prometheus.shutdown()
        return outcome
    }

    /// A load-generator configuration that only carries what `Sender` reads.
    private func senderConfig(url: String, tenant: String) -> Config {
        var c = Config()
        c.url = url
        c.concurrency = config.concurrency
        c.timeout = .seconds(120)
        if !tenant.isEmpty { c.headers = [ExtraHeader(name: "X-Scope-OrgID", value: tenant)] }
        return c
    }
}
