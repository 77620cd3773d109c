import StrataModel
import StrataRing
import StrataTestSupport
import Testing
@testable import StrataHATracker

/// Two distributors (two trackers, each with its own etcd client) sharing one real etcd.
@Suite("HATracker: two distributors on a real etcd", .serialized)
struct HATrackerEtcdTests {
    /// Runs `body` with two started trackers on `etcd`; stops them and closes their clients after.
    func withTwoDistributors(_ etcd: EtcdProcess, _ body: (HATracker, HATracker, EtcdKV) async throws -> Void) async throws {
        // The tracker adds its own `ha-tracker/` prefix, so the clients use none (Mimir's etcd layout).
        let config = EtcdConfig(endpoints: [etcd.endpoint], dialTimeout: .seconds(1), requestTimeout: .seconds(3), prefix: "")
        let kvA = try EtcdKV(config: config)
        let kvB = try EtcdKV(config: config)
        var trackers: [HATracker] = []
        do {
            let a = try HATracker(kv: kvA, config: enabledConfig, updateTimeoutJitter: .zero)
            try await a.start()
            trackers.append(a)
            let b = try HATracker(kv: kvB, config: enabledConfig, updateTimeoutJitter: .zero)
            try await b.start()
            trackers.append(b)
            try await body(a, b, kvA)
        } catch {
            for tracker in trackers { await tracker.stop() }
            try? await kvA.shutdown()
            try? await kvB.shutdown()
            throw error
        }
        for tracker in trackers { await tracker.stop() }
        try await kvA.shutdown()
        try await kvB.shutdown()
    }

    @Test func bothDistributorsAcceptOnlyTheSameReplica() async throws {
        try await withEtcd { etcd in
            try await withTwoDistributors(etcd) { a, b, kv in
                let user = try tenant("team-1")
                // Each distributor first hears from a different replica; the store decides for both.
                #expect(try await a.checkReplica(tenant: user, cluster: "prom", replica: "r1", now: at(0), maxClusters: 0)
                    == .elected(previous: nil))
                await #expect(throws: HATrackerError.replicasNotMatch(replica: "r2", elected: "r1")) {
                    try await b.checkReplica(tenant: user, cluster: "prom", replica: "r2", now: at(0.1), maxClusters: 0)
                }
                #expect(try await b.checkReplica(tenant: user, cluster: "prom", replica: "r1", now: at(0.2), maxClusters: 0) == .accepted)
                await #expect(throws: HATrackerError.replicasNotMatch(replica: "r2", elected: "r1")) {
                    try await a.checkReplica(tenant: user, cluster: "prom", replica: "r2", now: at(0.3), maxClusters: 0)
                }
                try await eventually("both caches to hold r1") {
                    a.electedReplica(tenant: user, cluster: "prom")?.replica == "r1"
                        && b.electedReplica(tenant: user, cluster: "prom")?.replica == "r1"
                }
                let stored = try await storedDesc(kv, user, "prom")
                #expect(stored == ReplicaDesc(replica: "r1", receivedAt: at(0), electedAt: at(0)))
                // The value sits under Mimir's key, readable with etcdctl.
                #expect(try await kv.get("ha-tracker/team-1/prom") != nil)
            }
        }
    }

    @Test func aFailoverMadeByOneDistributorIsSeenByTheOther() async throws {
        try await withEtcd { etcd in
            try await withTwoDistributors(etcd) { a, b, kv in
                let user = try tenant("team-1")
                _ = try await a.checkReplica(tenant: user, cluster: "prom", replica: "r1", now: at(0), maxClusters: 0)
                try await eventually("B to learn r1") { b.electedReplica(tenant: user, cluster: "prom")?.replica == "r1" }
                // r1 went silent; r2's push reaches B after the failover timeout.
                #expect(try await b.checkReplica(tenant: user, cluster: "prom", replica: "r2", now: at(31), maxClusters: 0)
                    == .elected(previous: "r1"))
                try await eventually("A to learn the failover to r2") {
                    a.electedReplica(tenant: user, cluster: "prom")?.replica == "r2"
                }
                await #expect(throws: HATrackerError.replicasNotMatch(replica: "r1", elected: "r2")) {
                    try await a.checkReplica(tenant: user, cluster: "prom", replica: "r1", now: at(31.5), maxClusters: 0)
                }
                #expect(try await a.checkReplica(tenant: user, cluster: "prom", replica: "r2", now: at(31.5), maxClusters: 0) == .accepted)
                #expect(try await storedDesc(kv, user, "prom")
                    == ReplicaDesc(replica: "r2", receivedAt: at(31), electedAt: at(31), electedChanges: 1))
            }
        }
    }

    @Test func racingFailoversElectExactlyOneReplica() async throws {
        try await withEtcd { etcd in
            try await withTwoDistributors(etcd) { a, b, kv in
                let user = try tenant("team-1")
                _ = try await a.checkReplica(tenant: user, cluster: "prom", replica: "old", now: at(0), maxClusters: 0)
                try await eventually("B to learn old") { b.electedReplica(tenant: user, cluster: "prom")?.replica == "old" }
                // 40 s later sixteen replicas push at once through both distributors.
                let contenders = 16
                let results = try await withThrowingTaskGroup(of: (String, Result<HADecision, HATrackerError>).self) { group in
                    for index in 0..<contenders {
                        let tracker = index.isMultiple(of: 2) ? a : b
                        let replica = "r\(index)"
                        group.addTask {
                            do throws(HATrackerError) {
                                return (replica, .success(try await tracker.checkReplica(
                                    tenant: user, cluster: "prom", replica: replica, now: at(40), maxClusters: 0)))
                            } catch {
                                return (replica, .failure(error))
                            }
                        }
                    }
                    return try await group.reduce(into: [(String, Result<HADecision, HATrackerError>)]()) { $0.append($1) }
                }
                let winners = results.filter { (try? $0.1.get()) == .elected(previous: "old") }.map(\.0)
                try #require(winners.count == 1, "winners: \(winners), all: \(results)")
                let winner = winners[0]
                for (replica, result) in results where replica != winner {
                    #expect(throws: HATrackerError.replicasNotMatch(replica: replica, elected: winner)) { try result.get() }
                }
                #expect(try await storedDesc(kv, user, "prom")
                    == ReplicaDesc(replica: winner, receivedAt: at(40), electedAt: at(40), electedChanges: 1))
                try await eventually("both caches to hold the winner") {
                    a.electedReplica(tenant: user, cluster: "prom")?.replica == winner
                        && b.electedReplica(tenant: user, cluster: "prom")?.replica == winner
                }
            }
        }
    }
}
