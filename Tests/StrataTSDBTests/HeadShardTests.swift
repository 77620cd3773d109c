import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Testing
@testable import StrataTSDB

/// Query sharding in the head and in the blocks it cuts: the N shards of a selection are
/// disjoint, their union is the unsharded selection with the very same chunks, and membership is
/// decided by `Labels.stableHash`, the hash every other store uses.
@Suite("Head query sharding")
struct HeadShardTests {
    static let shardCounts = [1, 3, 16]
    static let start = CutTestData.start
    /// Under one block range, so every series has closed chunks and an open one.
    static let span = CutTestData.range / 2

    static func data() -> SeriesSamples {
        CutTestData.series(count: 240, span: span, seed: 41)
    }

    /// A head holding `data`, appended in scrape-like windows.
    static func makeHead(_ dir: HeadTempDir, _ data: SeriesSamples, options: HeadOptions = HeadOptions()) throws -> Head {
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        var appended = 0
        for (_, b, _) in CutTestData.batches(data, from: start, to: start + span + 1, window: 600_000) {
            appended += try head.append(b, limits: .unlimited).appended
        }
        #expect(appended == sampleCount(data))
        return head
    }

    /// Selections the partition is checked on: every series, a plain equality, a mix of
    /// negative and regex matchers, and a time range that cuts through chunks.
    static func selections() throws -> [(matchers: [LabelMatcher], minTime: Int64, maxTime: Int64)] {
        [
            ([try allSeriesMatcher()], .min, .max),
            ([try m(.equal, "job", "api")], .min, .max),
            ([try m(.regexMatch, "region", "eu.*|café"), try m(.notEqual, "env", "prod")], .min, .max),
            ([try m(.regexMatch, "__name__", "http.*|cpu_ratio")], start + span / 3, start + span / 3 + 600_000),
        ]
    }

    /// Checks that `parts` (one answer per shard of `n`) partition `whole`: each series in the
    /// shard its hash names, no series twice, every series of `whole` with identical chunks.
    static func expectPartition(_ parts: [[QuerySeries]], of whole: [QuerySeries], n: Int, _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(parts.count == n, sourceLocation: sourceLocation)
        var byLabels: [Labels: QuerySeries] = [:]
        for (i, part) in parts.enumerated() {
            #expect(part.map(\.labels) == part.map(\.labels).sorted(), "\(what): shard \(i + 1)_of_\(n) not sorted", sourceLocation: sourceLocation)
            for s in part {
                #expect(s.labels.stableHash % UInt64(n) == UInt64(i), "\(what): \(s.labels) in shard \(i + 1)_of_\(n)", sourceLocation: sourceLocation)
                #expect(byLabels.updateValue(s, forKey: s.labels) == nil, "\(what): \(s.labels) in two shards", sourceLocation: sourceLocation)
            }
        }
        #expect(byLabels.count == whole.count, "\(what): \(byLabels.count) series over \(n) shards, \(whole.count) unsharded", sourceLocation: sourceLocation)
        for s in whole {
            #expect(byLabels[s.labels] == s, "\(what): \(s.labels) differs or is missing in the shards of \(n)", sourceLocation: sourceLocation)
        }
        expectSameSamples(decode(parts.flatMap { $0 }), decode(whole), what, sourceLocation: sourceLocation)
    }

    @Test("for 1, 3 and 16 shards the head's shards are disjoint and together the unsharded selection, chunk for chunk")
    func headPartition() throws {
        let dir = HeadTempDir()
        let data = Self.data()
        let head = try Self.makeHead(dir, data)
        for (k, q) in try Self.selections().enumerated() {
            let whole = head.select(minTime: q.minTime, maxTime: q.maxTime, matchers: q.matchers)
            #expect(!whole.isEmpty, "selection \(k) selects nothing")
            for n in Self.shardCounts {
                let parts = (0..<n).map { i in
                    head.select(minTime: q.minTime, maxTime: q.maxTime, matchers: q.matchers, shard: QueryShard(index: i, count: n))
                }
                Self.expectPartition(parts, of: whole, n: n, "selection \(k), \(n) shards")
                if n > 1, whole.count >= 50 {
                    #expect(parts.filter { !$0.isEmpty }.count > 1, "selection \(k): every series in one of \(n) shards")
                }
            }
        }
        // Without a shard the answer is the one it always was: the whole head.
        expectSameSamples(try headSamples(head), data, "unsharded head")
    }

    @Test("label names and values of a shard come from that shard's series; their union is the unsharded answer")
    func headLabels() throws {
        let dir = HeadTempDir()
        let head = try Self.makeHead(dir, Self.data())
        let all = try allSeriesMatcher()
        let matcherSets: [[LabelMatcher]] = [[], [try m(.equal, "job", "api")], [try m(.notEqual, "env", "prod")]]
        for matchers in matcherSets {
            let names = head.labelNames(minTime: .min, maxTime: .max, matchers: matchers)
            let values = head.labelValues(name: "instance", minTime: .min, maxTime: .max, matchers: matchers)
            for n in Self.shardCounts {
                var nameUnion = Set<String>(), valueUnion = Set<String>()
                for i in 0..<n {
                    let shard = QueryShard(index: i, count: n)
                    let series = head.select(minTime: .min, maxTime: .max, matchers: matchers.isEmpty ? [all] : matchers, shard: shard)
                    let shardNames = head.labelNames(minTime: .min, maxTime: .max, matchers: matchers, shard: shard)
                    let shardValues = head.labelValues(name: "instance", minTime: .min, maxTime: .max, matchers: matchers, shard: shard)
                    #expect(shardNames == Set(series.flatMap { $0.labels.map(\.name) }).sorted(), "\(matchers) \(i + 1)_of_\(n)")
                    #expect(shardValues == Set(series.compactMap { $0.labels["instance"] }).sorted(), "\(matchers) \(i + 1)_of_\(n)")
                    nameUnion.formUnion(shardNames)
                    valueUnion.formUnion(shardValues)
                }
                #expect(nameUnion.sorted() == names, "\(matchers), \(n) shards")
                #expect(valueUnion.sorted() == values, "\(matchers), \(n) shards")
            }
        }
    }

    @Test("shard membership is the unmasked label hash, also when every series collides and after WAL and checkpoint replay")
    func hashSurvivesCollisionsAndRestarts() throws {
        let dir = HeadTempDir()
        let data = Self.data()
        var options = HeadOptions()
        options.hashMask = 0 // every series in one hash bucket: the shard must not use the bucket key
        let head = try Self.makeHead(dir, data, options: options)
        let all = [try allSeriesMatcher()]
        func check(_ head: Head, _ what: String) {
            let whole = head.select(minTime: .min, maxTime: .max, matchers: all)
            #expect(whole.count == data.count, "\(what)")
            for n in Self.shardCounts {
                let parts = (0..<n).map { head.select(minTime: .min, maxTime: .max, matchers: all, shard: QueryShard(index: $0, count: n)) }
                Self.expectPartition(parts, of: whole, n: n, "\(what), \(n) shards")
            }
            head.state.withLock { s in
                for series in s.allSeries { #expect(series.shardHash == series.labels.stableHash, "\(what): \(series.labels)") }
            }
        }
        check(head, "appended")
        try head.close()
        let fromWAL = try Head(directory: dir.path, options: options, logger: headTestLogger)
        check(fromWAL, "replayed from the WAL")
        try fromWAL.checkpoint()
        try fromWAL.close()
        let fromCheckpoint = try Head(directory: dir.path, options: options, logger: headTestLogger)
        check(fromCheckpoint, "replayed from a checkpoint")
        try fromCheckpoint.close()
    }

    @Test("blocks cut from the head shard the same way through their Queryable, and refuse a malformed shard matcher")
    func blockPartition() async throws {
        let dir = HeadTempDir()
        let data = Self.data()
        let head = try Self.makeHead(dir, data)
        // Shards of the head before the cut: the blocks must put every series in the same shard.
        let all = try allSeriesMatcher()
        let headShards = (0..<16).map { i in
            Set(head.select(minTime: .min, maxTime: .max, matchers: [all], shard: QueryShard(index: i, count: 16)).map(\.labels))
        }
        let blocksDir = dir.path + "/blocks"
        let metas = try head.cutBlocks(into: blocksDir, thanos: nil, force: true)
        #expect(!metas.isEmpty)
        let tenant = TenantID.anonymous
        for meta in metas {
            let block = try Block(directory: blocksDir + "/" + meta.ulid)
            for q in try Self.selections() {
                let whole = try await block.select(SelectRequest(tenant: tenant, minTime: q.minTime, maxTime: q.maxTime, matchers: q.matchers))
                for n in Self.shardCounts {
                    var parts: [[QuerySeries]] = []
                    for i in 0..<n {
                        let shard = try #require(QueryShard(index: i, count: n))
                        // The shard matcher goes first: its position must not matter.
                        parts.append(try await block.select(SelectRequest(tenant: tenant, minTime: q.minTime, maxTime: q.maxTime,
                                                                          matchers: [shard.matcher] + q.matchers)))
                    }
                    Self.expectPartition(parts, of: whole, n: n, "block \(meta.ulid) \(q.matchers), \(n) shards")
                    if n == 16 {
                        for (i, part) in parts.enumerated() {
                            #expect(Set(part.map(\.labels)).isSubset(of: headShards[i]), "block and head disagree on shard \(i + 1)_of_16")
                        }
                    }
                }
            }
            // A label query that carries only the shard matcher reads the shard's series; a
            // select with nothing but the shard selects nothing, as an empty selector does.
            let names = try await block.labelNames(tenant: tenant, minTime: .min, maxTime: .max, matchers: [])
            var union = Set<String>()
            for i in 0..<3 {
                let shard = try #require(QueryShard(index: i, count: 3))
                union.formUnion(try await block.labelNames(tenant: tenant, minTime: .min, maxTime: .max, matchers: [shard.matcher]))
                #expect(try await block.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: [shard.matcher])).isEmpty)
            }
            #expect(union.sorted() == names)

            for bad in ["0_of_4", "5_of_4", "1_of_513", "x", " 1_of_2"] {
                let matchers = [all, LabelMatcher(literal: QueryShard.labelName, bad)]
                await #expect(throws: QueryShardError.self) {
                    try await block.select(SelectRequest(tenant: tenant, minTime: .min, maxTime: .max, matchers: matchers))
                }
                await #expect(throws: QueryShardError.self) {
                    try await block.labelValues(tenant: tenant, name: "job", minTime: .min, maxTime: .max, matchers: matchers)
                }
            }
            let conflicting = [all, LabelMatcher(literal: QueryShard.labelName, "1_of_2"), LabelMatcher(literal: QueryShard.labelName, "2_of_2")]
            await #expect(throws: QueryShardError.self) {
                try await block.labelNames(tenant: tenant, minTime: .min, maxTime: .max, matchers: conflicting)
            }
        }
    }
}
