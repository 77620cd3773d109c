import Foundation
import Testing
import StrataChunks
import StrataModel
@testable import StrataTSDB

@Suite("Head append")
struct HeadAppendTests {
    let up = L(("__name__", "up"), ("job", "x"))

    @Test("append then select returns the samples")
    func roundTrip() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let out = try head.append(batch(up, [(1000, 1), (2000, 2), (3000, 3)]), limits: .unlimited)
        #expect(out.appended == 3)
        #expect(out.seriesCreated == 1)
        #expect(out.rejected.isEmpty)
        #expect(out.firstRejection == nil)
        let res = head.select(minTime: 0, maxTime: 10_000, matchers: [try m(.equal, "job", "x")])
        #expect(res.count == 1)
        #expect(res.first?.labels == up)
        #expect(res.first.map(samples(of:)) == [Sample(timestamp: 1000, value: 1), Sample(timestamp: 2000, value: 2), Sample(timestamp: 3000, value: 3)])
        let stats = head.stats
        #expect(stats.numSeries == 1)
        #expect(stats.numChunks == 1)
        #expect(stats.minTime == 1000)
        #expect(stats.maxTime == 3000)
        #expect(stats.samplesAppended == 3)
        #expect(stats.walBytesWritten > 0)
        try head.close()
    }

    @Test("out-of-order sample is refused with Mimir's message")
    func outOfOrder() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        _ = try head.append(batch(up, [(1_795_600_800_000, 1)]), limits: .unlimited)
        let out = try head.append(batch(up, [(1_795_600_799_000, 2), (1_795_600_801_000, 3)]), limits: .unlimited)
        #expect(out.appended == 1)
        #expect(out.rejected == [.sampleOutOfOrder: 1])
        #expect(out.firstRejection?.id == .sampleOutOfOrder)
        #expect(out.firstRejection?.message == "the sample has been rejected because another sample with a more recent timestamp has already been ingested and out-of-order samples are not allowed (err-strata-sample-out-of-order). The affected sample has timestamp 2026-11-25T09:59:59Z and is from series {__name__=\"up\", job=\"x\"}")
    }

    @Test("duplicate timestamp with another value is refused; identical sample is a silent no-op")
    func duplicates() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        _ = try head.append(batch(up, [(5000, 1.5)]), limits: .unlimited)
        let same = try head.append(batch(up, [(5000, 1.5)]), limits: .unlimited)
        #expect(same.appended == 0)
        #expect(same.rejected.isEmpty)
        #expect(same.firstRejection == nil)
        #expect(same.duplicatesIgnored == 1)
        let other = try head.append(batch(up, [(5000, 2.5)]), limits: .unlimited)
        #expect(other.appended == 0)
        #expect(other.rejected == [.sampleDuplicateTimestamp: 1])
        #expect(other.firstRejection?.message == "the sample has been rejected because another sample with the same timestamp, but a different value, has already been ingested (err-strata-sample-duplicate-timestamp). The affected sample has timestamp 1970-01-01T00:00:05Z and is from series {__name__=\"up\", job=\"x\"}")
        // NaN == NaN bitwise: resending a NaN is a no-op, not a duplicate.
        _ = try head.append(batch(up, [(6000, .nan)]), limits: .unlimited)
        let nan = try head.append(batch(up, [(6000, .nan)]), limits: .unlimited)
        #expect(nan.rejected.isEmpty)
        #expect(nan.duplicatesIgnored == 1)
        let all = head.select(minTime: 0, maxTime: 10_000, matchers: [try m(.equal, "job", "x")])
        #expect(all.first.map(samples(of:))?.count == 2)
    }

    @Test("sample older than the appendable window is too old")
    func tooOld() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, options: HeadOptions(chunkRange: 7_200_000), logger: headTestLogger)
        let t0: Int64 = 1_795_600_800_000
        _ = try head.append(batch(up, [(t0, 1)]), limits: .unlimited)
        let other = L(("__name__", "other"))
        // Exactly on the window edge is accepted; one ms before is too old, for a new series too.
        let out = try head.append(batch([
            (other, [Sample(timestamp: t0 - 3_600_001, value: 1), Sample(timestamp: t0 - 3_600_000, value: 2)]),
        ]), limits: .unlimited)
        #expect(out.appended == 1)
        #expect(out.rejected == [.sampleTimestampTooOld: 1])
        #expect(out.firstRejection?.message == "the sample has been rejected because its timestamp is too old (err-strata-sample-timestamp-too-old). The affected sample has timestamp 2026-11-25T08:59:59.999Z and is from series {__name__=\"other\"}")
        // A new series all of whose samples are too old is not created.
        let gone = try head.append(batch(L(("__name__", "gone")), [(t0 - 4_000_000, 1)]), limits: .unlimited)
        #expect(gone.seriesCreated == 0)
        #expect(gone.rejected == [.sampleTimestampTooOld: 1])
        #expect(head.stats.numSeries == 2)
    }

    @Test("samples of one series within a batch must be in order")
    func inBatchOrder() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let out = try head.append(batch(up, [(3000, 1), (2000, 2), (3000, 1), (3000, 9), (4000, 4)]), limits: .unlimited)
        #expect(out.appended == 2)
        #expect(out.rejected == [.sampleOutOfOrder: 1, .sampleDuplicateTimestamp: 1])
        #expect(out.duplicatesIgnored == 1)
        // The same series twice in one batch: the second entry continues after the first.
        let twice = try head.append(batch([
            (up, [Sample(timestamp: 5000, value: 5)]),
            (up, [Sample(timestamp: 4500, value: 1), Sample(timestamp: 6000, value: 6)]),
        ]), limits: .unlimited)
        #expect(twice.appended == 2)
        #expect(twice.rejected == [.sampleOutOfOrder: 1])
        let newTwice = try head.append(batch([
            (L(("__name__", "n")), [Sample(timestamp: 5000, value: 5)]),
            (L(("__name__", "n")), [Sample(timestamp: 6000, value: 6)]),
        ]), limits: .unlimited)
        #expect(newTwice.seriesCreated == 1)
        #expect(newTwice.appended == 2)
        let res = head.select(minTime: 0, maxTime: 10_000, matchers: [try m(.equal, "__name__", "up")])
        #expect(res.first.map(samples(of:))?.map(\.timestamp) == [3000, 4000, 5000, 6000])
        #expect(head.stats.numSeries == 2)
    }

    @Test("chunks are cut every 120 samples and at block-range boundaries")
    func chunkCutting() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let samples = (0..<250).map { (Int64($0) * 15_000, Double($0)) }
        _ = try head.append(batch(up, samples), limits: .unlimited)
        let res = head.select(minTime: 0, maxTime: .max, matchers: [try m(.equal, "job", "x")])
        #expect(res.first?.chunks.map { XORIterator(bytes: $0.data).declaredCount } == [120, 120, 10])
        #expect(res.first?.chunks.first?.minTime == 0)
        let firstMax: Int64? = res.first?.chunks.first?.maxTime
        #expect(firstMax == Int64(119 * 15_000))
        #expect(head.stats.numChunks == 3)
        // Only overlapping chunks are returned.
        let mid = head.select(minTime: 120 * 15_000, maxTime: 121 * 15_000, matchers: [try m(.equal, "job", "x")])
        #expect(mid.first?.chunks.count == 1)
        let midMin: Int64? = mid.first?.chunks.first?.minTime
        #expect(midMin == Int64(120 * 15_000))

        let other = L(("__name__", "b"))
        let range = HeadOptions.defaultChunkRange
        _ = try head.append(batch(other, [(range - 1000, 1), (range, 2), (range + 1000, 3)]), limits: .unlimited)
        let b = head.select(minTime: 0, maxTime: .max, matchers: [try m(.equal, "__name__", "b")])
        #expect(b.first?.chunks.map(\.minTime) == [range - 1000, range])
    }

    @Test("samplesPerChunk sets where chunks are cut, in appends and in WAL replay")
    func samplesPerChunkOption() throws {
        let dir = HeadTempDir()
        let options = HeadOptions(samplesPerChunk: 240)
        let samples = (0..<500).map { (Int64($0) * 15_000, Double($0)) }
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        _ = try head.append(batch(up, samples), limits: .unlimited)
        let counts = { (h: Head) throws -> [Int]? in
            h.select(minTime: 0, maxTime: .max, matchers: [try m(.equal, "job", "x")])
                .first?.chunks.map { XORIterator(bytes: $0.data).declaredCount }
        }
        #expect(try counts(head) == [240, 240, 20])
        try head.close()
        let reopened = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try counts(reopened) == [240, 240, 20])
        try reopened.close()
    }

    @Test("stale NaN is stored and returned bit-exactly")
    func staleNaN() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let otherNaN = Double(bitPattern: 0x7ff8_0000_0000_0001)
        _ = try head.append(batch(up, [(1000, 1), (2000, StaleNaN.value), (3000, otherNaN)]), limits: .unlimited)
        let got = head.select(minTime: 0, maxTime: 5000, matchers: [try m(.equal, "job", "x")]).first.map(samples(of:)) ?? []
        #expect(got.map(\.value.bitPattern) == [Double(1).bitPattern, StaleNaN.bitPattern, otherNaN.bitPattern])
        try head.close()
        let reopened = try Head(directory: dir.path, logger: headTestLogger)
        let again = reopened.select(minTime: 0, maxTime: 5000, matchers: [try m(.equal, "job", "x")]).first.map(samples(of:)) ?? []
        #expect(again.map(\.value.bitPattern) == got.map(\.value.bitPattern))
    }

    @Test("per-user series limit refuses new series with all their samples")
    func perUserLimit() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let limits = SeriesLimits(maxSeriesPerUser: 2, maxSeriesPerMetric: 0)
        let out = try head.append(batch([
            (L(("__name__", "a")), [Sample(timestamp: 1, value: 1)]),
            (L(("__name__", "b")), [Sample(timestamp: 1, value: 1)]),
            (L(("__name__", "c")), [Sample(timestamp: 1, value: 1), Sample(timestamp: 2, value: 2)]),
        ]), limits: limits)
        #expect(out.appended == 2)
        #expect(out.seriesCreated == 2)
        #expect(out.rejected == [.maxSeriesPerUser: 2])
        #expect(out.firstRejection?.message == "per-user series limit of 2 exceeded (err-strata-max-series-per-user). To adjust the related per-tenant limit, configure -ingester.max-global-series-per-user, or contact your service administrator.")
        // Existing series keep accepting samples at the limit.
        let more = try head.append(batch(L(("__name__", "a")), [(2, 2)]), limits: limits)
        #expect(more.appended == 1)
        #expect(more.rejected.isEmpty)
        #expect(head.stats.numSeries == 2)
    }

    @Test("per-metric series limit counts series per metric name")
    func perMetricLimit() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let limits = SeriesLimits(maxSeriesPerUser: 0, maxSeriesPerMetric: 1)
        let out = try head.append(batch([
            (L(("__name__", "a"), ("i", "1")), [Sample(timestamp: 1, value: 1)]),
            (L(("__name__", "a"), ("i", "2")), [Sample(timestamp: 1, value: 1)]),
            (L(("__name__", "b"), ("i", "1")), [Sample(timestamp: 1, value: 1)]),
        ]), limits: limits)
        #expect(out.appended == 2)
        #expect(out.rejected == [.maxSeriesPerMetric: 1])
        #expect(out.firstRejection?.message == "per-metric series limit of 1 exceeded (err-strata-max-series-per-metric). To adjust the related per-tenant limit, configure -ingester.max-global-series-per-metric, or contact your service administrator. This is for series {__name__=\"a\", i=\"2\"}")
        let later = try head.append(batch(L(("__name__", "a"), ("i", "3")), [(2, 1)]), limits: limits)
        #expect(later.rejected == [.maxSeriesPerMetric: 1])
    }

    @Test("label sets sharing a hash bucket stay separate series")
    func hashCollisions() throws {
        let dir = HeadTempDir()
        var options = HeadOptions()
        options.hashMask = 0 // every series hashes to 0
        let head = try Head(directory: dir.path, options: options, logger: headTestLogger)
        let a = L(("__name__", "m"), ("i", "a")), b = L(("__name__", "m"), ("i", "b")), c = L(("__name__", "m"), ("i", "c"))
        var out = try head.append(batch([(a, [Sample(timestamp: 1, value: 1)]), (b, [Sample(timestamp: 1, value: 2)])]), limits: .unlimited)
        #expect(out.seriesCreated == 2)
        out = try head.append(batch([(c, [Sample(timestamp: 1, value: 3)]), (b, [Sample(timestamp: 2, value: 4)]),
                                     (a, [Sample(timestamp: 2, value: 5)])]), limits: .unlimited)
        #expect(out.seriesCreated == 1)
        #expect(out.appended == 3)
        let before = try dump(head)
        #expect(before["m{i=\"a\"}"]?.count == 4)
        #expect(before["m{i=\"b\"}"]?.count == 4)
        #expect(before["m{i=\"c\"}"]?.count == 2)
        #expect(head.stats.numSeries == 3)
        try head.close()
        let reopened = try Head(directory: dir.path, options: options, logger: headTestLogger)
        #expect(try dump(reopened) == before)
        #expect(reopened.stats.numSeries == 3)
    }

    @Test("a batch with unsorted labels still finds its series")
    func unsortedBatchLabels() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        _ = try head.append(batch(up, [(1000, 1)]), limits: .unlimited)
        // job="x" before __name__="up": the contract is broken, the series must not be doubled.
        let bytes = Array("jobxup__name__".utf8)
        let refs: ContiguousArray<SeriesBatch.LabelRef> = [
            .init(nameOffset: 0, nameLength: 3, valueOffset: 3, valueLength: 1),
            .init(nameOffset: 6, nameLength: 8, valueOffset: 4, valueLength: 2),
        ]
        let unsorted = SeriesBatch(buffer: bytes, labels: refs,
                                   series: [.init(labelStart: 0, labelCount: 2, sampleStart: 0, sampleCount: 1)],
                                   samples: [Sample(timestamp: 2000, value: 2)])
        let out = try head.append(unsorted, limits: .unlimited)
        #expect(out.appended == 1)
        #expect(out.seriesCreated == 0)
        #expect(head.stats.numSeries == 1)
    }

    @Test("appending after close throws")
    func closed() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        try head.close()
        try head.close()
        #expect(throws: HeadError.self) { try head.append(batch(up, [(1, 1)]), limits: .unlimited) }
    }

    @Test("RFC 3339 formatting matches Go's RFC3339Nano in UTC")
    func rfc3339() {
        #expect(HeadMessages.formatRFC3339(milliseconds: 0) == "1970-01-01T00:00:00Z")
        #expect(HeadMessages.formatRFC3339(milliseconds: 1_575_043_969) == "1970-01-19T05:30:43.969Z")
        #expect(HeadMessages.formatRFC3339(milliseconds: 1_795_600_800_000) == "2026-11-25T10:00:00Z")
        #expect(HeadMessages.formatRFC3339(milliseconds: 951_782_400_500) == "2000-02-29T00:00:00.5Z")
        #expect(HeadMessages.formatRFC3339(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }
}
