import StrataTestSupport
import Synchronization
import Testing
@testable import StrataRing

@Suite("InMemoryKV")
struct InMemoryKVTests {
    @Test func concurrentCASNeverLosesAnUpdate() async throws {
        let kv = InMemoryKV()
        let writers = 64
        let updatesPerWriter = 5
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for update in 0..<updatesPerWriter {
                        try await kv.cas("ring") { ring in
                            var ring = ring ?? RingDesc()
                            ring.upsert(plainInstance("w\(writer)-\(update)"))
                            return ring
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let ring = try #require(try await kv.getRing("ring"))
        #expect(ring.instances.count == writers * updatesPerWriter)
        let version = try #require(try await kv.get("ring")).version
        #expect(version == Int64(writers * updatesPerWriter))
    }

    @Test func watchSeesTheCurrentValueAndEveryFinalState() async throws {
        let kv = InMemoryKV()
        try await kv.cas("ring") { _ in RingDesc(instances: ["seed": plainInstance("seed")]) }
        var iterator = kv.watch("ring").makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first??.instances.keys.sorted() == ["seed"])

        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<20 {
                group.addTask {
                    try await kv.cas("ring") { ring in
                        var ring = ring ?? RingDesc()
                        ring.upsert(plainInstance("w\(writer)"))
                        return ring
                    }
                }
            }
            try await group.waitForAll()
        }
        var last: RingDesc?
        while last?.instances.count != 21 {
            guard let value = try await iterator.next() else { break }
            last = value
        }
        #expect(last?.instances.count == 21)

        try await kv.delete("ring")
        let afterDelete = try await iterator.next()
        #expect(afterDelete == .some(nil))
        #expect(try await kv.get("ring") == nil)
    }

    @Test func casReturningNilLeavesTheValueAndErrorsPropagate() async throws {
        let kv = InMemoryKV()
        try await kv.cas("ring") { _ in nil }
        #expect(try await kv.get("ring") == nil)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await kv.cas("ring") { _ in throw Refused() } }
    }

    @Test func lifecyclerAndRingClientOnTheInMemoryStore() async throws {
        let kv = InMemoryKV()
        let ring = Ring(kv: kv, key: RingKey.ingester, config: RingConfig(replicationFactor: 1))
        ring.start()
        let lifecycler = RingLifecycler(kv: kv, config: LifecyclerConfig(instanceID: "solo", address: "127.0.0.1:9095"))
        await #expect(throws: RingError.notRegistered(instanceID: "solo", ringKey: RingKey.ingester)) {
            try await lifecycler.changeState(to: .active)
        }
        try await lifecycler.start()
        #expect(lifecycler.currentState == .joining)
        #expect(lifecycler.tokens.count == 128)
        // Generous waits: on a busy machine the watch task may get no CPU for a long while.
        try await eventually("the instance to be visible as JOINING", timeout: .seconds(300)) { ring.instances.first?.state == .joining }
        #expect(throws: RingError.self) { try ring.replicationSet(forKey: 1, operation: .write) }
        try await lifecycler.changeState(to: .active)
        try await eventually("the instance to become ACTIVE", timeout: .seconds(300)) { ring.healthyInstances(for: .write).count == 1 }
        #expect(try ring.replicationSet(forKey: 99, operation: .write).instances.map(\.id) == ["solo"])
        try await lifecycler.stop()
        try await eventually("the instance to unregister", timeout: .seconds(300)) { ring.instances.isEmpty }
        await #expect(throws: RingError.self) { try await lifecycler.heartbeat() }
        await ring.stop()
    }
}
