import Foundation
import StrataTestSupport
import Testing
@testable import StrataCache

/// A config for the given servers. The timeout is generous because these tests assert hits on
/// a shared two-core machine; the tests of timeouts pass their own.
private func config(_ addresses: [String], timeout: Duration = .seconds(10), maxIdleConnections: Int = 4, maxGetMultiBatchSize: Int = 100) -> MemcachedConfig {
    MemcachedConfig(addresses: addresses, timeout: timeout, maxIdleConnections: maxIdleConnections, maxGetMultiBatchSize: maxGetMultiBatchSize)
}

/// Runs `body` with a cache on `config`, shutting it down afterwards whatever happens.
private func withCache(_ config: MemcachedConfig, _ body: (MemcachedCache) async throws -> Void) async throws {
    let cache = try MemcachedCache(config: config)
    do {
        try await body(cache)
    } catch {
        await cache.shutdown()
        throw error
    }
    await cache.shutdown()
}

/// Every byte value, and the protocol's own delimiters, inside one value.
private let awkwardValue: [UInt8] = Array(0...255) + Array("\r\nEND\r\nVALUE k 0 5\r\n\r\n".utf8) + [13, 10]

@Suite("MemcachedCache on a real memcached")
struct MemcachedCacheTests {
    @Test("multi-get round trip: binary values with \\r\\n inside, keys with spaces, long and empty keys")
    func roundTrip() async throws {
        try await withMemcached { server in
            try await withCache(config([server.address])) { cache in
                let entries: [(key: String, value: [UInt8])] = [
                    ("plain", Array("hello".utf8)),
                    ("binary", awkwardValue),
                    ("with spaces in it", [1, 2, 3]),
                    ("line\r\nbreak", Array("x\r\ny".utf8)),
                    (String(repeating: "long-key/", count: 200), [42]),
                    ("", Array("empty key".utf8)),
                    ("ключ 🔑", [0]),
                    ("empty value", []),
                ]
                await cache.store(entries, ttl: .seconds(60))
                let found = await cache.fetch(entries.map(\.key) + ["missing", "also missing"])
                #expect(found.count == entries.count)
                for entry in entries {
                    #expect(found[entry.key] == entry.value, "value for key \(entry.key.prefix(40))")
                }
                // The same key twice is one answer, not a failure.
                #expect(await cache.fetch(["plain", "plain"]) == ["plain": Array("hello".utf8)])
            }
        }
    }

    @Test("a lookup larger than max-get-multi-batch-size is split into batches and fully answered")
    func batches() async throws {
        try await withMemcached { server in
            try await withCache(config([server.address], timeout: .seconds(10), maxIdleConnections: 2, maxGetMultiBatchSize: 7)) { cache in
                let entries = (0..<250).map { (key: "series-\($0)", value: Array("value \($0)".utf8)) }
                await cache.store(entries, ttl: .zero)
                let found = await cache.fetch(entries.map(\.key))
                #expect(found.count == 250)
                #expect(found["series-123"] == Array("value 123".utf8))
            }
        }
    }

    @Test("values up to max-item-size round trip; larger ones are not stored and do not throw")
    func itemSizeLimit() async throws {
        try await withMemcached { server in
            var c = config([server.address], timeout: .seconds(10))
            c.maxItemSize = 256 * 1024
            try await withCache(c) { cache in
                let big = (0..<(200 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                let tooBig = [UInt8](repeating: 1, count: 256 * 1024)
                await cache.store([("big", big), ("too big", tooBig)], ttl: .zero)
                let found = await cache.fetch(["big", "too big"])
                #expect(found["big"] == big)
                #expect(found["too big"] == nil)
                // The client's own limit is on the raw value (the cache's item adds the key).
                let overLimit = tooBig + [0]
                await #expect(throws: MemcachedError.itemTooLarge(size: overLimit.count, limit: 256 * 1024)) {
                    try await cache.client.set("raw", overLimit, ttl: .zero)
                }
            }
        }
    }

    @Test("keys are spread over two servers, each key on exactly one")
    func twoServers() async throws {
        try await withMemcached { first in
            try await withMemcached { second in
                try await withCache(config([first.address, second.address], timeout: .seconds(10))) { cache in
                    let keys = (0..<200).map { "block-\($0)/index" }
                    await cache.store(keys.map { ($0, Array($0.utf8)) }, ttl: .zero)
                    let found = await cache.fetch(keys)
                    #expect(found.count == 200)
                    #expect(found.allSatisfy { $0.value == Array($0.key.utf8) })

                    // Ask each server on its own which of the items it holds.
                    let memcachedKeys = keys.map(MemcachedCache.memcachedKey(for:))
                    var held: [Set<String>] = []
                    for address in [first.address, second.address] {
                        let client = try MemcachedClient(config: config([address], timeout: .seconds(10)))
                        held.append(Set(await client.get(memcachedKeys).keys))
                        await client.shutdown()
                    }
                    #expect(held[0].count + held[1].count == 200)
                    #expect(held[0].isDisjoint(with: held[1]))
                    // Jump hash over 200 keys: both servers get a real share.
                    #expect(held[0].count > 40)
                    #expect(held[1].count > 40)
                }
            }
        }
    }

    @Test("an item holding another key (a hash collision) is a miss, not the other key's value")
    func collisionGuard() async throws {
        try await withMemcached { server in
            try await withCache(config([server.address], timeout: .seconds(10))) { cache in
                await cache.store([("A", [1, 2, 3])], ttl: .zero)
                let keyA = MemcachedCache.memcachedKey(for: "A")
                let itemA = try #require(await cache.client.get([keyA])[keyA])
                // Put A's item where B's would be, as if A and B hashed alike.
                try await cache.client.set(MemcachedCache.memcachedKey(for: "B"), itemA, ttl: .zero)
                // And an item that is not one of ours at all where C's would be.
                try await cache.client.set(MemcachedCache.memcachedKey(for: "C"), [0xff, 0xff], ttl: .zero)
                #expect(await cache.fetch(["A", "B", "C"]) == ["A": [1, 2, 3]])
            }
        }
    }

    @Test("an item expires after its ttl")
    func expiry() async throws {
        try await withMemcached { server in
            try await withCache(config([server.address], timeout: .seconds(10))) { cache in
                await cache.store([("short", [1])], ttl: .seconds(8))
                await cache.store([("long", [2])], ttl: .seconds(600))
                // memcached's clock ticks in whole seconds, so an 8s item lives at least 7s: time
                // enough for the read below on a loaded machine.
                #expect(await cache.fetch(["short", "long"]) == ["short": [1], "long": [2]])
                try await eventually("the 8s item expires", timeout: .seconds(60)) {
                    await cache.fetch(["short"]).isEmpty
                }
                #expect(await cache.fetch(["long"]) == ["long": [2]])
            }
        }
    }

    @Test("the client's set, get, delete and version")
    func clientOperations() async throws {
        try await withMemcached { server in
            let client = try MemcachedClient(config: config([server.address], timeout: .seconds(10)))
            do {
                try await client.set("k1", awkwardValue, ttl: .zero)
                // Long enough not to expire before the read on a loaded machine (memcached's TTLs
                // are whole seconds; a 1-2 s item can go within the same clock tick).
                try await client.set("k2", [], ttl: .seconds(60))
                #expect(await client.get(["k1", "k2", "k3"]) == ["k1": awkwardValue, "k2": []])
                #expect(try await client.delete("k1"))
                #expect(try await client.delete("k1") == false)
                #expect(await client.get(["k1"]).isEmpty)
                let versions = await client.versions()
                #expect(versions.count == 1)
                let version = try versions[server.address]?.get()
                #expect(version?.isEmpty == false)
                // Keys the protocol cannot carry are refused before they are sent.
                await #expect(throws: MemcachedError.self) { try await client.set("has space", [1], ttl: .zero) }
                await #expect(throws: MemcachedError.self) { try await client.set(String(repeating: "x", count: 251), [1], ttl: .zero) }
                #expect(await client.get(["has space", "", "ok"]).isEmpty)
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
            #expect(await client.get(["k2"]).isEmpty)
            await #expect(throws: MemcachedError.shutDown) { try await client.set("k", [1], ttl: .zero) }
        }
    }

    @Test("a killed server turns lookups into misses and drops stores; the client reconnects when it is back")
    func killAndRestart() async throws {
        let server = try MemcachedServer()
        defer { server.kill() }
        try await server.start()
        try await withCache(config([server.address], timeout: .milliseconds(500))) { cache in
            // Retried: on a busy machine even a live server can miss a 500ms deadline.
            try await eventually("the first store is read back", timeout: .seconds(20)) {
                await cache.store([("k", [1, 2, 3])], ttl: .zero)
                return await cache.fetch(["k"]) == ["k": [1, 2, 3]]
            }

            server.kill()
            let started = ContinuousClock.now
            #expect(await cache.fetch(["k", "other"]).isEmpty)
            // Not a timing test: only that a dead server cannot hold a lookup for long.
            #expect(ContinuousClock.now - started < .seconds(60))
            await cache.store([("k", [4, 5, 6])], ttl: .zero)
            #expect(await cache.fetch(["k"]).isEmpty)
            let versions = await cache.client.versions()
            #expect((try? versions[server.address]?.get()) == nil)

            try await server.start()
            // The restarted server is empty; what the client stores now it reads back.
            try await eventually("the client reconnects to the restarted memcached", timeout: .seconds(20)) {
                await cache.store([("k", [7, 8, 9])], ttl: .zero)
                return await cache.fetch(["k"]) == ["k": [7, 8, 9]]
            }
        }
    }
}

@Suite("MemcachedClient against a misbehaving server")
struct MemcachedMisbehavingServerTests {
    /// Replies that break the protocol in different ways.
    static let badReplies: [(name: String, reply: [UInt8])] = [
        ("garbage", Array("HELLO THERE\r\n".utf8)),
        ("bare newline", Array("VALUE x 0 1\nx\nEND\n".utf8)),
        ("short data block", Array("VALUE KEY 0 10\r\nabc\r\nEND\r\n".utf8)),
        ("huge length", Array("VALUE KEY 0 99999999999\r\n".utf8)),
        ("bad flags", Array("VALUE KEY x 3\r\nabc\r\nEND\r\n".utf8)),
        ("unknown key", Array("VALUE not-asked 0 3\r\nabc\r\nEND\r\n".utf8)),
        ("no line end", [UInt8](repeating: UInt8(ascii: "A"), count: 10_000)),
        ("binary", (0..<512).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }),
        ("STORED to a get", Array("STORED\r\n".utf8)),
    ]

    @Test("a malformed reply is a miss and closes the connection; the next lookup dials again", arguments: badReplies.map(\.name))
    func malformedReply(_ name: String) async throws {
        let reply = try #require(Self.badReplies.first { $0.name == name }).reply
        let server = try ScriptedServer(replies: [reply])
        defer { server.stop() }
        // Generous: a request that misses its deadline before it is sent keeps its connection,
        // and the count below would be off on a busy machine.
        let client = try MemcachedClient(config: config([server.address], timeout: .seconds(15), maxIdleConnections: 1))
        #expect(await client.get(["KEY"]).isEmpty)
        #expect(await client.get(["KEY"]).isEmpty)
        // A set may even succeed (STORED is its proper reply); what matters is that it dials.
        _ = try? await client.set("KEY", [1], ttl: .zero)
        await client.shutdown()
        // Each get found its connection closed by the reply before.
        #expect(server.accepted == 3)
    }

    @Test("a server that never answers is a miss after the timeout, and its connection is replaced")
    func silentServer() async throws {
        let server = try ScriptedServer(replies: [nil])
        defer { server.stop() }
        // Long enough that the first request is surely sent before its deadline (a request
        // still waiting for its connection at the deadline fails unsent and keeps it).
        let client = try MemcachedClient(config: config([server.address], timeout: .seconds(1), maxIdleConnections: 1))
        let started = ContinuousClock.now
        #expect(await client.get(["KEY"]).isEmpty)
        await #expect(throws: MemcachedError.timeout) { try await client.set("KEY", [1], ttl: .zero) }
        // Not a timing test: only that a silent server cannot hold requests indefinitely.
        #expect(ContinuousClock.now - started < .seconds(90))
        // A request that timed out on the connection retires it, so a later request opens a new
        // one. On a loaded machine a request can also time out before it was sent (it keeps the
        // connection), so requests go on until one was sent and timed out.
        try await eventually("the timed-out connection is replaced by a second one", timeout: .seconds(180)) {
            if server.accepted >= 2 { return true }
            _ = await client.get(["KEY"])
            return server.accepted >= 2
        }
        await client.shutdown()
    }

    @Test("the cache on an unreachable server misses and drops stores without throwing")
    func unreachable() async throws {
        // A port held but not listening: connections are refused at once.
        let refusing = try RefusingPort()
        try await withCache(config([refusing.address])) { cache in
            await cache.store([("k", [1])], ttl: .zero)
            #expect(await cache.fetch(["k"]).isEmpty)
            let versions = await cache.client.versions()
            #expect((try? versions[refusing.address]?.get()) == nil)
        }
        withExtendedLifetime(refusing) {}
    }
}

@Suite("Memcached configuration and encoding")
struct MemcachedConfigTests {
    @Test("unusable settings are refused when the client is made", arguments: [
        MemcachedConfig(addresses: []),
        MemcachedConfig(addresses: ["localhost"]),
        MemcachedConfig(addresses: ["localhost:0"]),
        MemcachedConfig(addresses: ["localhost:65536"]),
        MemcachedConfig(addresses: ["::1:11211"]),
        MemcachedConfig(addresses: ["127.0.0.1:11211"], timeout: .zero),
        MemcachedConfig(addresses: ["127.0.0.1:11211"], maxIdleConnections: 0),
        MemcachedConfig(addresses: ["127.0.0.1:11211"], maxItemSize: 0),
        MemcachedConfig(addresses: ["127.0.0.1:11211"], maxGetMultiBatchSize: -1),
    ])
    func invalidConfig(_ config: MemcachedConfig) {
        #expect(throws: MemcachedError.self) { try MemcachedClient(config: config) }
    }

    @Test("addresses parse as host:port and [v6]:port")
    func addresses() throws {
        let named = try #require(MemcachedAddress("memcached.svc:11211"))
        #expect(named.host == "memcached.svc" && named.port == 11211)
        let v4 = try #require(MemcachedAddress(" 127.0.0.1:11211 "))
        #expect(v4.host == "127.0.0.1" && v4.port == 11211)
        let v6 = try #require(MemcachedAddress("[::1]:11212"))
        #expect(v6.host == "::1" && v6.port == 11212)
        #expect(v6.description == "[::1]:11212")
    }

    @Test("ttl to exptime: whole seconds rounded up, a Unix time beyond 30 days, 0 for none")
    func exptime() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(MemcachedClient.exptime(for: .zero, now: now) == 0)
        #expect(MemcachedClient.exptime(for: .seconds(-5), now: now) == 0)
        #expect(MemcachedClient.exptime(for: .milliseconds(1), now: now) == 1)
        #expect(MemcachedClient.exptime(for: .milliseconds(1500), now: now) == 2)
        #expect(MemcachedClient.exptime(for: .seconds(3600), now: now) == 3600)
        #expect(MemcachedClient.exptime(for: .seconds(30 * 24 * 3600), now: now) == 30 * 24 * 3600)
        #expect(MemcachedClient.exptime(for: .seconds(31 * 24 * 3600), now: now) == 1_700_000_000 + 31 * 24 * 3600)
        #expect(MemcachedClient.exptime(for: .seconds(Int64.max), now: now) == Int(Int32.max))
    }

    @Test("jump hash: stable, in range, and growing the server count only moves keys to the new server")
    func jumpHash() {
        var moved = 0
        for i in 0..<10_000 {
            let key = UInt64(i) &* 0x9e37_79b9_7f4a_7c15
            #expect(jumpConsistentHash(key, buckets: 1) == 0)
            let before = jumpConsistentHash(key, buckets: 4)
            let after = jumpConsistentHash(key, buckets: 5)
            #expect((0..<4).contains(before))
            #expect(after == before || after == 4)
            if after != before { moved += 1 }
        }
        // About 1/5 of the keys move to the fifth server.
        #expect((1500...2500).contains(moved))
    }

    @Test("memcached keys are 32 hex digits, distinct for distinct cache keys")
    func memcachedKeys() {
        let keys = ["", "a", "b", String(repeating: "z", count: 10_000), "with space", "ключ"]
        let hashed = keys.map(MemcachedCache.memcachedKey(for:))
        #expect(Set(hashed).count == keys.count)
        for key in hashed {
            #expect(key.utf8.count == 32)
            #expect(key.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        }
        #expect(MemcachedCache.memcachedKey(for: "a") == MemcachedCache.memcachedKey(for: "a"))
    }

    @Test("stored items carry their key; anything else does not decode")
    func itemEncoding() throws {
        let long = String(repeating: "k", count: 300)
        let item = MemcachedCache.encode(key: long, value: [9, 8])
        let decoded = try #require(MemcachedCache.decode(item))
        #expect(Array(decoded.key) == Array(long.utf8))
        #expect(Array(decoded.value) == [9, 8])
        #expect(MemcachedCache.decode([]) == nil)
        #expect(MemcachedCache.decode([0x80]) == nil)
        #expect(MemcachedCache.decode([5, 1, 2]) == nil)
        #expect(MemcachedCache.decode([UInt8](repeating: 0xff, count: 20)) == nil)
    }
}
