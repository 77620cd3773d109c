import AsyncHTTPClient
import Foundation
import StrataModel
import StrataWire
import Testing

/// A real Prometheus remote-writes to Strata while scraping Strata's own `/metrics`; every sample
/// Prometheus sent is in Strata, identical, and Prometheus counts no failed sample.
@Suite(.serialized)
struct PrometheusRemoteWriteTests {
    // Debian's Prometheus 2.42 ignores remote_write `headers` (prometheus/prometheus#13030), so
    // it cannot send X-Scope-OrgID: Strata runs with multitenancy off and stores the samples
    // under the no-auth tenant, which the read below uses too.

    @Test("samples sent by a real Prometheus are stored exactly, with no failed sends")
    func prometheusRemoteWrite() async throws {
        let dir = try makeTempDirectory("strata-prom")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared

        let strata = try StrataProcess(dataDirectory: dir, extraArguments: ["-auth.multitenancy-enabled=false"])
        try await strata.waitUntilReady(client: client)
        let prometheus = try PrometheusProcess(directory: dir) { port in
            """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: strata
                static_configs:
                  - targets: ['127.0.0.1:\(strata.port)']
              - job_name: prometheus
                static_configs:
                  - targets: ['127.0.0.1:\(port)']
            remote_write:
              - url: http://127.0.0.1:\(strata.port)/api/v1/push
                queue_config:
                  batch_send_deadline: 1s
                  min_shards: 1
                  max_shards: 1
                  min_backoff: 50ms
                  max_backoff: 1s
            """
        }
        defer { prometheus.terminate() }
        let started = ContinuousClock.now
        try await prometheus.waitUntilReady(client: client)
        print("prometheus e2e: prometheus ready after \(ContinuousClock.now - started)")
        try await Task.sleep(for: .seconds(30))

        // Everything up to a cutoff a few seconds behind the newest sent sample has been sent:
        // one shard sends in WAL order.
        var sentUpTo = 0.0
        let waitDeadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < waitDeadline {
            sentUpTo = try await prometheus.scalar(client: client, "prometheus_remote_storage_queue_highest_sent_timestamp_seconds") ?? 0
            if sentUpTo > Date().timeIntervalSince1970 - 10 { break }
            try await Task.sleep(for: .seconds(1))
        }
        try #require(sentUpTo > Date().timeIntervalSince1970 - 20,
                     "Prometheus's highest sent timestamp \(sentUpTo) lags; log:\n\(prometheus.log())")
        let cutoff = sentUpTo - 5
        let cutoffMs = Int64((cutoff * 1000).rounded(.down))

        let failed = try await prometheus.scalar(client: client, "sum(prometheus_remote_storage_samples_failed_total)") ?? -1
        #expect(failed == 0, "Prometheus counted \(failed) failed samples; strata log:\n\(strata.log())")
        let sent = try await prometheus.scalar(client: client, "sum(prometheus_remote_storage_samples_total)") ?? 0
        #expect(sent > 0)

        // What Prometheus stored (and so sent): raw samples of every series up to the cutoff.
        let expected = try await prometheus.query(client: client, "{__name__=~\".+\"}[10m]", time: cutoff)
        let stored = try await remoteRead(client: client, baseURL: strata.baseURL, tenant: nil,
                                          matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: ".+")],
                                          start: 0, end: cutoffMs)
        var strataSeries: [Labels: [Sample]] = [:]
        for s in stored {
            // Prometheus's query API hides staleness markers; compare like with like.
            let visible = s.samples.filter { !StaleNaN.isStale($0.value) }
            if !visible.isEmpty { strataSeries[s.labels] = visible }
        }

        var compared = 0
        var mismatches: [String] = []
        for series in expected {
            guard let metric = series["metric"] as? [String: String], let values = series["values"] as? [[Any]] else {
                Issue.record("unexpected Prometheus result shape: \(series)")
                continue
            }
            let labels = Labels(metric)
            let promSamples: [Sample] = values.compactMap { pair in
                guard let t = pair.first as? Double, let v = (pair.last as? String).flatMap(Double.init) else { return nil }
                return Sample(timestamp: Int64((t * 1000).rounded()), value: v)
            }
            guard let mine = strataSeries[labels] else {
                mismatches.append("missing series \(labels) (\(promSamples.count) samples)")
                continue
            }
            let mineInRange = mine.filter { $0.timestamp <= cutoffMs }
            if mineInRange.count != promSamples.count
                || !zip(mineInRange, promSamples).allSatisfy({ $0.timestamp == $1.timestamp && ($0.value == $1.value || ($0.value.isNaN && $1.value.isNaN)) }) {
                mismatches.append("series \(labels): Prometheus has \(promSamples.count) samples, Strata \(mineInRange.count)")
            }
            compared += promSamples.count
        }
        print("prometheus e2e: \(expected.count) series, \(compared) samples compared up to \(cutoff), sent up to \(sentUpTo), now \(Date().timeIntervalSince1970)")
        #expect(expected.count > 50, "expected a realistic number of series, got \(expected.count)")
        #expect(compared > 1000, "compared only \(compared) samples")
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatching series, e.g.:\n\(mismatches.prefix(10).joined(separator: "\n"))")
        // Prometheus first, while Strata still accepts its final flush.
        prometheus.terminate()
        #expect(strata.terminate() == 0, "strata did not shut down cleanly; log:\n\(strata.log())")
    }
}
