import StrataTestSupport
import StrataModel
import StrataRing
import Testing
@testable import StrataHATracker

/// The tracker on the in-memory store, with an injected clock (`now` per push) and zero jitter.
@Suite("HATracker on the in-memory store")
struct HATrackerTests {
    /// A started tracker on `kv` (wrapped to count its writes).
    func makeTracker(
        _ kv: CountingKV, config: HATrackerConfig = enabledConfig, jitter: Duration = .zero,
        metrics: RecordingMetrics = RecordingMetrics()
    ) async throws -> HATracker {
        let tracker = try HATracker(kv: kv, config: config, updateTimeoutJitter: jitter, metricsFactory: metrics, clock: { t0 })
        try await tracker.start()
        return tracker
    }

    @Test func theFirstReplicaSeenIsElected() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 0)
            == .elected(previous: nil))
        #expect(try await storedDesc(kv, user, "prom") == ReplicaDesc(replica: "a", receivedAt: at(0), electedAt: at(0)))
        #expect(tracker.electedReplica(tenant: user, cluster: "prom")?.replica == "a")
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(1), maxClusters: 0) == .accepted)
        await tracker.stop()
    }

    @Test func anotherReplicaIsRefusedWhileTheElectedOneKeepsSending() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 0)
        // a pushes every 10 s, b every 5 s, for five minutes: b never gets in.
        for second in stride(from: 5.0, through: 300, by: 5) {
            if second.truncatingRemainder(dividingBy: 10) == 0 {
                #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(second), maxClusters: 0) == .accepted)
            }
            await #expect(throws: HATrackerError.replicasNotMatch(replica: "b", elected: "a")) {
                try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "b", now: at(second + 0.5), maxClusters: 0)
            }
        }
        #expect(try await storedDesc(kv, user, "prom")?.electedChanges == 0)
        #expect(HATrackerError.replicasNotMatch(replica: "b", elected: "a").httpStatus == 202)
        #expect(HATrackerError.replicasNotMatch(replica: "b", elected: "a").description.contains("replicas did not match"))
        await tracker.stop()
    }

    @Test func afterTheFailoverTimeoutOfSilenceTheOtherReplicaIsElected() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 0)
        // a goes silent. Until 30 s after its last push, b is refused.
        for second in [1.0, 15, 20, 29.999] {
            await #expect(throws: HATrackerError.replicasNotMatch(replica: "b", elected: "a")) {
                try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "b", now: at(second), maxClusters: 0)
            }
        }
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "b", now: at(30), maxClusters: 0)
            == .elected(previous: "a"))
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "b", now: at(31), maxClusters: 0) == .accepted)
        // a comes back: now it is the one refused.
        await #expect(throws: HATrackerError.replicasNotMatch(replica: "a", elected: "b")) {
            try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(32), maxClusters: 0)
        }
        #expect(try await storedDesc(kv, user, "prom")
            == ReplicaDesc(replica: "b", receivedAt: at(30), electedAt: at(30), electedChanges: 1))
        await tracker.stop()
    }

    @Test func receivedAtIsRefreshedInTheStoreAtMostOncePerUpdateTimeout() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        // One push a second for two minutes: one election, then one write every 15 s.
        for second in 0...120 {
            _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(Double(second)), maxClusters: 0)
            if second == 14 { #expect(try await storedDesc(kv, user, "prom")?.receivedAt == at(0)) }
            if second == 15 { #expect(try await storedDesc(kv, user, "prom")?.receivedAt == at(15)) }
        }
        #expect(kv.casCalls == 1 + 120 / 15)
        #expect(try await storedDesc(kv, user, "prom")?.receivedAt == at(120))

        // With a jitter of +4 s this distributor refreshes every 19 s.
        let jittered = CountingKV(InMemoryKV())
        let late = try await makeTracker(jittered, jitter: .seconds(4))
        for second in 0...76 {
            _ = try await late.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(Double(second)), maxClusters: 0)
        }
        #expect(jittered.casCalls == 1 + 76 / 19)
        await tracker.stop()
        await late.stop()
    }

    @Test func concurrentPushesDueForARefreshWriteOnce() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 0)
        let decisions = try await withThrowingTaskGroup(of: HADecision.self) { group in
            for push in 0..<50 {
                group.addTask {
                    try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(16 + Double(push) / 1000), maxClusters: 0)
                }
            }
            return try await group.reduce(into: [HADecision]()) { $0.append($1) }
        }
        #expect(decisions.allSatisfy { $0 == .accepted })
        #expect(kv.casCalls == 2)
        await tracker.stop()
    }

    @Test func maxClustersIsEnforcedPerTenantAndTenantsAreIndependent() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let one = try tenant("team-1")
        let two = try tenant("team-2")
        _ = try await tracker.checkReplica(tenant: one, cluster: "c1", replica: "a", now: at(0), maxClusters: 2)
        _ = try await tracker.checkReplica(tenant: one, cluster: "c2", replica: "a", now: at(0), maxClusters: 2)
        let writes = kv.casCalls
        await #expect(throws: HATrackerError.tooManyClusters(limit: 2)) {
            try await tracker.checkReplica(tenant: one, cluster: "c3", replica: "a", now: at(1), maxClusters: 2)
        }
        #expect(kv.casCalls == writes)
        #expect(HATrackerError.tooManyClusters(limit: 2).httpStatus == 400)
        #expect(HATrackerError.tooManyClusters(limit: 2).description.hasSuffix("(err-strata-tenant-too-many-ha-clusters)"))
        // Known clusters keep working at the limit; a higher limit (or none) admits the new one.
        #expect(try await tracker.checkReplica(tenant: one, cluster: "c1", replica: "a", now: at(2), maxClusters: 2) == .accepted)
        #expect(try await tracker.checkReplica(tenant: one, cluster: "c3", replica: "a", now: at(3), maxClusters: 0) == .elected(previous: nil))

        // Another tenant has its own clusters, limit and elections, even under the same cluster name.
        #expect(try await tracker.checkReplica(tenant: two, cluster: "c1", replica: "b", now: at(4), maxClusters: 1) == .elected(previous: nil))
        await #expect(throws: HATrackerError.tooManyClusters(limit: 1)) {
            try await tracker.checkReplica(tenant: two, cluster: "c2", replica: "b", now: at(5), maxClusters: 1)
        }
        await #expect(throws: HATrackerError.replicasNotMatch(replica: "b", elected: "a")) {
            try await tracker.checkReplica(tenant: one, cluster: "c1", replica: "b", now: at(6), maxClusters: 0)
        }
        await #expect(throws: HATrackerError.replicasNotMatch(replica: "a", elected: "b")) {
            try await tracker.checkReplica(tenant: two, cluster: "c1", replica: "a", now: at(6), maxClusters: 0)
        }
        #expect(tracker.clusters(tenant: one).keys.sorted() == ["c1", "c2", "c3"])
        #expect(tracker.clusters(tenant: two).mapValues(\.replica) == ["c1": "b"])
        await tracker.stop()
    }

    @Test func pushesWithoutBothLabelsOrWithTheTrackerOffAreAcceptedUntouched() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        #expect(try await tracker.checkReplica(tenant: user, cluster: "", replica: "a", now: at(0), maxClusters: 1) == .accepted)
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "", now: at(0), maxClusters: 1) == .accepted)
        #expect(kv.casCalls == 0)
        let off = try HATracker(kv: kv, config: HATrackerConfig(enabled: false), updateTimeoutJitter: .zero)
        try await off.start()
        #expect(try await off.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 1) == .accepted)
        #expect(kv.casCalls == 0)
        await tracker.stop()
        await off.stop()
    }

    @Test func aSecondDistributorLearnsElectionsThroughTheWatch() async throws {
        let shared = InMemoryKV()
        let kvA = CountingKV(shared)
        let kvB = CountingKV(shared)
        let trackerA = try await makeTracker(kvA)
        let user = try tenant("team-1")
        _ = try await trackerA.checkReplica(tenant: user, cluster: "old", replica: "a", now: at(0), maxClusters: 0)
        // B starts after A's first election: start() reads it before returning.
        let trackerB = try await makeTracker(kvB)
        #expect(trackerB.electedReplica(tenant: user, cluster: "old")?.replica == "a")
        // A later election reaches B through the watch; B then decides without the store.
        _ = try await trackerA.checkReplica(tenant: user, cluster: "new", replica: "a", now: at(1), maxClusters: 0)
        try await eventually("B to see A's election of cluster new") {
            trackerB.electedReplica(tenant: user, cluster: "new")?.replica == "a"
        }
        await #expect(throws: HATrackerError.replicasNotMatch(replica: "b", elected: "a")) {
            try await trackerB.checkReplica(tenant: user, cluster: "new", replica: "b", now: at(2), maxClusters: 0)
        }
        #expect(try await trackerB.checkReplica(tenant: user, cluster: "new", replica: "a", now: at(2), maxClusters: 0) == .accepted)
        #expect(kvB.casCalls == 0)
        // The watched clusters count towards B's limit too.
        await #expect(throws: HATrackerError.tooManyClusters(limit: 2)) {
            try await trackerB.checkReplica(tenant: user, cluster: "third", replica: "a", now: at(2), maxClusters: 2)
        }
        // A refresh written by A (15 s later) moves B's cached receivedAt too.
        _ = try await trackerA.checkReplica(tenant: user, cluster: "new", replica: "a", now: at(16), maxClusters: 0)
        try await eventually("B to see A's refresh") {
            trackerB.electedReplica(tenant: user, cluster: "new")?.receivedAt == at(16)
        }
        await trackerA.stop()
        await trackerB.stop()
    }

    @Test func storeFailuresAreReportedButDoNotInterruptTheElectedReplica() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 0)
        kv.setFailing(true)
        // A new cluster needs the store.
        do {
            _ = try await tracker.checkReplica(tenant: user, cluster: "other", replica: "a", now: at(1), maxClusters: 0)
            Issue.record("a new cluster was elected without the store")
        } catch {
            guard case .kvUnavailable(let key, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(key == "ha-tracker/team-1/other")
            #expect(error.httpStatus == 503)
            #expect(error.description.contains("err-strata-ha-tracker-kv-unavailable"))
        }
        // The elected replica's refresh fails, but nobody can have failed over before 30 s.
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(16), maxClusters: 0) == .accepted)
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(29), maxClusters: 0) == .accepted)
        await #expect(throws: HATrackerError.self) {
            try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(30), maxClusters: 0)
        }
        // Back in service: the refresh goes through.
        kv.setFailing(false)
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(31), maxClusters: 0) == .accepted)
        #expect(try await storedDesc(kv, user, "prom")?.receivedAt == at(31))
        await tracker.stop()
    }

    @Test func aCorruptValueInTheStoreIsReportedWithItsKey() async throws {
        let kv = CountingKV(InMemoryKV())
        try await kv.casBytes("ha-tracker/team-1/prom") { _ in Array("{\"format_version\":1}".utf8) }
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        #expect(tracker.electedReplica(tenant: user, cluster: "prom") == nil)
        do {
            _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 0)
            Issue.record("a corrupt value was overwritten")
        } catch {
            guard case .corruptValue(let key, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(key == "ha-tracker/team-1/prom")
            #expect(error.httpStatus == 500)
            #expect(error.description.contains("etcdctl del ha-tracker/team-1/prom"))
        }
        // After the operator deletes the key, the next push elects.
        try await kv.delete("ha-tracker/team-1/prom")
        #expect(try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(1), maxClusters: 0) == .elected(previous: nil))
        await tracker.stop()
    }

    @Test func cleanupMarksSilentClustersThenDeletesThem() async throws {
        let kv = CountingKV(InMemoryKV())
        let tracker = try await makeTracker(kv)
        let user = try tenant("team-1")
        _ = try await tracker.checkReplica(tenant: user, cluster: "gone", replica: "a", now: at(0), maxClusters: 0)
        _ = try await tracker.checkReplica(tenant: user, cluster: "live", replica: "a", now: at(0), maxClusters: 0)
        _ = try await tracker.checkReplica(tenant: user, cluster: "live", replica: "a", now: at(1790), maxClusters: 0)
        let halfHour = 30.0 * 60

        #expect(await tracker.cleanupOldReplicas(now: at(halfHour)) == HATracker.CleanupSummary())
        let first = await tracker.cleanupOldReplicas(now: at(halfHour + 1))
        #expect(first == HATracker.CleanupSummary(marked: 1, deleted: 0, failed: 0))
        #expect(try await storedDesc(kv, user, "gone")?.deletedAt == at(halfHour + 1))
        // A marked cluster no longer counts: a new one fits under a limit of 2.
        #expect(tracker.clusters(tenant: user).keys.sorted() == ["live"])
        #expect(try await tracker.checkReplica(tenant: user, cluster: "new", replica: "a", now: at(halfHour + 2), maxClusters: 2)
            == .elected(previous: nil))

        let second = await tracker.cleanupOldReplicas(now: at(2 * halfHour + 2))
        #expect(second.deleted == 1)
        #expect(try await kv.get("ha-tracker/team-1/gone") == nil)
        // A push for a deleted cluster elects again (Mimir: the replica is recreated on the next sample).
        _ = try await tracker.checkReplica(tenant: user, cluster: "live", replica: "a", now: at(2 * halfHour + 3), maxClusters: 0)
        #expect(try await tracker.checkReplica(tenant: user, cluster: "gone", replica: "b", now: at(2 * halfHour + 3), maxClusters: 0)
            == .elected(previous: nil))
        await tracker.stop()
    }

    @Test func metricsUseMimirsNamesWithStrataPrefix() async throws {
        let kv = CountingKV(InMemoryKV())
        let metrics = RecordingMetrics()
        let tracker = try await makeTracker(kv, metrics: metrics)
        let user = try tenant("team-1")
        let dims = [("user", "team-1"), ("cluster", "prom")]
        _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "a", now: at(0), maxClusters: 0)
        _ = try await tracker.checkReplica(tenant: user, cluster: "prom", replica: "b", now: at(40), maxClusters: 0)
        #expect(metrics.value("strata_ha_tracker_elected_replica_changes_total", dims) == 2)
        #expect(metrics.value("strata_ha_tracker_elected_replica_timestamp_seconds", dims) == Double(at(40)) / 1000)
        #expect(metrics.value("strata_ha_tracker_last_election_timestamp_seconds", dims) == Double(at(40)) / 1000)
        #expect(metrics.value("strata_ha_tracker_reelections_total", dims) == 1)
        #expect(metrics.value("strata_ha_tracker_kv_store_cas_total", dims) == 2)
        tracker.recordDeduplicated(tenant: user, cluster: "prom", samples: 500)
        tracker.recordNonHASamples(tenant: user, samples: 7)
        #expect(metrics.value("strata_distributor_deduped_samples_total", dims) == 500)
        #expect(metrics.value("strata_distributor_non_ha_samples_received_total", [("user", "team-1")]) == 7)
        // A cluster the cleanup marks deleted loses its series.
        await tracker.cleanupOldReplicas(now: at(40 + 30 * 60 + 1))
        #expect(metrics.value("strata_ha_tracker_elected_replica_changes_total", dims) == nil)
        #expect(metrics.value("strata_ha_tracker_replicas_cleanup_marked_for_deletion_total") == 1)
        await tracker.stop()
    }
}
