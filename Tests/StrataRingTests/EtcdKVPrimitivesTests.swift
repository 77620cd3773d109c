import StrataTestSupport
import Testing
@testable import StrataRing

@Suite("EtcdKV bytes primitives against a real etcd", .serialized)
struct EtcdKVPrimitivesTests {
    @Test func casBytesReturnsTheWrittenValueWithItsModRevision() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint]) { kv in
                let calls = Locked(0)
                let result = try await kv.casBytes("k") { current in
                    calls.withLock { $0 += 1 }
                    #expect(current == nil)
                    return [1, 2]
                }
                #expect(calls.withLock { $0 } == 1)
                let written = try #require(result)
                #expect(written.bytes == [1, 2])
                let stored = try #require(try await kv.get("k"))
                #expect(stored.version == written.version)
                let unchanged = try await kv.casBytes("k") { current in
                    #expect(current == [1, 2])
                    return nil
                }
                #expect(unchanged == written)
                let next = try #require(try await kv.casBytes("k") { _ in [3] })
                #expect(next.version > written.version)
                #expect(try await kv.casBytes("absent") { _ in nil } == nil)
            }
        }
    }

    @Test func watchPrefixSendsSnapshotAndChangesWithStoreKeysAndSurvivesARestart() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint], prefix: "test/") { watcher in
                try await withClient([etcd.endpoint], prefix: "test/") { writer in
                    let before = try #require(try await writer.casBytes("ha/a") { _ in [1] })
                    try await writer.casBytes("hb") { _ in [2] }
                    // The same key under another store prefix is not ours.
                    try await withClient([etcd.endpoint], prefix: "other/") { other in
                        try await other.casBytes("ha/z") { _ in [0] }
                    }
                    let events = Locked<[KVPrefixEvent]>([])
                    let watching = Task {
                        for try await event in watcher.watchPrefix("ha/") { events.withLock { $0.append(event) } }
                    }
                    try await eventually("the snapshot") { events.withLock { $0.count } >= 1 }
                    guard case .snapshot(let values, let revision) = events.withLock({ $0[0] }) else {
                        Issue.record("the first event is not a snapshot: \(events.withLock { $0 })")
                        return
                    }
                    #expect(values == ["ha/a": before])
                    #expect(revision > before.version)

                    let c = try #require(try await writer.casBytes("ha/c") { _ in [3] })
                    try await writer.casBytes("hb") { _ in [4] }
                    try await writer.delete("ha/a")
                    try await eventually("the put and the delete") { events.withLock { $0.count } >= 3 }
                    #expect(events.withLock { $0[1] } == .put(key: "ha/c", value: c))
                    guard case .delete(let key, let version) = events.withLock({ $0[2] }) else {
                        Issue.record("expected a delete, got \(events.withLock { $0[2] })")
                        return
                    }
                    #expect(key == "ha/a" && version > c.version)

                    etcd.kill()
                    try await etcd.start()
                    let d = try #require(try await writer.casBytes("ha/d") { _ in [5] })
                    try await eventually("the watch to reconnect and deliver ha/d") { events.withLock { $0.count } >= 4 }
                    #expect(events.withLock { $0[3] } == .put(key: "ha/d", value: d))
                    #expect(events.withLock { $0.count } == 4)
                    watching.cancel()
                    _ = await watching.result
                }
            }
        }
    }

    @Test func watchBytesDeliversValuesAndDeletion() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint]) { kv in
                var iterator = kv.watchBytes("k").makeAsyncIterator()
                #expect(try await iterator.next() == .some(nil))
                try await kv.casBytes("k") { _ in [7] }
                #expect(try await iterator.next() == .some([7]))
                try await kv.delete("k")
                #expect(try await iterator.next() == .some(nil))
            }
        }
    }
}
