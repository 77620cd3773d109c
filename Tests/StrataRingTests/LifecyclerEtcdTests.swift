import StrataTestSupport
import Foundation
import Testing
@testable import StrataRing

@Suite("RingLifecycler and Ring on a real etcd", .serialized)
struct LifecyclerEtcdTests {
    static let heartbeatPeriod: Duration = .milliseconds(200)
    // Several heartbeat periods, so a busy test machine does not make live instances look dead.
    static let heartbeatTimeout: Duration = .seconds(5)
    static let ringConfig = RingConfig(replicationFactor: 3, heartbeatTimeout: heartbeatTimeout)

    static func lifecycler(
        _ id: String, kv: EtcdKV, period: Duration = heartbeatPeriod, tokensFile: String? = nil,
        unregister: Bool = true
    ) -> RingLifecycler {
        RingLifecycler(kv: kv, config: LifecyclerConfig(
            instanceID: id, address: "127.0.0.1:\(9095)", ringKey: RingKey.ingester, heartbeatPeriod: period,
            tokensFilePath: tokensFile, unregisterOnShutdown: unregister))
    }

    @Test func threeInstancesJoinThenOneDiesIsSkippedAndForgottenAndOneLeavesCleanly() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint]) { kvA in
                try await withClient([etcd.endpoint]) { kvB in
                    try await withClient([etcd.endpoint]) { kvC in
                        let a = Self.lifecycler("ingester-a", kv: kvA)
                        let b = Self.lifecycler("ingester-b", kv: kvB)
                        // c heartbeats once an hour: after registering it falls silent, as if it had crashed.
                        let c = Self.lifecycler("ingester-c", kv: kvC, period: .seconds(3600))
                        let rings = [kvA, kvB, kvC].map { Ring(kv: $0, key: RingKey.ingester, config: Self.ringConfig) }
                        for ring in rings { ring.start() }
                        async let startA: Void = a.start()
                        async let startB: Void = b.start()
                        async let startC: Void = c.start()
                        _ = try await (startA, startB, startC)
                        for lifecycler in [a, b, c] { try await lifecycler.changeState(to: .active) }

                        // States, not health: c's one heartbeat may already be older than the
                        // 2 s timeout when a busy machine gets here.
                        for ring in rings {
                            try await eventually("every client to see 3 ACTIVE instances") {
                                ring.instances.count == 3 && ring.instances.allSatisfy { $0.state == .active }
                            }
                        }
                        let all = rings[0].desc.instances.values.flatMap(\.tokens)
                        #expect(all.count == 3 * 128 && Set(all).count == all.count)
                        // Health as of c's last heartbeat, when all three were alive.
                        let cAlive = try #require(rings[0].desc.instances["ingester-c"]).heartbeatTimestamp
                        let set = try RingLookup(ring: rings[0].desc)
                            .replicationSet(forKey: 42, operation: .write, config: Self.ringConfig, now: cAlive)
                        #expect(set.instances.count == 3 && set.maxErrors == 1)

                        // Health is judged at a moment read from the ring itself, not from the
                        // wall clock: `now` is the older of a's and b's latest heartbeats, so both
                        // are fresh by construction, and the test waits until c's one heartbeat
                        // is older than the timeout at that moment. A busy machine that delays a
                        // heartbeat or a watch event only makes the wait longer.
                        let timeoutSeconds = Self.heartbeatTimeout.components.seconds
                        var judged: (desc: RingDesc, now: Int64)?
                        try await eventually("ingester-c's heartbeat to fall behind a's and b's by the timeout", timeout: .seconds(120)) {
                            let desc = rings[0].desc
                            guard let a = desc.instances["ingester-a"]?.heartbeatTimestamp,
                                  let b = desc.instances["ingester-b"]?.heartbeatTimestamp,
                                  let c = desc.instances["ingester-c"]?.heartbeatTimestamp else { return false }
                            let now = min(a, b)
                            guard now - c > timeoutSeconds else { return false }
                            judged = (desc, now)
                            return true
                        }
                        let (desc, now) = try #require(judged)
                        func healthy(_ id: String) -> Bool {
                            desc.instances[id]?.isHealthy(for: .write, now: now, heartbeatTimeout: Self.heartbeatTimeout) ?? false
                        }
                        #expect(!healthy("ingester-c"))
                        #expect(healthy("ingester-a"))
                        #expect(healthy("ingester-b"))
                        let lookup = try RingLookup(ring: desc)
                        var generator = SeededRandom(seed: 1)
                        for _ in 0..<200 {
                            let key = UInt32.random(in: .min ... .max, using: &generator)
                            let write = try lookup.replicationSet(forKey: key, operation: .write, config: Self.ringConfig, now: now)
                            #expect(Set(write.instances.map(\.id)) == ["ingester-a", "ingester-b"])
                            #expect(write.maxErrors == 0)
                        }
                        let page = RingStatusPage(ring: desc, now: now, heartbeatTimeout: Self.heartbeatTimeout)
                        #expect(page.rows.first { $0.id == "ingester-c" }?.state == RingStatusPage.unhealthyState)

                        try await rings[0].forget(instanceID: "ingester-c")
                        for ring in rings {
                            try await eventually("ingester-c to be forgotten everywhere") {
                                ring.desc.instances["ingester-c"] == nil
                            }
                        }
                        // A few heartbeats of a and b later, c is still gone (nobody re-adds it).
                        try await Task.sleep(for: Self.heartbeatPeriod * 3)
                        #expect(rings[1].desc.instances.keys.sorted() == ["ingester-a", "ingester-b"])

                        try await b.stop()
                        for ring in rings {
                            try await eventually("ingester-b to unregister") {
                                ring.desc.instances.keys.sorted() == ["ingester-a"]
                            }
                        }
                        #expect(b.currentState == nil)
                        try await a.stop()
                        try await eventually("the ring to be empty") { rings[2].instances.isEmpty }
                        for ring in rings { await ring.stop() }
                    }
                }
            }
        }
    }

    @Test func forgottenLiveInstanceReRegistersAtItsNextHeartbeat() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint]) { kv in
                let a = Self.lifecycler("ingester-a", kv: kv)
                try await a.start()
                try await a.changeState(to: .active)
                let tokens = a.tokens
                try await a.forget(instanceID: "ingester-a")
                try await eventually("ingester-a to be back") {
                    try await kv.getRing(RingKey.ingester)?.instances["ingester-a"]?.tokens == tokens
                }
                #expect(try await kv.getRing(RingKey.ingester)?.instances["ingester-a"]?.state == .active)
                try await a.stop()
            }
        }
    }

    @Test func tokensFileIsReusedAfterRestartAndUnregisterOffKeepsTheEntry() async throws {
        try await withEtcd { etcd in
            let dir = try TemporaryDirectory()
            let path = dir.path + "/tokens"
            try await withClient([etcd.endpoint]) { kv in
                let first = Self.lifecycler("ingester-a", kv: kv, tokensFile: path)
                try await first.start()
                let tokens = first.tokens
                #expect(tokens.count == 128)
                #expect(try TokensFile.load(path: path) == tokens)
                try await first.stop()
                #expect(try await kv.getRing(RingKey.ingester)?.instances.isEmpty == true)

                let restarted = Self.lifecycler("ingester-a", kv: kv, tokensFile: path, unregister: false)
                try await restarted.start()
                #expect(restarted.tokens == tokens)
                let registered = try await kv.getRing(RingKey.ingester)?.instances["ingester-a"]
                #expect(registered?.tokens == tokens)
                #expect(registered?.state == .joining)
                try await restarted.changeState(to: .active)
                try await restarted.stop()
                // unregisterOnShutdown false: the entry stays, LEAVING, with its tokens.
                let kept = try await kv.getRing(RingKey.ingester)?.instances["ingester-a"]
                #expect(kept?.state == .leaving)
                #expect(kept?.tokens == tokens)

                // Without a tokens file, a restart takes the tokens of its own entry left in the ring.
                let noFile = Self.lifecycler("ingester-a", kv: kv)
                try await noFile.start()
                #expect(noFile.tokens == tokens)
                try await noFile.stop()
            }
        }
    }
}
