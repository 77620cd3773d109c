import StrataRing
import StrataServer
import Testing

/// An in-process Strata whose ingester ring holds its own active `ingester-a` and a silent
/// `ingester-ghost` an operator wants forgotten: the setup of the ring page's Forget tests.
struct RingWithGhost {
    let strata: InProcessStrata
    let ring: Ring
    let lifecycler: RingLifecycler

    /// Starts the ring and lifecycler, adds the ghost through the KV and waits until the ring
    /// sees both instances.
    static func start() async throws -> RingWithGhost {
        let strata = try await InProcessStrata {
            $0.ingesterRing.instanceID = "ingester-a"
            $0.ingesterRing.heartbeatTimeout = .seconds(60)
        }
        let lifecycler = try #require(strata.components.ingesterLifecycler)
        let ring = try #require(strata.components.ingesterRing)
        let kv = try #require(strata.components.ringKV)
        ring.start()
        try await lifecycler.start()
        try await lifecycler.changeState(to: .active)
        let ghost = InstanceDesc(id: "ingester-ghost", address: "10.0.0.9:9095", zone: "", state: .active,
                                 tokens: [1, 2, 3], heartbeatTimestamp: 1, registeredTimestamp: 1)
        try await kv.cas(RingKey.ingester) { current in
            var desc = current ?? RingDesc()
            desc.upsert(ghost)
            return desc
        }
        try await waitUntil { ring.instances.count == 2 }
        #expect(ring.instances.count == 2)
        return RingWithGhost(strata: strata, ring: ring, lifecycler: lifecycler)
    }

    /// Waits until the ghost is gone, checks only `ingester-a` is left, and stops the ring.
    func expectGhostForgottenAndStop() async throws {
        try await waitUntil { ring.instances.count == 1 }
        #expect(ring.instances.map(\.id) == ["ingester-a"])
        try await lifecycler.stop()
        await ring.stop()
    }
}

/// Polls `condition` for up to 30 s: the ring sees KV changes through its watch, asynchronously.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<1500 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
}
