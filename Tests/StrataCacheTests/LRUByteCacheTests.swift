import Synchronization
import Testing
@testable import StrataCache

/// A clock the test moves by hand, so expiry is checked without sleeping.
private final class FakeClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ by: Duration) { instant.withLock { $0 += by } }
}

/// The bytes `LRUByteCache` charges for one entry.
private func charge(_ key: String, _ valueBytes: Int) -> Int {
    key.utf8.count + valueBytes + LRUByteCache.entryOverhead
}

@Suite("LRUByteCache")
struct LRUByteCacheTests {
    @Test("evicts the least recently used entry, counting a fetch as a use")
    func evictionOrder() async {
        let value = [UInt8](repeating: 7, count: 100)
        let cache = LRUByteCache(maxBytes: 3 * charge("a", 100))
        await cache.store([("a", value), ("b", value), ("c", value)], ttl: .zero)
        // Touch a, so b is now the least recently used.
        #expect(await cache.fetch(["a"]).keys.sorted() == ["a"])
        await cache.store([("d", value)], ttl: .zero)
        // A miss touches nothing.
        #expect(await cache.fetch(["b"]).isEmpty)
        // Now c is the least recently used (d and a were used after it).
        await cache.store([("e", value)], ttl: .zero)
        #expect(await cache.fetch(["a", "b", "c", "d", "e"]).keys.sorted() == ["a", "d", "e"])
        let stats = cache.stats
        #expect(stats.evictions == 2)
        #expect(stats.entries == 3)
    }

    @Test("never holds more than its byte budget, keys and overhead included")
    func byteBound() async {
        let budget = 10_000
        let cache = LRUByteCache(maxBytes: budget)
        var generator = SystemRandomNumberGenerator()
        for i in 0..<500 {
            let size = Int.random(in: 0...900, using: &generator)
            await cache.store([("key-\(i)", [UInt8](repeating: UInt8(i & 0xff), count: size))], ttl: .zero)
            let stats = cache.stats
            #expect(stats.bytes <= budget)
            #expect(stats.bytes > 0)
        }
        // Whatever is left is exactly what the accounting says.
        let keys = (0..<500).map { "key-\($0)" }
        let held = await cache.fetch(keys)
        let charged = held.reduce(0) { $0 + charge($1.key, $1.value.count) }
        #expect(charged == cache.stats.bytes)
        #expect(held.count == cache.stats.entries)
        #expect(cache.stats.evictions == 500 - held.count)
        // The newest entry is always there.
        #expect(held["key-499"] != nil)
    }

    @Test("replacing a value re-charges its bytes")
    func replaceRecharges() async {
        let cache = LRUByteCache(maxBytes: 1 << 20)
        await cache.store([("k", [UInt8](repeating: 1, count: 1000))], ttl: .zero)
        #expect(cache.stats.bytes == charge("k", 1000))
        await cache.store([("k", [1, 2, 3])], ttl: .zero)
        #expect(cache.stats.bytes == charge("k", 3))
        #expect(cache.stats.entries == 1)
        #expect(await cache.fetch(["k"]) == ["k": [1, 2, 3]])
    }

    @Test("an entry expires after its ttl; zero ttl never expires")
    func expiry() async {
        let clock = FakeClock()
        let cache = LRUByteCache(maxBytes: 1 << 20, now: { clock.now })
        await cache.store([("short", [1])], ttl: .seconds(10))
        await cache.store([("forever", [2])], ttl: .zero)
        clock.advance(.seconds(9))
        #expect(await cache.fetch(["short", "forever"]) == ["short": [1], "forever": [2]])
        clock.advance(.seconds(2))
        #expect(await cache.fetch(["short", "forever"]) == ["forever": [2]])
        clock.advance(.seconds(365 * 24 * 3600))
        #expect(await cache.fetch(["forever"]) == ["forever": [2]])
        let stats = cache.stats
        #expect(stats.expirations == 1)
        #expect(stats.entries == 1)
        #expect(stats.bytes == charge("forever", 1))
    }

    @Test("a value larger than the budget is not stored, and drops the older value under its key")
    func oversized() async {
        let budget = 1000
        let cache = LRUByteCache(maxBytes: budget)
        await cache.store([("small", [1, 2, 3]), ("k", [9])], ttl: .zero)
        await cache.store([("k", [UInt8](repeating: 0, count: budget))], ttl: .zero)
        #expect(await cache.fetch(["small", "k"]) == ["small": [1, 2, 3]])
        let stats = cache.stats
        #expect(stats.oversized == 1)
        #expect(stats.evictions == 0)
        #expect(stats.entries == 1)
        // Exactly the budget fits.
        let fits = budget - charge("big", 0)
        await cache.store([("big", [UInt8](repeating: 5, count: fits))], ttl: .zero)
        #expect(await cache.fetch(["big"])["big"]?.count == fits)
        #expect(cache.stats.bytes == budget)
    }

    @Test("counts hits and misses per key")
    func hitsAndMisses() async {
        let cache = LRUByteCache(maxBytes: 1 << 20)
        await cache.store([("a", [1]), ("b", [])], ttl: .zero)
        let found = await cache.fetch(["a", "b", "c", "d"])
        #expect(found == ["a": [1], "b": []])
        let stats = cache.stats
        #expect(stats.hits == 2)
        #expect(stats.misses == 2)
    }

    @Test("stays within budget and consistent under concurrent fetches and stores")
    func concurrentUse() async {
        let budget = 50_000
        let cache = LRUByteCache(maxBytes: budget)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<300 {
                        let key = "w\(worker)-\(i % 50)"
                        await cache.store([(key, [UInt8](repeating: UInt8(worker), count: i % 400))], ttl: .zero)
                        let found = await cache.fetch([key, "w\((worker + 1) % 8)-\(i % 50)"])
                        if let value = found[key] { #expect(value.allSatisfy { $0 == UInt8(worker) }) }
                    }
                }
            }
        }
        let stats = cache.stats
        #expect(stats.bytes <= budget)
        let all = await cache.fetch((0..<8).flatMap { w in (0..<50).map { "w\(w)-\($0)" } })
        #expect(all.count == stats.entries)
        #expect(all.reduce(0) { $0 + charge($1.key, $1.value.count) } == stats.bytes)
    }
}
