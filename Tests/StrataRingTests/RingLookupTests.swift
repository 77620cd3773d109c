import StrataTestSupport
import Testing
@testable import StrataRing

@Suite("Ring lookup: ownership, replication sets, health")
struct RingLookupTests {
    static let now: Int64 = 1000
    static let rf3 = RingConfig(replicationFactor: 3, heartbeatTimeout: .seconds(60))

    @Test func tokenOwnershipIsCloseToUniformWith128Tokens() throws {
        let lookup = RingLookup(ring: try makeRing(count: 10))
        let shares = lookup.ownership()
        #expect(shares.count == 10)
        #expect(abs(shares.values.reduce(0, +) - 1) < 1e-9)
        for (id, share) in shares {
            #expect(share > 0.075 && share < 0.125, "instance \(id) owns \(share * 100)% (expected 10% ± 25%)")
        }
        #expect(lookup.tokens.count == 10 * 128)
    }

    @Test func generatedTokensAreUniqueAcrossTheRing() throws {
        let ring = try makeRing(count: 20)
        let all = ring.instances.values.flatMap(\.tokens)
        #expect(Set(all).count == all.count)
        #expect(ring.instances.values.allSatisfy { $0.tokens == $0.tokens.sorted() && $0.tokens.count == 128 })
    }

    @Test func replicationSetsHaveRFDistinctInstancesAndMimirQuorum() throws {
        let lookup = RingLookup(ring: try makeRing(count: 6))
        var generator = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            let key = UInt32.random(in: .min ... .max, using: &generator)
            let set = try lookup.replicationSet(forKey: key, operation: .write, config: Self.rf3, now: Self.now)
            #expect(set.instances.count == 3)
            #expect(Set(set.instances.map(\.id)).count == 3)
            #expect(set.maxErrors == 1)
            #expect(set.minimumSuccesses == 2)
            #expect(set.maxUnavailableZones == 0)
        }
        #expect(ReplicationSet.quorum(replicationFactor: 3) == 2)
        #expect(ReplicationSet.quorum(replicationFactor: 5) == 3)
        #expect(ReplicationSet.quorum(replicationFactor: 1) == 1)
    }

    @Test func firstReplicaOwnsTheFirstTokenClockwiseFromTheKey() throws {
        var ring = RingDesc()
        ring.upsert(InstanceDesc(id: "a", address: "a:1", state: .active, tokens: [100, 1000], heartbeatTimestamp: Self.now, registeredTimestamp: 0))
        ring.upsert(InstanceDesc(id: "b", address: "b:1", state: .active, tokens: [200], heartbeatTimestamp: Self.now, registeredTimestamp: 0))
        ring.upsert(InstanceDesc(id: "c", address: "c:1", state: .active, tokens: [300], heartbeatTimestamp: Self.now, registeredTimestamp: 0))
        let lookup = RingLookup(ring: ring)
        let cases: [(UInt32, [String])] = [
            (50, ["a", "b", "c"]), (100, ["a", "b", "c"]), (101, ["b", "c", "a"]),
            (250, ["c", "a", "b"]), (999, ["a", "b", "c"]), (5000, ["a", "b", "c"]),
        ]
        for (key, expected) in cases {
            let set = try lookup.replicationSet(forKey: key, operation: .write, config: Self.rf3, now: Self.now)
            #expect(set.instances.map(\.id) == expected, "key \(key)")
        }
        // Ownership: a owns (300, 100] across zero plus (300, 1000]... computed over arcs.
        let shares = lookup.ownership()
        let total = Double(UInt64(1) << 32)
        #expect(shares["b"] == 100 / total)
        #expect(shares["c"] == 100 / total)
    }

    @Test func zoneAwarenessPutsReplicasInDistinctZones() throws {
        let lookup = RingLookup(ring: try makeRing(count: 9, zones: ["zone-a", "zone-b", "zone-c"]))
        let config = RingConfig(replicationFactor: 3, zoneAwarenessEnabled: true)
        var generator = SeededRandom(seed: 11)
        for _ in 0..<2000 {
            let key = UInt32.random(in: .min ... .max, using: &generator)
            let set = try lookup.replicationSet(forKey: key, operation: .write, config: config, now: Self.now)
            #expect(set.instances.count == 3)
            #expect(Set(set.instances.map(\.zone)).count == 3)
            #expect(set.maxErrors == 0)
            #expect(set.maxUnavailableZones == 1)
        }
    }

    @Test func zoneAwarenessWithOneZoneDownToleratesNoMoreZones() throws {
        var ring = try makeRing(count: 9, zones: ["zone-a", "zone-b", "zone-c"])
        for id in ring.instances.keys where ring.instances[id]?.zone == "zone-c" {
            ring.instances[id]?.heartbeatTimestamp = Self.now - 3600
        }
        let config = RingConfig(replicationFactor: 3, zoneAwarenessEnabled: true)
        let set = try RingLookup(ring: ring).replicationSet(forKey: 12345, operation: .write, config: config, now: Self.now)
        #expect(Set(set.instances.map(\.zone)) == ["zone-a", "zone-b"])
        #expect(set.maxUnavailableZones == 0)
    }

    @Test func instancesUnfitForTheOperationAreSkipped() throws {
        var ring = try makeRing(count: 6)
        ring.instances["instance-0"]?.state = .joining
        ring.instances["instance-1"]?.state = .leaving
        ring.instances["instance-2"]?.heartbeatTimestamp = Self.now - 61
        ring.instances["instance-3"]?.readOnly = true
        ring.instances["instance-4"]?.state = .pending
        let lookup = RingLookup(ring: ring)
        var generator = SeededRandom(seed: 3)
        var readIDs = Set<String>()
        for _ in 0..<500 {
            let key = UInt32.random(in: .min ... .max, using: &generator)
            // Only instance-5 can take writes: 1 of a quorum of 2 → refused.
            #expect(throws: RingError.tooFewHealthyInstances(operation: .write, required: 2, found: 1)) {
                try lookup.replicationSet(forKey: key, operation: .write, config: Self.rf3, now: Self.now)
            }
            let read = try lookup.replicationSet(forKey: key, operation: .read, config: Self.rf3, now: Self.now)
            #expect(read.instances.count == 3)
            #expect(read.maxErrors == 1)
            readIDs.formUnion(read.instances.map(\.id))
        }
        // Reads use ACTIVE (incl. read-only) and LEAVING, never JOINING, PENDING or stale ones.
        #expect(readIDs == ["instance-1", "instance-3", "instance-5"])

        ring.instances["instance-0"]?.state = .active
        let write = try RingLookup(ring: ring).replicationSet(forKey: 1, operation: .write, config: Self.rf3, now: Self.now)
        #expect(Set(write.instances.map(\.id)) == ["instance-0", "instance-5"])
        #expect(write.maxErrors == 0)
    }

    @Test func heartbeatTimeoutBoundary() {
        let instance = InstanceDesc(id: "x", address: "x:1", state: .active, tokens: [1], heartbeatTimestamp: 100, registeredTimestamp: 100)
        #expect(instance.isHeartbeatFresh(now: 160, heartbeatTimeout: .seconds(60)))
        #expect(!instance.isHeartbeatFresh(now: 161, heartbeatTimeout: .seconds(60)))
        #expect(instance.isHeartbeatFresh(now: 1_000_000, heartbeatTimeout: .zero))
        #expect(instance.isHeartbeatFresh(now: 102, heartbeatTimeout: .milliseconds(1500)))
        #expect(!instance.isHeartbeatFresh(now: 103, heartbeatTimeout: .milliseconds(1500)))
    }

    @Test func emptyRingAndTooSmallRingAreErrors() throws {
        #expect(throws: RingError.emptyRing) {
            try RingLookup(ring: RingDesc()).replicationSet(forKey: 1, operation: .read, config: Self.rf3, now: Self.now)
        }
        let one = RingLookup(ring: try makeRing(count: 1))
        #expect(throws: RingError.tooFewHealthyInstances(operation: .write, required: 2, found: 1)) {
            try one.replicationSet(forKey: 1, operation: .write, config: Self.rf3, now: Self.now)
        }
        let single = try one.replicationSet(forKey: 1, operation: .write, config: RingConfig(replicationFactor: 1), now: Self.now)
        #expect(single.instances.count == 1 && single.maxErrors == 0)
    }

    @Test func conflictingTokensGoToTheSmallerInstanceID() {
        var ring = RingDesc()
        ring.upsert(InstanceDesc(id: "b", address: "b:1", state: .active, tokens: [10, 20], heartbeatTimestamp: Self.now, registeredTimestamp: 0))
        ring.upsert(InstanceDesc(id: "a", address: "a:1", state: .active, tokens: [20], heartbeatTimestamp: Self.now, registeredTimestamp: 0))
        let lookup = RingLookup(ring: ring)
        #expect(lookup.tokens == [10, 20])
        #expect(lookup.instances[Int(lookup.owners[1])].id == "a")
    }

    @Test func tokenGenerationAvoidsTakenTokensAndFailsWhenSpaceIsFull() throws {
        var generator = SeededRandom(seed: 5)
        let taken = Set<UInt32>((0..<1000).map { UInt32($0) })
        let tokens = try TokenGenerator.generate(count: 500, taken: taken, using: &generator)
        #expect(tokens.count == 500 && Set(tokens).isDisjoint(with: taken) && tokens == tokens.sorted())

        struct Constant: RandomNumberGenerator {
            mutating func next() -> UInt64 { 7 }
        }
        var constant = Constant()
        #expect(throws: RingError.self) {
            try TokenGenerator.generate(count: 2, taken: [], using: &constant)
        }
    }
}

@Suite struct BlocksSyncOwnershipTests {
    /// Ownership of a block takes JOINING instances and ignores the quorum: one store-gateway
    /// owns everything, and a joining one already owns its share.
    @Test func joiningInstancesOwnAndNoQuorumIsNeeded() throws {
        var ring = try makeRing(count: 1)
        let lookup = RingLookup(ring: ring)
        let config = RingConfig(replicationFactor: 3, heartbeatTimeout: .seconds(60))
        let alone = try lookup.replicationSet(forKey: 7, operation: .blocksSync, config: config, now: 1000)
        #expect(alone.instances.map(\.id) == ["instance-0"])
        #expect(throws: RingError.self) { try lookup.replicationSet(forKey: 7, operation: .write, config: config, now: 1000) }

        let joining = try makeRing(count: 3, state: .joining, seed: 9)
        for instance in joining.instances.values { ring.upsert(InstanceDesc(
            id: "joining-" + instance.id, address: instance.address, state: .joining, tokens: instance.tokens.map { $0 &+ 1 },
            heartbeatTimestamp: 1000, registeredTimestamp: 1000)) }
        let grown = RingLookup(ring: ring)
        var sawJoining = false
        for key in stride(from: UInt32(0), to: UInt32.max - 100_000_000, by: 100_000_000) {
            let set = try grown.replicationSet(forKey: key, operation: .blocksSync, config: config, now: 1000)
            #expect(set.instances.count == 3)
            if set.instances.contains(where: { $0.state == .joining }) { sawJoining = true }
            let read = try grown.replicationSet(forKey: key, operation: .read, config: RingConfig(replicationFactor: 1), now: 1000)
            #expect(read.instances.allSatisfy { $0.state == .active })
        }
        #expect(sawJoining)
    }
}
