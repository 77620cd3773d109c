import StrataRing

/// A started `Ring` over a fresh in-memory KV holding `count` ACTIVE instances named
/// `ingester-N`, with deterministic tokens. Instances in `stale` heartbeated an hour ago; zones
/// cycle through `zones`. Returns once the ring client has read the value.
public func startedRing(count: Int, zones: [String] = [""], replicationFactor: Int = 3, stale: Set<Int> = [],
                        zoneAware: Bool = false) async throws -> Ring {
    let kv = InMemoryKV()
    let now = UnixClock.now()
    var desc = RingDesc()
    var generator = SeededRandom(seed: 7)
    for index in 0..<count {
        let tokens = try TokenGenerator.generate(count: 128, taken: desc.allTokens, using: &generator)
        desc.upsert(InstanceDesc(
            id: "ingester-\(index)", address: "127.0.0.1:\(9100 + index)", zone: zones[index % zones.count], state: .active,
            tokens: tokens, heartbeatTimestamp: stale.contains(index) ? now - 3600 : now, registeredTimestamp: now))
    }
    try await kv.cas("ring") { _ in desc }
    // Health is judged at the moment the ring was built, not by the wall clock: a test starved
    // of CPU on a busy machine must not see its live instances' heartbeats go stale.
    let ring = Ring(kv: kv, key: "ring", config: RingConfig(replicationFactor: replicationFactor, zoneAwarenessEnabled: zoneAware),
                    clock: { now })
    ring.start()
    while ring.updateCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
    return ring
}
