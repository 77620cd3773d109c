import Foundation
import StrataBlocks
import StrataModel
import StrataStoreGateway
import Testing

/// Query sharding in the store-gateway: a `__query_shard__` matcher keeps the series whose label
/// hash falls in the shard, decided on the series entries before any chunk is fetched.
@Suite("StoreGateway query sharding")
struct StoreGatewayShardTests {
    static let shardCounts = [1, 3, 16]

    /// A matcher list with the shard matcher of `i` of `n` added (first, so position is tested).
    static func sharded(_ matchers: [LabelMatcher], _ i: Int, _ n: Int) throws -> [LabelMatcher] {
        [try #require(QueryShard(index: i, count: n)).matcher] + matchers
    }

    /// Chunk lookups so far (every chunk a query needs is looked up in the chunk cache once).
    static func chunkLookups(_ gateway: StoreGateway) -> Int {
        let c = gateway.stats.chunksCache
        return c.hits + c.misses
    }

    @Test("for 1, 3 and 16 shards the selections are disjoint, in their hash's shard, and together the unsharded answer")
    func partition() async throws {
        let f = try await StoreGatewayFilesystemTests.Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway()
        try await gateway.sync()
        let tenant = TestBlocks.tenant
        var nonEmpty = 0
        for (k, q) in try Scenario.queries().enumerated() {
            let whole = try await gateway.select(SelectRequest(tenant: tenant, minTime: q.minTime, maxTime: q.maxTime, matchers: q.matchers))
            if !whole.isEmpty { nonEmpty += 1 }
            for n in Self.shardCounts {
                var byLabels: [Labels: QuerySeries] = [:]
                var filled = 0
                for i in 0..<n {
                    let part = try await gateway.select(SelectRequest(tenant: tenant, minTime: q.minTime, maxTime: q.maxTime,
                                                                      matchers: try Self.sharded(q.matchers, i, n)))
                    if !part.isEmpty { filled += 1 }
                    #expect(part.map(\.labels) == part.map(\.labels).sorted(), "query \(k) shard \(i + 1)_of_\(n) not in label order")
                    for s in part {
                        #expect(s.labels.stableHash % UInt64(n) == UInt64(i), "query \(k): \(s.labels) in shard \(i + 1)_of_\(n)")
                        #expect(byLabels.updateValue(s, forKey: s.labels) == nil, "query \(k): \(s.labels) in two of \(n) shards")
                    }
                }
                #expect(byLabels.count == whole.count, "query \(k): \(byLabels.count) series over \(n) shards, \(whole.count) unsharded")
                for s in whole {
                    // Same chunks, so the same samples: the shard only drops whole series.
                    #expect(byLabels[s.labels] == s, "query \(k): \(s.labels) differs or is missing over \(n) shards")
                }
                if n > 1, whole.count >= 20 { #expect(filled > 1, "query \(k): every series in one of \(n) shards") }
            }
        }
        #expect(nonEmpty >= 5)
    }

    @Test("a shard query looks up only its own series' chunks")
    func chunksOnlyForTheShard() async throws {
        let f = try await StoreGatewayFilesystemTests.Fixture.make()
        defer { f.cleanup() }
        let tenant = TestBlocks.tenant
        let all = [try m(.regexMatch, "__name__", ".+")]

        let unsharded = f.gateway()
        try await unsharded.sync()
        let whole = try await unsharded.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: all))
        let wholeLookups = Self.chunkLookups(unsharded)
        #expect(wholeLookups > 0)

        // One gateway answering every shard in turn: the shards share no chunk, so together they
        // look up exactly the chunks of the unsharded query, and one shard about a sixteenth.
        let gateway = f.gateway()
        try await gateway.sync()
        var perShard: [Int] = []
        var total = 0
        for i in 0..<16 {
            let before = Self.chunkLookups(gateway)
            total += try await gateway.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max,
                                                            matchers: try Self.sharded(all, i, 16))).count
            perShard.append(Self.chunkLookups(gateway) - before)
        }
        #expect(total == whole.count)
        #expect(perShard.reduce(0, +) == wholeLookups, "shard chunk lookups \(perShard), unsharded \(wholeLookups)")
        #expect((perShard.max() ?? 0) * 3 < wholeLookups, "a sixteenth of the series read \(perShard.max() ?? 0) of \(wholeLookups) chunks")
        #expect(gateway.stats.chunksCache.hits == unsharded.stats.chunksCache.hits, "no chunk was looked up by two shards")
    }

    /// Series-entry lookups so far (each entry a query reads is looked up in the index cache once).
    static func entryLookups(_ gateway: StoreGateway) -> Int {
        let c = gateway.stats.seriesCache
        return c.hits + c.misses
    }

    @Test("once a block's series hashes are known, a shard query reads only its own series' entries")
    func seriesHashCache() async throws {
        let f = try await StoreGatewayFilesystemTests.Fixture.make()
        defer { f.cleanup() }
        let tenant = TestBlocks.tenant
        let all = [try m(.regexMatch, "__name__", ".+")]
        func shard(_ gateway: StoreGateway, _ i: Int, _ n: Int) async throws -> [QuerySeries] {
            try await gateway.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: try Self.sharded(all, i, n)))
        }

        let gateway = f.gateway()
        try await gateway.sync()
        // The first shard query reads every entry and learns every hash.
        _ = try await shard(gateway, 0, 4)
        let entries = Self.entryLookups(gateway)
        #expect(entries > 40)
        #expect(gateway.stats.seriesHashesCached == entries)
        // The others read about a quarter each, and nothing more is learnt.
        var reads: [Int] = []
        var answers: [[QuerySeries]] = []
        for i in 1..<4 {
            let before = Self.entryLookups(gateway)
            answers.append(try await shard(gateway, i, 4))
            reads.append(Self.entryLookups(gateway) - before)
        }
        #expect(reads.reduce(0, +) < entries, "entries read per shard \(reads), \(entries) in all")
        #expect((reads.max() ?? 0) * 2 < entries, "entries read per shard \(reads), \(entries) in all")
        #expect(gateway.stats.seriesHashesCached == entries)

        // The same answers without the cache, and with a budget of ten hashes.
        for bytes in [0, 10 * 24] {
            let other = f.gateway { $0.seriesHashCacheBytes = bytes }
            try await other.sync()
            _ = try await shard(other, 0, 4)
            #expect(other.stats.seriesHashesCached == bytes / 24)
            for i in 1..<4 {
                #expect(try await shard(other, i, 4) == answers[i - 1], "shard \(i + 1)_of_4 with a \(bytes)-byte budget")
            }
        }
    }

    @Test("label names and values of a shard come from its series; their union is the unsharded answer")
    func labels() async throws {
        let f = try await StoreGatewayFilesystemTests.Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway()
        try await gateway.sync()
        let tenant = TestBlocks.tenant
        let all = try m(.regexMatch, "__name__", ".+")
        let t = TestBlocks.start
        let ranges: [(Int64, Int64)] = [(.min, .max), (t + 4 * Scenario.hour, t + 5 * Scenario.hour - 1)]
        for (mint, maxt) in ranges {
            for matchers in [[], [try m(.equal, "job", "web")], [try m(.notEqual, "env", "prod")]] as [[LabelMatcher]] {
                let names = try await gateway.labelNames(tenant: tenant, minTime: mint, maxTime: maxt, matchers: matchers)
                let values = try await gateway.labelValues(tenant: tenant, name: "instance", minTime: mint, maxTime: maxt, matchers: matchers)
                for n in Self.shardCounts {
                    var nameUnion = Set<String>(), valueUnion = Set<String>()
                    for i in 0..<n {
                        let sharded = try Self.sharded(matchers, i, n)
                        let shardNames = try await gateway.labelNames(tenant: tenant, minTime: mint, maxTime: maxt, matchers: sharded)
                        let shardValues = try await gateway.labelValues(tenant: tenant, name: "instance", minTime: mint, maxTime: maxt, matchers: sharded)
                        // Label queries work at block granularity: the series of the blocks
                        // overlapping the range, whatever their chunks' times.
                        let series = try await gateway.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max,
                                                                            matchers: try Self.sharded(matchers.isEmpty ? [all] : matchers, i, n)))
                        #expect(Set(shardNames).isSubset(of: Set(series.flatMap { $0.labels.map(\.name) })), "\(matchers) \(i + 1)_of_\(n)")
                        #expect(Set(shardValues).isSubset(of: Set(series.compactMap { $0.labels["instance"] })), "\(matchers) \(i + 1)_of_\(n)")
                        nameUnion.formUnion(shardNames)
                        valueUnion.formUnion(shardValues)
                    }
                    #expect(nameUnion.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } == names, "\(matchers) [\(mint), \(maxt)], \(n) shards")
                    #expect(valueUnion.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } == values, "\(matchers) [\(mint), \(maxt)], \(n) shards")
                }
            }
        }
    }

    @Test("a malformed, negated or conflicting shard matcher is refused with QueryShardError, not a crash or an empty answer")
    func malformed() async throws {
        let f = try await StoreGatewayFilesystemTests.Fixture.make()
        defer { f.cleanup() }
        let gateway = f.gateway()
        try await gateway.sync()
        let tenant = TestBlocks.tenant
        let metric = try m(.equal, "__name__", "metric_1")
        let bad: [[LabelMatcher]] = [
            [metric, LabelMatcher(literal: QueryShard.labelName, "0_of_4")],
            [metric, LabelMatcher(literal: QueryShard.labelName, "5_of_4")],
            [metric, LabelMatcher(literal: QueryShard.labelName, "1_of_99999999999999")],
            [metric, LabelMatcher(literal: QueryShard.labelName, "1_of_2", negated: true)],
            [metric, try m(.regexMatch, QueryShard.labelName, "1_of_2|2_of_2")],
            [metric, LabelMatcher(literal: QueryShard.labelName, "1_of_2"), LabelMatcher(literal: QueryShard.labelName, "1_of_3")],
        ]
        for matchers in bad {
            do {
                _ = try await gateway.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: matchers))
                Issue.record("select accepted \(matchers)")
            } catch let error as QueryShardError {
                #expect(error.description.contains("err-strata-invalid-query-shard"))
            }
            await #expect(throws: QueryShardError.self) {
                try await gateway.labelNames(tenant: tenant, minTime: .min, maxTime: .max, matchers: matchers)
            }
            await #expect(throws: QueryShardError.self) {
                try await gateway.labelValues(tenant: tenant, name: "job", minTime: .min, maxTime: .max, matchers: matchers)
            }
        }
        // The gateway still answers afterwards.
        #expect(!(try await gateway.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: [metric]))).isEmpty)
    }
}
