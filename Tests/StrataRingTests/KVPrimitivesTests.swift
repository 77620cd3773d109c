import Testing
@testable import StrataRing

@Suite("KV bytes primitives on the in-memory store")
struct KVPrimitivesTests {
    @Test func casBytesReturnsWhatIsStoredWithItsVersion() async throws {
        let kv = InMemoryKV()
        let first = try await kv.casBytes("k") { current in
            #expect(current == nil)
            return [1, 2, 3]
        }
        #expect(first == KVValue(bytes: [1, 2, 3], version: 1))
        // nil from update: nothing written, the value shown is returned.
        let unchanged = try await kv.casBytes("k") { current in
            #expect(current == [1, 2, 3])
            return nil
        }
        #expect(unchanged == first)
        let second = try await kv.casBytes("k") { _ in [4] }
        #expect(second == KVValue(bytes: [4], version: 2))
        let stored = try #require(try await kv.get("k"))
        #expect(stored.value == [4] && stored.version == 2)
        // Absent key and nil update: nil.
        #expect(try await kv.casBytes("absent") { _ in nil } == nil)
    }

    @Test func watchBytesDeliversTheCurrentValueChangesAndDeletion() async throws {
        let kv = InMemoryKV()
        try await kv.casBytes("k") { _ in [1] }
        var iterator = kv.watchBytes("k").makeAsyncIterator()
        #expect(try await iterator.next() == .some([1]))
        try await kv.casBytes("other") { _ in [9] }
        try await kv.casBytes("k") { _ in [2] }
        #expect(try await iterator.next() == .some([2]))
        try await kv.delete("k")
        #expect(try await iterator.next() == .some(nil))
    }

    @Test func watchPrefixSendsASnapshotThenEveryChangeUnderThePrefixInOrder() async throws {
        let kv = InMemoryKV()
        try await kv.casBytes("ha/a") { _ in [1] }
        try await kv.casBytes("ha/b") { _ in [2] }
        try await kv.casBytes("hb") { _ in [3] }
        var iterator = kv.watchPrefix("ha/").makeAsyncIterator()
        let snapshot = try await iterator.next()
        #expect(snapshot == .snapshot(
            values: ["ha/a": KVValue(bytes: [1], version: 1), "ha/b": KVValue(bytes: [2], version: 2)], revision: 3))

        // Several changes in a row: none is skipped, and keys outside the prefix are not delivered.
        try await kv.casBytes("ha/c") { _ in [4] }
        try await kv.casBytes("hb") { _ in [5] }
        try await kv.casBytes("ha/a") { _ in [6] }
        try await kv.delete("ha/b")
        try await kv.delete("ha/never-existed")
        #expect(try await iterator.next() == .put(key: "ha/c", value: KVValue(bytes: [4], version: 4)))
        #expect(try await iterator.next() == .put(key: "ha/a", value: KVValue(bytes: [6], version: 6)))
        #expect(try await iterator.next() == .delete(key: "ha/b", version: 7))
    }

    @Test func ringCASAndWatchReportAValueThatIsNotARing() async throws {
        let kv = InMemoryKV()
        try await kv.casBytes("ring") { _ in Array("not json".utf8) }
        await #expect(throws: RingError.self) {
            try await kv.cas("ring") { ring in ring }
        }
        do {
            for try await _ in kv.watch("ring") { Issue.record("a corrupt ring was delivered") }
            Issue.record("the watch of a corrupt ring ended without an error")
        } catch let error as RingError {
            guard case .corruptValue(let key, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(key == "ring")
        }
    }

    @Test func etcdPrefixRangeEnds() {
        #expect(EtcdRange.prefixEnd(Array("ha-tracker/".utf8)) == Array("ha-tracker0".utf8))
        #expect(EtcdRange.prefixEnd([0x61, 0xff, 0xff]) == [0x62])
        #expect(EtcdRange.prefixEnd([0xff]) == [0])
        #expect(EtcdRange.prefix("") == EtcdRange(key: [0], rangeEnd: [0]))
        #expect(EtcdRange.key("a").rangeEnd == nil)
    }
}
