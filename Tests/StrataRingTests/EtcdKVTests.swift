import Foundation
import Synchronization
import StrataTestSupport
import Testing
@testable import StrataRing

@Suite("EtcdKV against a real etcd", .serialized)
struct EtcdKVTests {
    @Test func getPutDeleteAndPrefix() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint], prefix: "collectors/") { kv in
                #expect(try await kv.get("ring") == nil)
                try await kv.put("ring", value: Array("hello".utf8))
                let stored = try #require(try await kv.get("ring"))
                #expect(stored.value == Array("hello".utf8))
                #expect(stored.version > 0)
                #expect(kv.fullKey("ring") == "collectors/ring")
                // The value is not a ring: reading it as one names the key.
                do {
                    _ = try await kv.getRing("ring")
                    Issue.record("a non-ring value decoded as a ring")
                } catch let error as RingError {
                    guard case .corruptValue(let key, _) = error else {
                        Issue.record("unexpected error \(error)")
                        return
                    }
                    #expect(key == "collectors/ring")
                }
                try await kv.delete("ring")
                #expect(try await kv.get("ring") == nil)

                try await kv.cas("ring") { _ in RingDesc(instances: ["a": plainInstance("a")]) }
                #expect(try await kv.getRing("ring")?.instances.keys.sorted() == ["a"])
                // Another prefix is another ring.
                try await withClient([etcd.endpoint], prefix: "other/") { other in
                    let absent = try await other.get("ring")
                    #expect(absent == nil)
                }
            }
        }
    }

    @Test func concurrentCASFromTwoClientsLosesNoUpdate() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint], maxRetries: 200) { first in
                try await withClient([etcd.endpoint], maxRetries: 200) { second in
                    let attempts = Locked(0)
                    let writersPerClient = 8
                    let updatesPerWriter = 4
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (name, client) in [("a", first), ("b", second)] {
                            for writer in 0..<writersPerClient {
                                group.addTask {
                                    for update in 0..<updatesPerWriter {
                                        try await client.cas("ring") { ring in
                                            attempts.withLock { $0 += 1 }
                                            var ring = ring ?? RingDesc()
                                            ring.upsert(plainInstance("\(name)\(writer)-\(update)"))
                                            return ring
                                        }
                                    }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    let total = 2 * writersPerClient * updatesPerWriter
                    let ring = try #require(try await first.getRing("ring"))
                    #expect(ring.instances.count == total)
                    // Sixteen writers on one key must have collided: retries happened and none was lost.
                    let tried = attempts.withLock { $0 }
                    #expect(tried > total)
                }
            }
        }
    }

    @Test func casGivesUpWithAClearErrorAfterMaxRetries() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint], maxRetries: 3) { kv in
                try await withClient([etcd.endpoint]) { intruder in
                    // Every attempt of `kv` is overtaken by a write of `intruder` between its read and its txn.
                    let stop = Locked(false)
                    let intruding = Task {
                        var counter = 0
                        while !stop.withLock({ $0 }) {
                            counter += 1
                            try await intruder.put("ring", value: try RingCodec.encode(RingDesc(instances: ["i\(counter)": plainInstance("i\(counter)")])))
                        }
                    }
                    var lastError: (any Error)?
                    for _ in 0..<20 where lastError == nil {
                        do {
                            try await kv.cas("ring") { ring in
                                // Slow update: gives the intruder time to write in between.
                                usleep(20_000)
                                var ring = ring ?? RingDesc()
                                ring.upsert(plainInstance("slow"))
                                return ring
                            }
                        } catch {
                            lastError = error
                        }
                    }
                    stop.withLock { $0 = true }
                    try await intruding.value
                    let error = try #require(lastError as? RingError)
                    #expect(error == .casRetriesExhausted(key: "test/ring", attempts: 3))
                    #expect(error.description.contains("test/ring"))
                }
            }
        }
    }

    @Test func watchDeliversUpdatesAndSurvivesAnEtcdRestart() async throws {
        try await withEtcd { etcd in
            try await withClient([etcd.endpoint]) { watcher in
                try await withClient([etcd.endpoint]) { writer in
                    let seen = Locked<RingDesc?>(nil)
                    let values = Locked(0)
                    let watching = Task {
                        for try await value in watcher.watch("ring") {
                            seen.withLock { $0 = value }
                            values.withLock { $0 += 1 }
                        }
                    }
                    try await eventually("the initial (empty) value") { values.withLock { $0 } >= 1 }
                    #expect(seen.withLock { $0 } == nil)

                    try await writer.cas("ring") { _ in RingDesc(instances: ["a": plainInstance("a")]) }
                    try await eventually("the watch to deliver instance a") {
                        seen.withLock { $0?.instances.keys.sorted() } == ["a"]
                    }

                    etcd.kill()
                    try await etcd.start()
                    try await writer.cas("ring") { ring in
                        var ring = ring ?? RingDesc()
                        ring.upsert(plainInstance("b"))
                        return ring
                    }
                    try await eventually("the watch to reconnect and deliver instance b") {
                        seen.withLock { $0?.instances.keys.sorted() } == ["a", "b"]
                    }

                    try await writer.delete("ring")
                    try await eventually("the watch to deliver the deletion") {
                        seen.withLock { $0 } == nil
                    }
                    watching.cancel()
                    _ = await watching.result
                }
            }
        }
    }

    @Test func deadFirstEndpointFailsOverToTheLiveOne() async throws {
        try await withEtcd { etcd in
            let dead = "http://127.0.0.1:\(try freePort())"
            try await withClient([dead, etcd.endpoint]) { kv in
                try await kv.cas("ring") { _ in RingDesc(instances: ["a": plainInstance("a")]) }
                #expect(try await kv.getRing("ring")?.instances.count == 1)
                var iterator = kv.watch("ring").makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first??.instances.keys.sorted() == ["a"])
            }
            try await withClient([dead]) { kv in
                do {
                    _ = try await kv.get("ring")
                    Issue.record("a request to a dead endpoint succeeded")
                } catch let error as RingError {
                    guard case .allEndpointsFailed(let errors) = error else {
                        Issue.record("unexpected error \(error)")
                        return
                    }
                    #expect(errors.count == 1)
                    #expect(error.description.contains(dead))
                }
            }
        }
    }

    @Test func emptyEndpointListIsAConfigError() {
        #expect(throws: RingError.self) { try EtcdKV(config: EtcdConfig(endpoints: [" "])) }
    }
}
