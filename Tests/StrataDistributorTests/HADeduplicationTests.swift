import Logging
import StrataDistributor
import StrataHATracker
import StrataIngester
import StrataLimits
import StrataModel
import StrataRing
import Synchronization
import Testing

/// A clock the test moves by hand, in ms.
final class TestClock: Sendable {
    private let value = Atomic<Int64>(testNow)
    var now: Int64 { value.load(ordering: .relaxed) }
    func advance(by ms: Int64) { value.add(ms, ordering: .relaxed) }
}

private func haBatch(replica: String, cluster: String = "prom-a", timestamp: Int64) -> SeriesBatch {
    var batch = SeriesBatch()
    for job in ["api", "db"] {
        batch.append(labels: Labels([
            Label(name: "__name__", value: "up"), Label(name: "__replica__", value: replica),
            Label(name: "cluster", value: cluster), Label(name: "job", value: job),
        ]), samples: [Sample(timestamp: timestamp, value: 1)])
    }
    return batch
}

@Suite struct HADeduplicationTests {
    let clock = TestClock()
    let ingester = FakeIngester()
    let distributor: Distributor
    let metrics = RecordingMetrics()

    init() throws {
        var limits = Limits()
        limits.acceptHASamples = true
        limits.haMaxClusters = 2
        let tracker = try HATracker(kv: InMemoryKV(), config: HATrackerConfig(enabled: true, failoverTimeout: .seconds(30)),
                                    updateTimeoutJitter: .zero, metricsFactory: metrics)
        let clock = self.clock
        distributor = Distributor(overrides: Overrides(defaults: limits), ingester: ingester, metricsFactory: metrics,
                                  logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                  now: { clock.now }, haTracker: tracker)
    }

    /// The first replica is stored without its replica label; the other gets 202 and is dropped
    /// until the elected one has been silent for the failover timeout.
    @Test func onlyTheElectedReplicaIsStored() async throws {
        let tenant = try TenantID(validating: "team-a")
        _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r1", timestamp: clock.now))
        let stored = ingester.received.flatMap { push in push.batch.series.indices.map { push.batch.labels(of: $0) } }
        #expect(stored.count == 2)
        #expect(stored.allSatisfy { $0["__replica__"] == nil && $0["cluster"] == "prom-a" })

        do {
            _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r2", timestamp: clock.now))
            Issue.record("the non-elected replica must be refused")
        } catch {
            #expect(error.httpStatus == 202)
            #expect(error.description.contains("replica=r2") && error.description.contains("elected=r1"))
        }
        #expect(ingester.received.count == 1)
        #expect(metrics.value("strata_distributor_deduped_samples_total", [("user", "team-a"), ("cluster", "prom-a")]) == 2)

        // r1 goes quiet; 31 s later r2 takes over, and r1 is now the one refused.
        clock.advance(by: 31_000)
        _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r2", timestamp: clock.now))
        #expect(ingester.received.count == 2)
        let error = await #expect(throws: PushError.self) {
            _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r1", timestamp: clock.now))
        }
        #expect(error?.httpStatus == 202)
    }

    /// Pushes without both labels are stored untouched; a third cluster is over the limit (400).
    @Test func nonHAPushesAndClusterLimit() async throws {
        let tenant = try TenantID(validating: "team-b")
        var plain = SeriesBatch()
        plain.append(labels: Labels([Label(name: "__name__", value: "up"), Label(name: "__replica__", value: "x")]),
                     samples: [Sample(timestamp: clock.now, value: 1)])
        _ = try await distributor.push(tenant: tenant, batch: plain)
        #expect(ingester.received.last?.batch.labels(of: 0)["__replica__"] == "x")
        _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r1", cluster: "one", timestamp: clock.now))
        _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r1", cluster: "two", timestamp: clock.now))
        let error = await #expect(throws: PushError.self) {
            _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r1", cluster: "three", timestamp: clock.now))
        }
        #expect(error?.httpStatus == 400)
        #expect(error?.errorID == .tooManyHAClusters)
    }
}

@Suite struct HAPerTenantSwitchTests {
    /// `accept_ha_samples` per tenant wins over its default (`-distributor.ha-tracker.enable-for-all-users`),
    /// in both directions; a tenant not deduplicated keeps both replicas and the replica label.
    @Test func tenantOverrideWinsOverTheDefault() async throws {
        for forAll in [true, false] {
            var defaults = Limits()
            defaults.acceptHASamples = forAll
            let overrides = Overrides(defaults: defaults)
            try overrides.apply(runtimeConfigYAML: "overrides:\n  flipped:\n    accept_ha_samples: \(!forAll)\n", source: "test")
            let ingester = FakeIngester()
            let distributor = Distributor(
                overrides: overrides, ingester: ingester, metricsFactory: RecordingMetrics(),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), now: { testNow },
                haTracker: try HATracker(kv: InMemoryKV(), config: HATrackerConfig(enabled: true), updateTimeoutJitter: .zero))
            for tenant in [try TenantID(validating: "plain"), try TenantID(validating: "flipped")] {
                let deduplicated = tenant.rawValue == "flipped" ? !forAll : forAll
                _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r1", timestamp: testNow))
                let second: Int
                do {
                    _ = try await distributor.push(tenant: tenant, batch: haBatch(replica: "r2", timestamp: testNow))
                    second = 200
                } catch {
                    second = error.httpStatus
                }
                #expect(second == (deduplicated ? 202 : 200), "tenant \(tenant), enable-for-all-users \(forAll)")
                let stored = ingester.received.filter { $0.tenant == tenant }.map { $0.batch.labels(of: 0)["__replica__"] }
                #expect(stored == (deduplicated ? [nil] : ["r1", "r2"]), "tenant \(tenant), enable-for-all-users \(forAll)")
            }
        }
    }
}

@Suite struct RemovingLabelTests {
    @Test func removesOnlyTheNamedLabel() {
        var batch = SeriesBatch()
        batch.append(labels: Labels([Label(name: "__name__", value: "a"), Label(name: "__replica__", value: "r"), Label(name: "z", value: "1")]),
                     samples: [Sample(timestamp: 1, value: 1)])
        batch.append(labels: Labels([Label(name: "__name__", value: "b")]), samples: [Sample(timestamp: 2, value: 2)])
        let stripped = batch.removingLabel(named: "__replica__")
        #expect(stripped.labels(of: 0) == Labels([Label(name: "__name__", value: "a"), Label(name: "z", value: "1")]))
        #expect(stripped.labels(of: 1) == Labels([Label(name: "__name__", value: "b")]))
        #expect(Array(stripped.samples(of: 1)) == [Sample(timestamp: 2, value: 2)])
        #expect(stripped.stableHash(of: 0) == stripped.labels(of: 0).stableHash)
    }
}
