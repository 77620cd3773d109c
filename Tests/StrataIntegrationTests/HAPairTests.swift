import AsyncHTTPClient
import Foundation
import StrataModel
import StrataWire
import Testing

/// Two Prometheus-like senders as an HA pair (same `cluster`, different `__replica__`), against a
/// cluster whose distributor keeps the HA election in etcd.
enum HAPair {
    static let tenant = "ha-test"
    static let failover: Int64 = 3_000
    static let updateTimeout: Int64 = 1_000
    static let interval: Duration = .milliseconds(250)

    /// What one sender saw: the status of every push, by time.
    final class SenderLog: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var statuses: [(ms: Int64, status: Int)] = []
        func add(_ ms: Int64, _ status: Int) { lock.withLock { statuses.append((ms, status)) } }
        var snapshot: [(ms: Int64, status: Int)] { lock.withLock { statuses } }
    }

    /// Pushes one sample per series every `interval` until cancelled; the value names the replica.
    static func send(replica: String, value: Double, to url: String, log: SenderLog) async {
        while !Task.isCancelled {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let series = ["api", "db"].map { job in
                (labels: Labels([
                    "__name__": "ha_test_up", "cluster": "prom-ha", "__replica__": replica, "job": job,
                ]), samples: [Sample(timestamp: now, value: value)])
            }
            if let (status, _) = try? await pushRemoteWrite(client: .shared, url: url, tenant: tenant, series: series,
                                                            timeout: .seconds(5)) {
                log.add(now, status)
            }
            try? await Task.sleep(for: interval)
        }
    }
}

/// The HA test is part of `ClusterTests` (serialized), so no two clusters run at once.
extension ClusterTests {
    @Test("only the elected replica is stored; stopping it elects the other within the failover timeout")
    func haPairFailover() async throws {
        let cluster = try await LocalCluster(ingesters: 1, storeGateways: 0, extra: [
            "ingester": ["-ingester.ring.replication-factor=1"],
            "distributor": [
                "-ingester.ring.replication-factor=1",
                "-distributor.ha-tracker.enable=true", "-distributor.ha-tracker.enable-for-all-users=true",
                "-distributor.ha-tracker.store=etcd", "-distributor.ha-tracker.update-timeout=1s",
                "-distributor.ha-tracker.update-timeout-jitter-max=0s", "-distributor.ha-tracker.failover-timeout=3s",
            ],
            // No store-gateways in this cluster: the querier reads the ingesters alone.
            "querier": ["-ingester.ring.replication-factor=1", "-store-gateway.sharding-ring.store=inmemory"],
        ])
        defer { cluster.shutdown() }
        try await cluster.startAll(client: .shared)
        let url = cluster.url("distributor") + "/api/v1/push"
        let first = HAPair.SenderLog(), second = HAPair.SenderLog()
        let r1 = Task { await HAPair.send(replica: "r1", value: 1, to: url, log: first) }
        try await Task.sleep(for: .milliseconds(100))
        let r2 = Task { await HAPair.send(replica: "r2", value: 2, to: url, log: second) }
        try await Task.sleep(for: .seconds(5))
        r1.cancel()
        await r1.value
        let stoppedAt = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .seconds(6))
        r2.cancel()
        await r2.value

        // While r1 was sending, every r2 push was answered 202 and dropped.
        let r2Before = second.snapshot.filter { $0.ms < stoppedAt }
        #expect(!r2Before.isEmpty && r2Before.allSatisfy { $0.status == 202 }, "r2 before the failover: \(r2Before.map(\.status))")
        #expect(first.snapshot.allSatisfy { $0.status == 200 }, "r1: \(first.snapshot.map(\.status))")
        #expect(second.snapshot.last?.status == 200, "r2 was never elected: \(second.snapshot.map(\.status))")

        let read = try await remoteRead(client: .shared, baseURL: cluster.url("querier"), tenant: HAPair.tenant,
                                        matchers: [WireMatcher(type: .equal, name: "__name__", value: "ha_test_up")],
                                        start: 0, end: Int64.max / 2)
        #expect(read.count == 2, "series stored: \(read.map(\.labels))")
        for series in read {
            #expect(series.labels["__replica__"] == nil, "the replica label was stored: \(series.labels)")
            #expect(series.labels["cluster"] == "prom-ha")
            let fromR1 = series.samples.filter { $0.value == 1 }
            let fromR2 = series.samples.filter { $0.value == 2 }
            #expect(!fromR1.isEmpty && !fromR2.isEmpty)
            // Never both at once: every r1 sample precedes every r2 sample.
            #expect((fromR1.map(\.timestamp).max() ?? 0) < (fromR2.map(\.timestamp).min() ?? 0))
            // The gap is at most the failover timeout (plus one send interval of slack).
            let gap = (fromR2.map(\.timestamp).min() ?? 0) - (fromR1.map(\.timestamp).max() ?? 0)
            #expect(gap <= HAPair.failover + 500, "gap between replicas: \(gap) ms")
            // The store's receivedAt is refreshed once per update timeout (1 s), so the failover
            // may come up to that much before the timeout counted from r1's last sample.
            #expect(gap >= HAPair.failover - HAPair.updateTimeout - 500, "r2 was elected before r1 went quiet: gap \(gap) ms")
        }
    }
}
