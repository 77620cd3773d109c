import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import StrataTestSupport
import Testing
@testable import StrataTSDB

/// One decoded sample of any kind, compared bitwise (histograms without their counter-reset hint,
/// which chunks do not store per sample).
enum AnySample: Equatable, CustomStringConvertible {
    case float(Int64, UInt64)
    case histogram(Int64, Histogram)
    case floatHistogram(Int64, FloatHistogram)

    var timestamp: Int64 {
        switch self {
        case .float(let t, _), .histogram(let t, _), .floatHistogram(let t, _): return t
        }
    }

    static func == (a: AnySample, b: AnySample) -> Bool {
        switch (a, b) {
        case (.float(let t1, let v1), .float(let t2, let v2)): return t1 == t2 && v1 == v2
        case (.histogram(let t1, let h1), .histogram(let t2, let h2)):
            return t1 == t2 && HistogramValue.integer(h1).isDuplicate(of: .integer(h2))
        case (.floatHistogram(let t1, let h1), .floatHistogram(let t2, let h2)):
            return t1 == t2 && HistogramValue.float(h1).isDuplicate(of: .float(h2))
        default: return false
        }
    }

    var description: String {
        switch self {
        case .float(let t, let v): return "float(\(t), \(Double(bitPattern: v)))"
        case .histogram(let t, let h): return "histogram(\(t), count \(h.count), sum \(h.sum))"
        case .floatHistogram(let t, let h): return "floatHistogram(\(t), count \(h.count), sum \(h.sum))"
        }
    }
}

/// Every sample of `chunks`, decoded with the iterator of each chunk's encoding.
func anySamples(_ chunks: [EncodedChunk]) -> [AnySample] {
    var out: [AnySample] = []
    for c in chunks {
        switch c.encoding {
        case .xor:
            var it = XORIterator(bytes: c.data)
            while let s = it.next() { out.append(.float(s.timestamp, s.value.bitPattern)) }
        case .histogram:
            var it = HistogramIterator(bytes: c.data)
            while let s = it.next() { out.append(.histogram(s.timestamp, s.histogram)) }
        case .floatHistogram:
            var it = FloatHistogramIterator(bytes: c.data)
            while let s = it.next() { out.append(.floatHistogram(s.timestamp, s.histogram)) }
        case .aggregate:
            break
        }
    }
    return out
}

/// A counter histogram that grows with `i` (schema 0, zero bucket, two positive buckets and one
/// negative bucket); `buckets` > 2 widens the positive span.
func testHistogram(_ i: Int, schema: Int32 = 0, buckets: Int = 2) -> Histogram {
    let n = UInt64(i)
    let positive = [Int64(i)] + Array(repeating: Int64(0), count: buckets - 1)
    return Histogram(schema: schema, zeroThreshold: 0.001, zeroCount: n, count: n * UInt64(buckets + 2),
                     sum: Double(i) * 1.5, positiveSpans: [HistogramSpan(offset: 0, length: UInt32(buckets))],
                     positiveBuckets: positive, negativeSpans: [HistogramSpan(offset: 1, length: 1)], negativeBuckets: [Int64(i)])
}

func testFloatHistogram(_ i: Int) -> FloatHistogram {
    FloatHistogram(counterResetHint: .gauge, schema: -1, zeroThreshold: 0.5, zeroCount: Double(i % 3) + 0.5,
                   count: Double(i % 3) * 2 + 2.25, sum: Double(i) * 0.25, positiveSpans: [HistogramSpan(offset: -1, length: 2)],
                   positiveBuckets: [Double(i % 3) + 0.75, 1.0])
}

func customHistogram(_ i: Int) -> Histogram {
    Histogram(schema: HistogramSchema.customBuckets, count: UInt64(2 * i), sum: Double(i),
              positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [Int64(i), 0],
              customValues: [0.5, 1, 2.5])
}

func histogramBatch(_ labels: Labels, samples: [Sample] = [], _ points: [HistogramPoint]) -> SeriesBatch {
    var b = SeriesBatch()
    b.append(labels: labels, samples: samples, histograms: points)
    return b
}

func ints(_ range: ClosedRange<Int>, step: Int64 = 15_000, base: Int64 = 0) -> [HistogramPoint] {
    range.map { HistogramPoint(timestamp: base + Int64($0) * step, value: .integer(testHistogram($0))) }
}

func headSeries(_ head: Head, _ labels: Labels) throws -> QuerySeries? {
    let matchers = try labels.map { try LabelMatcher(.equal, $0.name, $0.value) }
    return head.select(minTime: .min, maxTime: .max, matchers: matchers).first
}

@Suite("Head: native histograms")
struct HeadHistogramTests {
    let series = L(("__name__", "rpc_duration_seconds"), ("job", "api"))

    @Test("floats, integer and float histograms of one series go into chunks of their encoding, in time order")
    func kindsInTimeOrder() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        let floats1 = (1...5).map { Sample(timestamp: Int64($0) * 15_000, value: Double($0)) }
        let hists = ints(6...30)
        let fh = (31...40).map { HistogramPoint(timestamp: Int64($0) * 15_000, value: .float(testFloatHistogram($0))) }
        let floats2 = (41...45).map { Sample(timestamp: Int64($0) * 15_000, value: Double($0)) }
        var out = try head.append(histogramBatch(series, samples: floats1, hists), limits: .unlimited)
        #expect(out.appended == 30)
        out = try head.append(histogramBatch(series, fh), limits: .unlimited)
        #expect(out.appended == 10)
        out = try head.append(histogramBatch(series, samples: floats2, []), limits: .unlimited)
        #expect(out.appended == 5)
        #expect(head.stats.samplesAppended == 45)

        let got = try #require(try headSeries(head, series))
        #expect(got.chunks.map(\.encoding) == [.xor, .histogram, .floatHistogram, .xor])
        #expect(zip(got.chunks, got.chunks.dropFirst()).allSatisfy { $0.maxTime < $1.minTime })
        var want: [AnySample] = floats1.map { .float($0.timestamp, $0.value.bitPattern) }
        want += hists.map { p in if case .integer(let h) = p.value { return .histogram(p.timestamp, h) }; return .float(0, 0) }
        want += fh.map { p in if case .float(let h) = p.value { return .floatHistogram(p.timestamp, h) }; return .float(0, 0) }
        want += floats2.map { .float($0.timestamp, $0.value.bitPattern) }
        #expect(anySamples(got.chunks) == want)
        #expect(head.stats.numChunks == 4)
        // The open chunk is a histogram chunk until the floats arrived; a query in its range only.
        let mid = head.select(minTime: 20 * 15_000, maxTime: 25 * 15_000, matchers: [try m(.equal, "job", "api")])
        #expect(mid.first?.chunks.map(\.encoding) == [.histogram])
    }

    @Test("a counter reset starts a chunk with the counter-reset header; a schema change one with the unknown header")
    func counterResetHeaders() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        var points = ints(1...12)
        points.append(HistogramPoint(timestamp: 13 * 15_000, value: .integer(testHistogram(2))))  // counts went down
        points.append(HistogramPoint(timestamp: 14 * 15_000, value: .integer(testHistogram(3))))
        points.append(HistogramPoint(timestamp: 15 * 15_000, value: .integer(testHistogram(4, schema: 1))))
        points.append(HistogramPoint(timestamp: 16 * 15_000, value: .integer(testHistogram(5, schema: 1))))
        #expect(try head.append(histogramBatch(series, points), limits: .unlimited).appended == 16)
        let got = try #require(try headSeries(head, series))
        #expect(got.chunks.count == 3)
        let headers = got.chunks.map { HistogramIterator(bytes: $0.data).header }
        #expect(headers == [.unknown, .counterReset, .unknown])
        #expect(got.chunks.map { HistogramIterator(bytes: $0.data).declaredCount } == [12, 2, 2])
    }

    @Test("large histograms are cut by Prometheus's size rule: at least 10 samples, about 1-2 KiB, next chunk not a counter reset")
    func sizeRule() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        // 60 buckets per sample: a sample costs far more than a float.
        let points = (1...100).map { i in
            var h = testHistogram(i, buckets: 60)
            h.positiveBuckets = (0..<60).map { Int64(($0 * 7 + i * 13) % 11) - 5 }
            h.positiveBuckets[0] = Int64(i * 10)
            // Keep absolute counts non-decreasing (no counter reset): all deltas but the first grow.
            h.positiveBuckets = Histogram.deltas((0..<60).map { Int64(i * ($0 + 1)) })
            h.count = UInt64(Histogram.absolute(h.positiveBuckets).reduce(0, +)) + h.zeroCount + UInt64(i)
            return HistogramPoint(timestamp: Int64(i) * 15_000, value: .integer(h))
        }
        #expect(try head.append(histogramBatch(series, points), limits: .unlimited).appended == 100)
        let got = try #require(try headSeries(head, series))
        #expect(got.chunks.count > 1)
        for c in got.chunks.dropLast() {
            #expect(HistogramIterator(bytes: c.data).declaredCount >= minSamplesPerHistogramChunk)
        }
        #expect(got.chunks.dropFirst().allSatisfy { HistogramIterator(bytes: $0.data).header == .notCounterReset })
        #expect(anySamples(got.chunks).count == 100)
    }

    @Test("duplicates, out-of-order, invalid histograms and a float at a histogram's timestamp are refused as Prometheus does")
    func refusals() throws {
        let dir = HeadTempDir()
        let head = try Head(directory: dir.path, logger: headTestLogger)
        _ = try head.append(histogramBatch(series, ints(1...3)), limits: .unlimited)
        // The same histogram again: ignored. Another value at that timestamp: duplicate.
        var out = try head.append(histogramBatch(series, [HistogramPoint(timestamp: 3 * 15_000, value: .integer(testHistogram(3)))]),
                                  limits: .unlimited)
        #expect(out.duplicatesIgnored == 1 && out.appended == 0 && out.rejectedCount == 0)
        out = try head.append(histogramBatch(series, [HistogramPoint(timestamp: 3 * 15_000, value: .integer(testHistogram(4)))]),
                              limits: .unlimited)
        #expect(out.rejected == [.sampleDuplicateTimestamp: 1])
        out = try head.append(histogramBatch(series, samples: [Sample(timestamp: 3 * 15_000, value: 1)], []), limits: .unlimited)
        #expect(out.rejected == [.sampleDuplicateTimestamp: 1])
        out = try head.append(histogramBatch(series, [HistogramPoint(timestamp: 2 * 15_000, value: .integer(testHistogram(2)))]),
                              limits: .unlimited)
        #expect(out.rejected == [.sampleOutOfOrder: 1])
        // With an out-of-order window, late histograms are still refused: the window is float-only.
        var limits = SeriesLimits.unlimited
        limits.outOfOrderTimeWindow = 3_600_000
        out = try head.append(histogramBatch(series, [HistogramPoint(timestamp: 2 * 15_000 + 1, value: .integer(testHistogram(2)))]),
                              limits: limits)
        #expect(out.rejected == [.sampleOutOfOrder: 1])
        var bad = testHistogram(5)
        bad.positiveBuckets.append(1)
        out = try head.append(histogramBatch(series, [HistogramPoint(timestamp: 5 * 15_000, value: .integer(bad))]), limits: .unlimited)
        #expect(out.rejected == [.nativeHistogramInvalid: 1])
        #expect(out.firstRejection?.message.contains("err-strata-native-histogram-invalid") == true)
        #expect(out.firstRejection?.message.contains("rpc_duration_seconds") == true)
        // A stale marker is stored, then a histogram starts a new chunk.
        out = try head.append(histogramBatch(series, [
            HistogramPoint(timestamp: 6 * 15_000, value: .integer(.staleMarker)),
            HistogramPoint(timestamp: 7 * 15_000, value: .integer(testHistogram(7))),
        ]), limits: .unlimited)
        #expect(out.appended == 2)
        let got = try #require(try headSeries(head, series))
        let all = anySamples(got.chunks)
        #expect(all.count == 5)
        if case .histogram(_, let h) = all[3] { #expect(h.isStale) } else { Issue.record("no stale marker: \(all)") }
        #expect(got.chunks.count == 2)
    }

    @Test("histograms survive a restart from the WAL alone and from a checkpoint, including kind switches inside one push")
    func replay() throws {
        let dir = HeadTempDir()
        let other = L(("__name__", "custom"), ("job", "api"))
        let head = try Head(directory: dir.path, logger: headTestLogger)
        // One push where `series` goes histogram → float → float histogram → integer histogram
        // across four entries: the WAL must keep that order.
        var b = SeriesBatch()
        b.append(labels: series, samples: [], histograms: ints(1...3))
        b.append(labels: series, samples: [Sample(timestamp: 4 * 15_000, value: 4)], histograms: [])
        b.append(labels: series, samples: [], histograms: [HistogramPoint(timestamp: 5 * 15_000, value: .float(testFloatHistogram(5)))])
        b.append(labels: other, samples: [], histograms: (1...4).map { HistogramPoint(timestamp: Int64($0) * 15_000, value: .integer(customHistogram($0))) })
        b.append(labels: series, samples: [], histograms: ints(6...8))
        #expect(try head.append(b, limits: .unlimited).appended == 12)
        let before = head.select(minTime: .min, maxTime: .max, matchers: [try m(.equal, "job", "api")]).map { anySamples($0.chunks) }
        #expect(before.map(\.count) == [4, 8])
        try head.close()

        let reopened = try Head(directory: dir.path, logger: headTestLogger)
        let after = reopened.select(minTime: .min, maxTime: .max, matchers: [try m(.equal, "job", "api")])
        #expect(after.map { anySamples($0.chunks) } == before)
        #expect(reopened.stats.replayedSamples == 12)
        // Checkpoint (the open histogram chunk included), then more samples appended to the
        // resumed chunk.
        try reopened.checkpoint()
        #expect(try reopened.append(histogramBatch(series, ints(9...10)), limits: .unlimited).appended == 2)
        let expected = reopened.select(minTime: .min, maxTime: .max, matchers: [try m(.equal, "job", "api")]).map { anySamples($0.chunks) }
        try reopened.close()
        let third = try Head(directory: dir.path, logger: headTestLogger)
        let fromCheckpoint = third.select(minTime: .min, maxTime: .max, matchers: [try m(.equal, "job", "api")])
        #expect(fromCheckpoint.map { anySamples($0.chunks) } == expected)
        #expect(fromCheckpoint.first?.chunks.last?.encoding == .histogram)
        // Appends continue after the restored histogram: the next one is in order.
        #expect(try third.append(histogramBatch(series, ints(11...11)), limits: .unlimited).appended == 1)
        #expect(try third.append(histogramBatch(series, ints(11...11)), limits: .unlimited).duplicatesIgnored == 1)
        try third.close()
    }

    @Test("a cut carries histogram chunks into blocks unchanged; blocks and the head together hold every sample")
    func cutIntoBlocks() throws {
        let dir = HeadTempDir()
        let blocks = dir.path + "/blocks"
        let head = try Head(directory: dir.path + "/head", options: HeadOptions(blockSamplesPerChunk: 480), logger: headTestLogger)
        let range = HeadOptions.defaultChunkRange
        let base: Int64 = 1_700_000_000_000 / range * range
        // 3 hours of histograms every 60 s, with floats on a second series.
        let points = (0..<180).map { HistogramPoint(timestamp: base + Int64($0) * 60_000, value: .integer(testHistogram($0 + 1))) }
        let floatSeries = L(("__name__", "up"), ("job", "api"))
        let floats = (0..<180).map { Sample(timestamp: base + Int64($0) * 60_000, value: Double($0)) }
        var b = SeriesBatch()
        b.append(labels: series, samples: [], histograms: points)
        b.append(labels: floatSeries, samples: floats)
        #expect(try head.append(b, limits: .unlimited).appended == 360)
        let headChunks = try #require(try headSeries(head, series)).chunks
        let metas = try head.cutBlocks(into: blocks, thanos: nil, force: true)
        #expect(metas.count == 2)
        #expect(metas.reduce(0) { $0 + Int($1.stats.numSamples) } == 360)
        var fromBlocks: [EncodedChunk] = []
        for meta in metas {
            let block = try Block(directory: blocks + "/" + meta.ulid)
            let got = try block.select(matchers: [try m(.equal, "__name__", "rpc_duration_seconds")], minTime: .min, maxTime: .max)
            fromBlocks += got.first?.chunks ?? []
        }
        #expect(fromBlocks.allSatisfy { $0.encoding == .histogram })
        #expect(fromBlocks.map(\.data) == headChunks.map(\.data), "histogram chunks are written as the head cut them")
        #expect(anySamples(fromBlocks).count == 180)

        // promtool 2.42 opens the blocks: dump prints the float series (its dump prints float
        // samples only) and analyze counts both series.
        try Promtool.require()
        try FileManager.default.createDirectory(atPath: blocks + "/wal", withIntermediateDirectories: true)
        let dumped = try Promtool.parseDump(try Promtool.run(["tsdb", "dump", blocks]))
        #expect(dumped[floatSeries]?.count == 180)
        #expect(dumped[floatSeries]?.map(\.value) == floats.map(\.value))
        #expect(dumped[series] == nil, "promtool 2.42's dump skips histogram samples")
        for meta in metas {
            let analyze = try Promtool.run(["tsdb", "analyze", blocks, meta.ulid])
            #expect(analyze.contains("Series: 2"), "\(analyze.prefix(400))")
        }
    }
}

@Suite("WAL records: native histograms")
struct HistogramRecordTests {
    @Test("the four histogram record types round-trip; the integer layout matches Prometheus's EncodeHistogram byte for byte")
    func roundTrip() throws {
        let samples = [
            RefHistogramSample(ref: 7, timestamp: 1000, value: .integer(testHistogram(3))),
            RefHistogramSample(ref: 9, timestamp: 990, value: .integer(.staleMarker)),
            RefHistogramSample(ref: 8, timestamp: 2000, value: .integer(customHistogram(2))),
            RefHistogramSample(ref: 7, timestamp: 3000, value: .float(testFloatHistogram(4))),
            RefHistogramSample(ref: 7, timestamp: 4000, value: .float(customHistogram(5).toFloat())),
        ]
        for type in [RecordType.histogramSamples, .floatHistogramSamples, .customBucketsHistogramSamples,
                     .customBucketsFloatHistogramSamples] {
            var record: [UInt8] = []
            RecordEncoder.histogramSamples(samples, type: type, into: &record)
            var out: [RefHistogramSample] = []
            var skipped = 0
            try record.withUnsafeBytes { try RecordDecoder.histogramSamples($0, into: &out, skipped: &skipped) }
            let want = samples.filter { $0.recordType == type }
            #expect(out.count == want.count, "\(type)")
            for (g, w) in zip(out, want) {
                #expect(g.ref == w.ref && g.timestamp == w.timestamp && g.value.isDuplicate(of: w.value)
                        && g.value.counterResetHintForTest == w.value.counterResetHintForTest, "\(type): \(g) vs \(w)")
            }
            #expect(skipped == 0)
        }
        // ref 1, t 5: {hint 0, schema 0, zero threshold 0, zero count 1, count 3, sum 2.5,
        // one positive span (0, 2), no negative span, buckets [1, 0]}.
        let h = Histogram(zeroCount: 1, count: 3, sum: 2.5, positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [1, 0])
        var record: [UInt8] = []
        RecordEncoder.histogramSamples([RefHistogramSample(ref: 1, timestamp: 5, value: .integer(h))], type: .histogramSamples, into: &record)
        let want: [UInt8] = [7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5,
                             0, 0,  // ref delta, time delta
                             0, 0,  // hint, schema
                             0, 0, 0, 0, 0, 0, 0, 0,  // zero threshold
                             1, 3,  // zero count, count
                             0x40, 0x04, 0, 0, 0, 0, 0, 0,  // sum 2.5
                             1, 0, 2,  // positive spans
                             0,  // negative spans
                             2, 2, 0,  // positive buckets (zigzag 1 = 2)
                             0]  // negative buckets
        #expect(record == want)
    }

    @Test("truncated or inconsistent histogram records are refused without trapping")
    func corrupt() throws {
        var record: [UInt8] = []
        RecordEncoder.histogramSamples([RefHistogramSample(ref: 1, timestamp: 5, value: .integer(testHistogram(2)))],
                                       type: .histogramSamples, into: &record)
        // 17 bytes is the base alone: a record without samples, valid.
        for cut in 2..<record.count where cut != 17 {
            var out: [RefHistogramSample] = []
            var skipped = 0
            #expect(throws: RecordError.self) {
                try Array(record[..<cut]).withUnsafeBytes { try RecordDecoder.histogramSamples($0, into: &out, skipped: &skipped) }
            }
        }
        // A huge span count is refused before any allocation.
        var huge = Array(record[..<(17 + 2 + 1 + 1 + 8 + 1 + 1 + 8)])
        huge += [0xff, 0xff, 0xff, 0xff, 0x0f]
        var out: [RefHistogramSample] = []
        var skipped = 0
        #expect(throws: RecordError.self) { try huge.withUnsafeBytes { try RecordDecoder.histogramSamples($0, into: &out, skipped: &skipped) } }
    }
}

extension HistogramValue {
    var counterResetHintForTest: CounterResetHint {
        switch self {
        case .integer(let h): return h.counterResetHint
        case .float(let h): return h.counterResetHint
        }
    }
}
