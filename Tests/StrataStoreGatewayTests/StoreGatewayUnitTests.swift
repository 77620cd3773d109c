import Foundation
import StrataBlocks
import StrataModel
@testable import StrataStoreGateway
import Testing

@Suite("Store-gateway internals")
struct StoreGatewayUnitTests {
    @Test("the LRU cache keeps within its byte bound, evicts the least recently used, counts per kind")
    func lruCache() {
        let overhead = LRUCache<Int, String>.entryOverhead
        let cache = LRUCache<Int, String>(capacity: 3 * (100 + overhead), kinds: 2)
        cache.put(1, "a", cost: 100, kind: 0)
        cache.put(2, "b", cost: 100, kind: 0)
        cache.put(3, "c", cost: 100, kind: 1)
        #expect(cache.get(1, kind: 0) == "a") // 1 is now the most recent
        cache.put(4, "d", cost: 100, kind: 1) // evicts 2, the least recently used
        #expect(cache.get(2, kind: 0) == nil)
        #expect(cache.get(1, kind: 0) == "a")
        #expect(cache.get(3, kind: 1) == "c")
        #expect(cache.get(4, kind: 1) == "d")
        #expect(cache.bytes <= cache.capacity)
        let zero = cache.stats(kind: 0)
        #expect(zero.hits == 2 && zero.misses == 1 && zero.items == 1 && zero.evictions == 1)
        #expect(cache.stats(kind: 1).items == 2 && cache.stats(kind: 1).hits == 2)
        cache.put(5, "too big", cost: 10_000, kind: 0)
        #expect(cache.get(5, kind: 0) == nil, "an entry larger than the cache is not stored")
        cache.put(1, "a2", cost: 50, kind: 0)
        #expect(cache.get(1, kind: 0) == "a2", "a put replaces the entry")
        #expect(cache.stats(kind: 0).items == 1)
        // Many entries through a small cache: the bound always holds.
        for i in 0..<1000 { cache.put(100 + i, String(i), cost: i % 150, kind: i % 2) }
        #expect(cache.bytes <= cache.capacity)
        #expect(cache.stats(kind: 0).items + cache.stats(kind: 1).items <= 3 * 2)
    }

    @Test("range planning merges neighbours within the gap")
    func rangePlanning() {
        #expect(RangeFetcher.plan([], maxGap: 10) == [])
        #expect(RangeFetcher.plan([30..<40, 0..<10, 15..<20, 100..<110, 5..<8], maxGap: 10) == [0..<40, 100..<110])
        #expect(RangeFetcher.plan([0..<10, 10..<20], maxGap: 0) == [0..<20])
        #expect(RangeFetcher.plan([0..<10, 11..<20], maxGap: 0) == [0..<10, 11..<20])
        #expect(RangeFetcher.plan([5..<5, 0..<1], maxGap: 0) == [0..<1])
    }

    @Test("an index-header round-trips and any damage is detected, never trapped on")
    func indexHeaderFormat() throws {
        let id = ULID.make(timestamp: 1_700_000_000_000)
        let header = IndexHeader(
            block: id, indexSize: 10_000,
            ranges: [IndexHeader.IndexRange(offset: 0, bytes: [0xBA, 0xAA, 0xD7, 0x00, 0x02]),
                     IndexHeader.IndexRange(offset: 9_000, bytes: Array(repeating: 7, count: 1000))],
            segments: [IndexHeader.Segment(size: 4096, header: [0x85, 0xBD, 0x40, 0xDD, 1, 0, 0, 0])])
        let bytes = header.encoded()
        #expect(try IndexHeader.decode(bytes, path: "h", block: id) == header)
        #expect(throws: IndexHeaderError.self) { try IndexHeader.decode(bytes, path: "h", block: ULID.make(timestamp: 1)) }
        for i in 0..<bytes.count {
            var damaged = bytes
            damaged[i] ^= 0x5A
            #expect(throws: IndexHeaderError.self) { try IndexHeader.decode(damaged, path: "h", block: id) }
        }
        for n in 0..<bytes.count {
            #expect(throws: IndexHeaderError.self) { try IndexHeader.decode(Array(bytes.prefix(n)), path: "h", block: id) }
        }
        // A range outside the index is refused even with a valid CRC.
        var hostile = header
        hostile.ranges[1].offset = 9_500
        #expect(throws: IndexHeaderError.self) { try IndexHeader.decode(hostile.encoded(), path: "h", block: id) }
    }
}
