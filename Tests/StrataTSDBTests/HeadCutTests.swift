import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Synchronization
import Testing
@testable import StrataTSDB

@Suite("Head block cuts")
struct HeadCutTests {
    static let range = CutTestData.range
    static let thanos = BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: "team-a"], source: "strata")

    /// What the test expects the head to hold: timestamps of appended samples not cut yet.
    struct Model {
        let range: Int64
        var headMin = Int64.max
        var headMax = Int64.min
        var minValidTime = Int64.min
        var pendingRanges = Set<Int64>()

        mutating func appended(_ samples: some Sequence<Sample>) {
            for s in samples {
                headMin = min(headMin, s.timestamp)
                headMax = max(headMax, s.timestamp)
                pendingRanges.insert(CutPlan.floor(s.timestamp, range))
            }
        }

        /// The ranges a periodic cut must write now, by the rule of the brief: the head spans
        /// more than 1.5 ranges; whole ranges ending at or before max − range/2.
        mutating func periodicCut(data: SeriesSamples, appendedBefore: Int64) -> [[Int64]] {
            guard headMin <= headMax, headMax - headMin > range / 2 * 3 else { return [] }
            let end = CutPlan.floor(headMax - range / 2, range)
            return cut(end: end, data: data, appendedBefore: appendedBefore)
        }

        /// A forced cut takes everything: it ends at the newest sample + 1.
        mutating func forcedCut(data: SeriesSamples, appendedBefore: Int64) -> [[Int64]] {
            guard headMin <= headMax else { return [] }
            return cut(end: headMax + 1, data: data, appendedBefore: appendedBefore)
        }

        /// The `[minTime, maxTime)` of the blocks a cut ending at `end` writes: each range with
        /// data, clipped to the previous minValidTime and to `end`.
        private mutating func cut(end: Int64, data: SeriesSamples, appendedBefore: Int64) -> [[Int64]] {
            let ranges = pendingRanges.filter { $0 < end }.sorted()
            pendingRanges.subtract(ranges)
            let previous = minValidTime
            minValidTime = max(minValidTime, end)
            headMin = .max
            for samples in data.values {
                for s in samples where s.timestamp >= end && s.timestamp < appendedBefore {
                    headMin = min(headMin, s.timestamp)
                    break
                }
            }
            if headMin == .max { headMax = .min }
            return ranges.map { [max($0, previous), min($0 + range, end)] }
        }
    }

    @Test("periodic cuts write the ranges no append can reach, a forced cut the rest; blocks plus head equal what was appended")
    func periodicThenForced() throws {
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let span = 4 * Self.range + Self.range / 3
        let data = CutTestData.series(count: 300, span: span, seed: 11)
        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        var model = Model(range: Self.range)
        var written: [BlockMeta] = []
        var checkedMidway = false
        var cutCalls = 0
        let total = sampleCount(data)
        var appendedTotal = 0

        for (end, batch, count) in CutTestData.batches(data, from: CutTestData.start, to: CutTestData.start + span, window: 5 * 60_000) {
            let out = try head.append(batch, limits: .unlimited)
            #expect(out.appended == count && out.rejectedCount == 0 && out.duplicatesIgnored == 0,
                    "batch ending \(end): \(out)")
            appendedTotal += out.appended
            for i in batch.series.indices { model.appended(batch.samples(of: i)) }

            let metas = try head.cutBlocks(into: blocks, thanos: Self.thanos, force: false)
            cutCalls += 1
            let expected = model.periodicCut(data: data, appendedBefore: end)
            #expect(metas.map { [$0.minTime, $0.maxTime] } == expected, "periodic cut after the batch ending \(end)")
            for meta in metas {
                try checkBlock(meta, in: blocks, data: data)
            }
            written += metas
            #expect(head.stats.minValidTime == model.minValidTime)

            if !checkedMidway && written.count >= 2 {
                // Head and blocks together hold exactly what was appended so far.
                checkedMidway = true
                try checkUnion(head: head, blocks: blocks, want: CutTestData.slice(data, from: .min, to: end), "midway")
                try checkQueriesAcrossCut(head: head, blocks: blocks, data: data, minValidTime: model.minValidTime, appendedBefore: end)
            }
        }
        #expect(appendedTotal == total)
        #expect(checkedMidway)
        #expect(written.count >= 3, "periodic cuts wrote \(written.count) blocks")
        let statsBeforeForce = head.stats
        #expect(statsBeforeForce.numSeries > 0)
        #expect(statsBeforeForce.minTime >= model.minValidTime)
        #expect(statsBeforeForce.checkpoints >= 1, "every cut that writes a block checkpoints")

        let forced = try head.cutBlocks(into: blocks, thanos: Self.thanos, force: true)
        let expectedForced = model.forcedCut(data: data, appendedBefore: .max)
        #expect(!forced.isEmpty)
        #expect(forced.map { [$0.minTime, $0.maxTime] } == expectedForced)
        for meta in forced { try checkBlock(meta, in: blocks, data: data) }
        written += forced

        // The head is empty: no series, chunks, postings or bounds left.
        let stats = head.stats
        #expect(stats.numSeries == 0)
        #expect(stats.numChunks == 0)
        #expect(stats.minTime == .max && stats.maxTime == .min)
        #expect(stats.blocksCut == written.count)
        #expect(stats.seriesRemoved == data.count)
        // The strings of removed series are not kept either.
        #expect(stats.symbols == 0)
        #expect(try headSamples(head).isEmpty)
        #expect(head.labelNames(minTime: .min, maxTime: .max, matchers: []).isEmpty)
        #expect(head.state.withLock { $0.postings.all.isEmpty && $0.postings.index.isEmpty && $0.byHash.isEmpty && $0.seriesPerMetric.isEmpty })
        // A forced cut with nothing left writes nothing.
        #expect(try head.cutBlocks(into: blocks, thanos: Self.thanos, force: true).isEmpty)

        // Blocks are disjoint and aligned, the forced one ending at the newest sample + 1, and
        // together hold every sample exactly once.
        let sorted = written.sorted { $0.minTime < $1.minTime }
        for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.maxTime <= b.minTime) }
        #expect(sorted.dropLast().allSatisfy { $0.minTime % Self.range == 0 && $0.maxTime - $0.minTime == Self.range })
        let newest = data.values.compactMap { $0.last?.timestamp }.max() ?? .min
        #expect(sorted.last?.minTime == CutPlan.floor(newest, Self.range))
        #expect(sorted.last?.maxTime == newest + 1)
        #expect(stats.minValidTime == newest + 1)
        #expect(try blockDirectories(blocks) == written.map(\.ulid).sorted())
        #expect(try FileManager.default.contentsOfDirectory(atPath: blocks).allSatisfy { !$0.hasSuffix(".tmp") })
        try checkUnion(head: head, blocks: blocks, want: data, "after the forced cut")
        print("block cuts: \(total) samples of \(data.count) series in \(written.count) blocks over \(cutCalls) periodic calls and one forced")
        try head.close()
    }

    /// The block of `meta` is published under `blocks`, carries the range and the Thanos section,
    /// and holds exactly the appended samples of its range.
    func checkBlock(_ meta: BlockMeta, in blocks: String, data: SeriesSamples,
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let block = try Block(directory: blocks + "/" + meta.ulid)
        #expect(block.meta == meta, sourceLocation: sourceLocation)
        #expect(meta.thanos == Self.thanos, sourceLocation: sourceLocation)
        #expect(meta.compaction.level == 1, sourceLocation: sourceLocation)
        let want = CutTestData.slice(data, from: meta.minTime, to: meta.maxTime)
        #expect(meta.stats.numSamples == UInt64(sampleCount(want)), sourceLocation: sourceLocation)
        #expect(meta.stats.numSeries == UInt64(want.count), sourceLocation: sourceLocation)
        expectSameSamples(try blockSamples(blocks + "/" + meta.ulid), want, "block [\(meta.minTime), \(meta.maxTime))",
                          sourceLocation: sourceLocation)
    }

    func checkUnion(head: Head, blocks: String, want: SeriesSamples, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        var parts = [try headSamples(head)]
        for id in try blockDirectories(blocks) { parts.append(try blockSamples(blocks + "/" + id)) }
        expectSameSamples(union(parts), want, "blocks + head, \(what)", sourceLocation: sourceLocation)
    }

    /// `select`, `labelNames` and `labelValues` of the head after a cut: only data from
    /// `minValidTime` on; series that stopped before it are gone with their label names.
    func checkQueriesAcrossCut(head: Head, blocks: String, data: SeriesSamples, minValidTime: Int64,
                               appendedBefore: Int64) throws {
        let inHead = CutTestData.slice(data, from: minValidTime, to: appendedBefore)
        expectSameSamples(try headSamples(head), inHead, "head after a periodic cut")
        #expect(head.stats.numSeries == inHead.count)
        let job = try m(.equal, "job", "api")
        let apiSeries = head.select(minTime: .min, maxTime: .max, matchers: [job])
        #expect(Set(apiSeries.map(\.labels)) == Set(inHead.keys.filter { $0["job"] == "api" }))
        #expect(apiSeries.map(\.labels) == apiSeries.map(\.labels).sorted())
        // The churned series stopped well before the cut: their label is in the blocks only.
        let churnedInHead = inHead.keys.contains { $0["churned"] != nil }
        #expect(!churnedInHead)
        let names = head.labelNames(minTime: .min, maxTime: .max, matchers: [])
        #expect(!names.contains("churned"))
        // The symbol table forgot the strings only removed series used.
        #expect(head.state.withLock { s in !s.symbols.contains("churned") && s.symbols.count == Set(s.postings.symbols).count })
        #expect(names == Set(inHead.keys.flatMap { $0.map(\.name) }).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }))
        #expect(head.labelValues(name: "churned", minTime: .min, maxTime: .max, matchers: []).isEmpty)
        let instances = head.labelValues(name: "instance", minTime: .min, maxTime: .max, matchers: [job])
        #expect(instances == Set(inHead.keys.filter { $0["job"] == "api" }.compactMap { $0["instance"] })
            .sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }))
        var blockNames = Set<String>()
        for id in try blockDirectories(blocks) {
            let block = try Block(directory: blocks + "/" + id)
            blockNames.formUnion(try block.reader.labelNames(minTime: .min, maxTime: .max, matchers: []))
        }
        #expect(blockNames.contains("churned"))
        // A query straddling minValidTime gets the newer part from the head.
        let straddling = decode(head.select(minTime: minValidTime - Self.range, maxTime: minValidTime + Self.range / 4,
                                            matchers: [try allSeriesMatcher()]))
        #expect(straddling.values.allSatisfy { $0.allSatisfy { $0.timestamp >= minValidTime } })
        #expect(!straddling.isEmpty)
    }

    @Test("an append older than minValidTime is refused as too old, naming minValidTime")
    func belowMinValidTime() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let up = L(("__name__", "up"), ("job", "x"))
        let t0: Int64 = 1_795_600_800_000 // 2026-11-25T10:00:00Z, a multiple of 2 h
        _ = try head.append(batch(up, [(t0 + 1_000, 1), (t0 + 3_600_000, 2)]), limits: .unlimited)
        // Forced in the middle of the range: the block ends at the newest sample + 1.
        let metas = try head.cutBlocks(into: dir.path + "/blocks", thanos: nil, force: true)
        #expect(metas.map(\.minTime) == [t0])
        #expect(metas.map(\.maxTime) == [t0 + 3_600_001])
        #expect(metas.first?.thanos == nil)
        let minValid = t0 + 3_600_001
        #expect(head.stats.minValidTime == minValid)

        let old = try head.append(batch(up, [(minValid - 1, 3)]), limits: .unlimited)
        #expect(old.appended == 0)
        #expect(old.rejected == [.sampleTimestampTooOld: 1])
        #expect(old.firstRejection?.id == .sampleTimestampTooOld)
        #expect(old.firstRejection?.message == "the sample has been rejected because its timestamp is too old: it is before the head's minValidTime 2026-11-25T11:00:00.001Z, up to which data has already been cut into blocks (err-strata-sample-timestamp-too-old). The affected sample has timestamp 2026-11-25T11:00:00Z and is from series {__name__=\"up\", job=\"x\"}")
        // A new series with only such samples is not created; the head stays empty.
        let fresh = try head.append(batch(L(("__name__", "fresh")), [(minValid - 5_000, 1)]), limits: .unlimited)
        #expect(fresh.seriesCreated == 0)
        #expect(fresh.rejected == [.sampleTimestampTooOld: 1])
        #expect(head.stats.numSeries == 0)
        // At minValidTime exactly the head accepts again, in the same block range.
        let edge = try head.append(batch(up, [(minValid - 1, 4), (minValid, 5)]), limits: .unlimited)
        #expect(edge.appended == 1)
        #expect(edge.rejected == [.sampleTimestampTooOld: 1])
        // Above minValidTime, the appendable window keeps its own message.
        _ = try head.append(batch(up, [(minValid + Self.range, 6)]), limits: .unlimited)
        let window = try head.append(batch(L(("__name__", "other")), [(minValid + Self.range / 4, 1)]), limits: .unlimited)
        #expect(window.rejected == [.sampleTimestampTooOld: 1])
        #expect(window.firstRejection?.message.contains("minValidTime") == false)
        #expect(window.firstRejection?.message.hasPrefix("the sample has been rejected because its timestamp is too old (err-strata-sample-timestamp-too-old)") == true)
    }

    /// State a hook shares with the test.
    final class HookLog: Sendable {
        let outcomes = Mutex<[String: AppendOutcome]>([:])
        let seen = Mutex<[String: SeriesSamples]>([:])
        let calls = Mutex<Int>(0)
        let checks = Mutex<[String: Bool]>([:])
    }

    @Test("appends and queries run while blocks are written; appends to the current range land in the head")
    func appendsDuringCut() throws {
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        let t0 = CutTestData.start - 1_234
        let a = L(("__name__", "a")), b = L(("__name__", "b"))
        var appended: SeriesSamples = [:]
        // 3.6 ranges at 30 s: a periodic cut takes the first three, the fourth is current.
        let count = Int64(3 * 240 + 144)
        for k in 0..<count {
            let s = Sample(timestamp: t0 + k * 30_000, value: Double(k))
            _ = try head.append(batch([(a, [s]), (b, [s])]), limits: .unlimited)
            appended[a, default: []].append(s)
            appended[b, default: []].append(s)
        }
        let minValid = t0 + 3 * Self.range
        let newest = t0 + (count - 1) * 30_000
        let log = HookLog()
        let before = try headSamples(head)
        head.cutHooks.withLock { hooks in
            hooks.afterBlockPublished = { meta in
                // Mid-cut: the head still answers with everything, takes appends to the current
                // range and refuses appends into the ranges being cut.
                let k = log.calls.withLock { calls -> Int64 in
                    calls += 1
                    return Int64(calls)
                }
                do {
                    let current = try head.append(batch(a, [(newest + k * 1_000, 1)]), limits: .unlimited)
                    let cutRange = try head.append(batch(L(("__name__", "late")), [(meta.maxTime - 1, 1)]), limits: .unlimited)
                    log.outcomes.withLock {
                        $0["current \(meta.minTime)"] = current
                        $0["cut range \(meta.minTime)"] = cutRange
                    }
                    let seen = try headSamples(head)
                    log.seen.withLock { $0["after \(meta.minTime)"] = seen }
                } catch {
                    Issue.record("append during the cut threw \(error)")
                }
            }
        }
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: false)
        #expect(metas.map(\.minTime) == [t0, t0 + Self.range, t0 + 2 * Self.range])
        #expect(head.stats.minValidTime == minValid)
        #expect(log.calls.withLock { $0 } == 3)
        for meta in metas {
            let current = log.outcomes.withLock { $0["current \(meta.minTime)"] }
            let cutRange = log.outcomes.withLock { $0["cut range \(meta.minTime)"] }
            #expect(current?.appended == 1)
            #expect(cutRange?.rejected == [.sampleTimestampTooOld: 1])
            #expect(cutRange?.seriesCreated == 0)
            #expect(cutRange?.firstRejection?.message.contains("before the head's minValidTime 2026-11-25T16:00:00Z") == true)
            // Everything appended before the cut was still queryable while it ran.
            let seen = log.seen.withLock { $0["after \(meta.minTime)"] } ?? [:]
            expectSameSamples(CutTestData.slice(seen, from: .min, to: newest + 1), before, "head during the cut")
        }
        // After the cut the head holds the current range, including the appends made during
        // the cut; the blocks hold the rest.
        let extra = (1...3).map { Sample(timestamp: newest + Int64($0) * 1_000, value: 1) }
        let after = try headSamples(head)
        expectSameSamples(after, union([CutTestData.slice(appended, from: minValid, to: .max), [a: extra]]), "head after the cut")
        try checkUnion(head: head, blocks: blocks, want: union([appended, [a: extra]]), "after a cut with appends")
    }

    @Test("a block write failure leaves the head untouched and the next call retries")
    func failureLeavesHeadUntouched() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        let data = CutTestData.series(count: 40, span: 2 * Self.range + Self.range / 2, seed: 5)
        for (_, b, _) in CutTestData.batches(data, from: CutTestData.start, to: CutTestData.start + 2 * Self.range + Self.range / 2,
                                             window: 10 * 60_000) {
            _ = try head.append(b, limits: .unlimited)
        }
        let before = try headSamples(head)
        let statsBefore = head.stats

        // 1. The directory cannot be created: a regular file is in the way.
        let file = dir.path + "/not-a-directory"
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1])))
        let target = file + "/blocks"
        do {
            _ = try head.cutBlocks(into: target, thanos: nil, force: true)
            Issue.record("a cut into \(target) succeeded")
        } catch {
            #expect("\(error)".contains(target), "\(error)")
            guard case .block = error else { Issue.record("unexpected \(error)"); return }
        }
        expectSameSamples(try headSamples(head), before, "head after a failed cut")
        var stats = head.stats
        #expect(stats.minValidTime == .min)
        #expect(stats.numSeries == statsBefore.numSeries && stats.numChunks == statsBefore.numChunks)
        #expect(stats.blockCutFailures == 1 && stats.blocksCut == 0)
        // minValidTime was restored: the current range takes appends again.
        let next = try head.append(batch(L(("__name__", "after_failure")), [(statsBefore.maxTime, 1)]), limits: .unlimited)
        #expect(next.appended == 1)

        // 2. The second block fails after the first was published: the first is removed again.
        let blocks = dir.path + "/blocks"
        head.cutHooks.withLock { hooks in
            hooks.afterBlockPublished = { (meta: BlockMeta) throws(HeadError) in
                if meta.minTime > CutTestData.start { throw HeadError.block("injected failure after \(meta.ulid)") }
            }
        }
        #expect(throws: HeadError.self) { try head.cutBlocks(into: blocks, thanos: nil, force: true) }
        #expect(try blockDirectories(blocks).isEmpty)
        stats = head.stats
        #expect(stats.blockCutFailures == 2 && stats.minValidTime == .min)
        let withExtra = union([before, [L(("__name__", "after_failure")): [Sample(timestamp: statsBefore.maxTime, value: 1)]]])
        expectSameSamples(try headSamples(head), withExtra, "head after a partly written cut")

        // 3. The retry writes every block once.
        head.cutHooks.withLock { $0 = CutHooks() }
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(metas.count == 3)
        #expect(try blockDirectories(blocks).count == 3)
        #expect(head.stats.numSeries == 0)
        try checkUnion(head: head, blocks: blocks, want: withExtra, "after the retry")
    }

    @Test("chunks written with another chunkRange are split at the new range bounds")
    func chunkRangeChanged() throws {
        let dir = HeadTempDir()
        let oldRange: Int64 = 3 * 3_600_000
        let data = CutTestData.series(count: 60, span: 3 * Self.range + Self.range / 2, seed: 9)
        let first = try Head(directory: dir.path + "/head", options: HeadOptions(chunkRange: oldRange), logger: headTestLogger)
        var end = Int64.min
        for (e, b, _) in CutTestData.batches(data, from: CutTestData.start, to: CutTestData.start + 3 * Self.range + Self.range / 2, window: 10 * 60_000) {
            _ = try first.append(b, limits: .unlimited)
            end = e
        }
        try first.checkpoint()
        try first.close()

        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        expectSameSamples(try headSamples(head), data, "reopened with a 2 h range")
        // Some chunk must cross a 2 h bound for the test to mean something.
        let crossing = head.state.withLock { s in
            s.allSeries.contains { series in
                series.closed.contains { CutPlan.floor($0.minTime, Self.range) != CutPlan.floor($0.maxTime, Self.range) }
            }
        }
        #expect(crossing)
        let blocks = dir.path + "/blocks"
        let periodic = try head.cutBlocks(into: blocks, thanos: nil, force: false)
        #expect(!periodic.isEmpty)
        let minValid = head.stats.minValidTime
        #expect(periodic.last?.maxTime == minValid)
        for meta in periodic {
            expectSameSamples(try blockSamples(blocks + "/" + meta.ulid), CutTestData.slice(data, from: meta.minTime, to: meta.maxTime),
                              "block [\(meta.minTime), \(meta.maxTime))")
        }
        // A chunk straddling minValidTime keeps exactly its newer samples in the head.
        expectSameSamples(try headSamples(head), CutTestData.slice(data, from: minValid, to: end), "head after the cut")
        let forced = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(!forced.isEmpty)
        try checkUnion(head: head, blocks: blocks, want: data, "after the forced cut")
    }

    @Test("blockSamplesPerChunk merges the head's 120-sample chunks into longer block chunks, samples unchanged")
    func blockChunksMerged() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path + "/head", options: HeadOptions(blockSamplesPerChunk: 480), logger: headTestLogger)
        // 2.5 ranges of samples 15 s apart, plus one range-crossing chunk: 480 per full range.
        let series = L(("__name__", "merged_total"), ("job", "x"))
        let samples = (0..<1200).map { Sample(timestamp: CutTestData.start + Int64($0) * 15_000, value: Double($0 * 7 % 1000) + 0.25) }
        _ = try head.append(batch([(series, samples)]), limits: .unlimited)
        let headCounts = head.select(minTime: .min, maxTime: .max, matchers: [try allSeriesMatcher()])
            .first?.chunks.map { XORIterator(bytes: $0.data).declaredCount } ?? []
        #expect(headCounts == [120, 120, 120, 120, 120, 120, 120, 120, 120, 120])

        let blocks = dir.path + "/blocks"
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(metas.count == 3)
        var total = 0
        for meta in metas {
            let block = try Block(directory: blocks + "/" + meta.ulid)
            let got = try block.select(matchers: [try allSeriesMatcher()], minTime: .min, maxTime: .max)
            let counts = got.first?.chunks.map { XORIterator(bytes: $0.data).declaredCount } ?? []
            // One chunk per block range: at most 480 samples of 15 s fit in 2 h.
            #expect(counts.count == 1, "block [\(meta.minTime), \(meta.maxTime)): chunks \(counts)")
            #expect(Int(meta.stats.numChunks) == counts.count)
            total += counts.reduce(0, +)
            let want = samples.filter { $0.timestamp >= meta.minTime && $0.timestamp < meta.maxTime }
            expectSameSamples(try blockSamples(blocks + "/" + meta.ulid), [series: want], "block [\(meta.minTime), \(meta.maxTime))")
        }
        #expect(total == samples.count)
    }

    @Test("removing series keeps colliding series findable and refs unique")
    func removalWithCollisions() throws {
        let dir = HeadTempDir()
        var options = HeadOptions()
        options.hashMask = 0 // every series in one hash bucket
        let head = try Head(directory: dir.path + "/head", options: options, logger: headTestLogger)
        let t0 = CutTestData.start - 1_234
        let a = L(("__name__", "m"), ("i", "a")), b = L(("__name__", "m"), ("i", "b")), c = L(("__name__", "m"), ("i", "c"))
        // `a` (first in the bucket) only has old samples; `b` and `c` continue.
        _ = try head.append(batch([(a, [Sample(timestamp: t0, value: 1)]), (b, [Sample(timestamp: t0, value: 2)]),
                                   (c, [Sample(timestamp: t0, value: 3)])]), limits: .unlimited)
        _ = try head.append(batch([(b, [Sample(timestamp: t0 + 2 * Self.range, value: 4)]),
                                   (c, [Sample(timestamp: t0 + 2 * Self.range, value: 5)])]), limits: .unlimited)
        let metas = try head.cutBlocks(into: dir.path + "/blocks", thanos: nil, force: false)
        #expect(metas.map(\.minTime) == [t0])
        #expect(head.stats.numSeries == 2)
        let refsBefore = head.state.withLock { s in s.allSeries.map(\.ref) }
        let more = try head.append(batch([(b, [Sample(timestamp: t0 + 2 * Self.range + 1, value: 6)]),
                                          (c, [Sample(timestamp: t0 + 2 * Self.range + 1, value: 7)]),
                                          (a, [Sample(timestamp: t0 + 2 * Self.range + 1, value: 8)])]), limits: .unlimited)
        #expect(more.appended == 3)
        #expect(more.seriesCreated == 1, "only `a` is new again")
        let refs = head.state.withLock { s in s.allSeries.map(\.ref) }
        #expect(refs.count == 3 && Set(refs).count == 3)
        #expect(refs.filter { !refsBefore.contains($0) }.allSatisfy { $0 > 3 }, "a removed series' ref is not handed out again")
        let got = try headSamples(head)
        #expect(got[a]?.map(\.value) == [8])
        #expect(got[b]?.map(\.value) == [4, 6])
        #expect(got[c]?.map(\.value) == [5, 7])
        try head.close()
        let reopened = try Head(directory: dir.path + "/head", options: options, logger: headTestLogger)
        expectSameSamples(try headSamples(reopened), got, "reopened head with colliding series")
    }

    @Test("a checkpoint failure after a cut keeps the published blocks and asks for a checkpoint")
    func checkpointFailureAfterCut() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        let t0 = CutTestData.start - 1_234
        let up = L(("__name__", "up"))
        _ = try head.append(batch(up, [(t0, 1), (t0 + 2 * Self.range, 2)]), limits: .unlimited)
        #expect(head.checkpointNeeded() == false)
        // The WAL fails underneath the head: the checkpoint after the cut cannot cut a segment.
        try head.state.withLock { s in try s.wal?.close() }
        let metas = try head.cutBlocks(into: dir.path + "/blocks", thanos: nil, force: false)
        #expect(metas.count == 1)
        #expect(try blockDirectories(dir.path + "/blocks") == metas.map(\.ulid))
        #expect(try headSamples(head)[up]?.map(\.value) == [2])
        #expect(head.stats.checkpoints == 0)
        #expect(head.checkpointNeeded(), "the next checkpointIfNeeded retries")
    }

    /// Appends the batches of `data` in `[from, to)`, expecting every sample to be accepted, and
    /// adds them to `appended`; runs a periodic cut after each batch when `cuts` is given.
    func push(_ data: SeriesSamples, to head: Head, from: Int64, until to: Int64, appended: inout SeriesSamples,
              periodicCutsInto cuts: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> [BlockMeta] {
        var metas: [BlockMeta] = []
        for (end, b, count) in CutTestData.batches(data, from: from, to: to, window: 5 * 60_000) {
            let out = try head.append(b, limits: .unlimited)
            #expect(out.appended == count && out.rejectedCount == 0, "batch ending \(end): \(out)", sourceLocation: sourceLocation)
            if let cuts { metas += try head.cutBlocks(into: cuts, thanos: Self.thanos, force: false) }
        }
        // Every batch was accepted whole: what was appended is the slice.
        appended = union([appended, CutTestData.slice(data, from: from, to: to)])
        return metas
    }

    @Test("a forced cut mid-range ends its block at the newest sample + 1, appends go on at once, and later cuts of the range start where it ended")
    func forcedCutMidRange() throws {
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let span = 3 * Self.range + Self.range / 2
        let data = CutTestData.series(count: 200, span: span, seed: 41)
        let head = try Head(directory: dir.path + "/head", logger: headTestLogger)
        let range0 = CutPlan.floor(CutTestData.start, Self.range)
        let flush1 = range0 + Self.range / 2 + Self.range / 8 // 11:15, as `POST /ingester/flush` would
        let flush2 = range0 + Self.range / 2 + Self.range / 4 // 11:30
        var appended: SeriesSamples = [:]

        _ = try push(data, to: head, from: CutTestData.start, until: flush1, appended: &appended)
        let maxT1 = head.stats.maxTime
        #expect(maxT1 == appended.values.compactMap { $0.last?.timestamp }.max())
        let first = try head.cutBlocks(into: blocks, thanos: Self.thanos, force: true)
        #expect(first.map { [$0.minTime, $0.maxTime] } == [[range0, maxT1 + 1]])
        for meta in first { try checkBlock(meta, in: blocks, data: appended) }
        #expect(head.stats.minValidTime == maxT1 + 1)
        #expect(head.stats.numSeries == 0)

        // Right after the cut: the newest sample's timestamp is refused (it is in the block), the
        // next millisecond and everything after it are accepted, in the same block range.
        guard let (newestLabels, _) = appended.first(where: { $0.value.last?.timestamp == maxT1 }) else {
            Issue.record("no series holds the newest sample")
            return
        }
        let again = try head.append(batch(newestLabels, [(maxT1, 0.5)]), limits: .unlimited)
        #expect(again.rejected == [.sampleTimestampTooOld: 1])
        #expect(again.firstRejection?.message.contains("before the head's minValidTime") == true)
        let probe = L(("__name__", "probe"))
        let probeSamples = [Sample(timestamp: maxT1 + 1, value: 1), Sample(timestamp: flush1 + 60_000, value: 2),
                            Sample(timestamp: flush2 - 60_000, value: 3)]
        let probeOut = try head.append(batch([(probe, probeSamples)]), limits: .unlimited)
        #expect(probeOut.appended == 3 && probeOut.rejectedCount == 0)
        appended = union([appended, [probe: probeSamples]])
        _ = try push(data, to: head, from: flush1, until: flush2, appended: &appended)
        try checkUnion(head: head, blocks: blocks, want: appended, "after appends following a forced cut")

        // A second forced cut in the same range starts where the first ended. While it writes,
        // an append at its end + 1 lands in a new chunk: the open chunk was closed by the snapshot.
        let maxT2 = head.stats.maxTime
        let log = HookLog()
        head.cutHooks.withLock { hooks in
            hooks.afterBlockPublished = { _ in
                do {
                    let out = try head.append(batch(probe, [(maxT2 + 1, 4)]), limits: .unlimited)
                    let split = head.state.withLock { s -> Bool in
                        guard let series = s.allSeries.first(where: { $0.labels == probe }), let open = series.open else { return false }
                        return open.minTime == maxT2 + 1 && open.count == 1 && series.closed.allSatisfy { $0.maxTime <= maxT2 }
                    }
                    log.outcomes.withLock { $0["during"] = out }
                    log.checks.withLock { $0["new chunk"] = split }
                } catch {
                    Issue.record("append during the forced cut threw \(error)")
                }
            }
        }
        let second = try head.cutBlocks(into: blocks, thanos: Self.thanos, force: true)
        head.cutHooks.withLock { $0 = CutHooks() }
        #expect(second.map { [$0.minTime, $0.maxTime] } == [[maxT1 + 1, maxT2 + 1]])
        #expect(log.outcomes.withLock { $0["during"]?.appended } == 1)
        #expect(log.checks.withLock { $0["new chunk"] } == true, "the append during the cut went into a chunk of the cut data")
        appended = union([appended, [probe: [Sample(timestamp: maxT2 + 1, value: 4)]]])
        for meta in second { try checkBlock(meta, in: blocks, data: appended) }
        #expect(head.stats.minValidTime == maxT2 + 1)
        expectSameSamples(try headSamples(head), [probe: [Sample(timestamp: maxT2 + 1, value: 4)]], "head after the second forced cut")

        // Periodic cuts then take the rest of the range from the second cut's end, and the later
        // ranges whole; a last forced cut takes what is left.
        let periodic = try push(data, to: head, from: flush2, until: CutTestData.start + span, appended: &appended, periodicCutsInto: blocks)
        #expect(periodic.first.map { [$0.minTime, $0.maxTime] } == [maxT2 + 1, range0 + Self.range])
        #expect(periodic.dropFirst().allSatisfy { $0.minTime % Self.range == 0 && $0.maxTime - $0.minTime == Self.range })
        let last = try head.cutBlocks(into: blocks, thanos: Self.thanos, force: true)
        let newest = appended.values.compactMap { $0.last?.timestamp }.max() ?? .min
        #expect(last.last?.maxTime == newest + 1)
        let all = first + second + periodic + last
        for meta in periodic + last { try checkBlock(meta, in: blocks, data: appended) }

        // The blocks tile time without overlap or gap, and with the (empty) head hold every
        // appended sample exactly once.
        let sorted = all.sorted { $0.minTime < $1.minTime }
        #expect(sorted.first?.minTime == range0)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.maxTime == b.minTime, "block [\(a.minTime), \(a.maxTime)) then [\(b.minTime), \(b.maxTime))")
        }
        #expect(try blockDirectories(blocks) == all.map(\.ulid).sorted())
        #expect(head.stats.numSeries == 0)
        try checkUnion(head: head, blocks: blocks, want: appended, "after forced, periodic and forced cuts")
        #expect(sampleCount(appended) == sampleCount(data) + probeSamples.count + 1)
        print("forced cuts mid-range: blocks \(sorted.map { "[\($0.minTime - range0), \($0.maxTime - range0))" }.joined(separator: " "))")
        try head.close()
    }

    @Test("cut planning: the 1.5-range gate, whole ranges, forced cuts and extreme timestamps")
    func plan() {
        let r: Int64 = 100
        // Spans of 1.5 ranges or less are not cut periodically.
        #expect(CutPlan(headMinTime: 0, headMaxTime: 150, chunkRange: r, force: false) == nil)
        #expect(CutPlan(headMinTime: 0, headMaxTime: 151, chunkRange: r, force: false).map { [$0.start, $0.end] } == [0, 100])
        // Ranges ending at or before max − r/2 only.
        #expect(CutPlan(headMinTime: 10, headMaxTime: 249, chunkRange: r, force: false).map { [$0.start, $0.end] } == [0, 100])
        #expect(CutPlan(headMinTime: 10, headMaxTime: 250, chunkRange: r, force: false).map { [$0.start, $0.end] } == [0, 200])
        // Forced: through the newest sample, whose successor ends the last block.
        #expect(CutPlan(headMinTime: 10, headMaxTime: 10, chunkRange: r, force: true).map { [$0.start, $0.end] } == [0, 11])
        #expect(CutPlan(headMinTime: 10, headMaxTime: 200, chunkRange: r, force: true).map { [$0.start, $0.end] } == [0, 201])
        #expect(CutPlan(headMinTime: 10, headMaxTime: 199, chunkRange: r, force: true).map { [$0.start, $0.end] } == [0, 200])
        let forced = CutPlan(headMinTime: 10, headMaxTime: 230, chunkRange: r, force: true)
        #expect(forced.map { [$0.blockBounds(rangeStart: 0).minTime, $0.blockBounds(rangeStart: 0).maxTime] } == [0, 100])
        #expect(forced.map { [$0.blockBounds(rangeStart: 200).minTime, $0.blockBounds(rangeStart: 200).maxTime] } == [200, 231])
        // After an earlier forced cut ended at 41, blocks of its range start there.
        let again = CutPlan(headMinTime: 41, headMaxTime: 70, chunkRange: r, force: true, previousEnd: 41)
        #expect(again.map { [$0.start, $0.end] } == [0, 71])
        #expect(again.map { [$0.blockBounds(rangeStart: 0).minTime, $0.blockBounds(rangeStart: 0).maxTime] } == [41, 71])
        let periodic = CutPlan(headMinTime: 71, headMaxTime: 260, chunkRange: r, force: false, previousEnd: 71)
        #expect(periodic.map { [$0.start, $0.end] } == [0, 200])
        #expect(periodic.map { [$0.blockBounds(rangeStart: 0).minTime, $0.blockBounds(rangeStart: 0).maxTime] } == [71, 100])
        #expect(periodic.map { [$0.blockBounds(rangeStart: 100).minTime, $0.blockBounds(rangeStart: 100).maxTime] } == [100, 200])
        // A plan ending where the previous cut ended has nothing to cut.
        #expect(CutPlan(headMinTime: 41, headMaxTime: 41, chunkRange: r, force: true, previousEnd: 42) == nil)
        // Empty head, no range.
        #expect(CutPlan(headMinTime: .max, headMaxTime: .min, chunkRange: r, force: true) == nil)
        #expect(CutPlan(headMinTime: 0, headMaxTime: 1_000, chunkRange: 0, force: true) == nil)
        // Before 1970 the ranges are floored too.
        #expect(CutPlan(headMinTime: -150, headMaxTime: -1, chunkRange: r, force: true).map { [$0.start, $0.end] } == [-200, 0])
        #expect(CutPlan(headMinTime: -150, headMaxTime: -51, chunkRange: r, force: true).map { [$0.start, $0.end] } == [-200, -50])
        // Extreme timestamps do not trap.
        let wide = CutPlan(headMinTime: .min, headMaxTime: .max, chunkRange: HeadOptions.defaultChunkRange, force: false)
        #expect(wide != nil)
        let top = CutPlan(headMinTime: .max - 5, headMaxTime: .max, chunkRange: HeadOptions.defaultChunkRange, force: true)
        #expect(top?.end == .max)
        #expect(top?.blockBounds(rangeStart: CutPlan.floor(.max, HeadOptions.defaultChunkRange)).maxTime == .max)
        #expect(CutPlan.floor(.min + 1, HeadOptions.defaultChunkRange) == .min)
        #expect(MemSeries.rangeEnd(of: .min + 1, chunkRange: HeadOptions.defaultChunkRange) > .min + 1)
    }
}
