import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import Testing
@testable import StrataCompactor

/// Raw blocks holding native histogram chunks through the compactor: merged (disjoint blocks
/// copied, overlapping replicas de-duplicated) and downsampled (histogram aggregates as Thanos
/// writes them, floats of the same block as before).
@Suite("Compactor: native histograms")
struct HistogramCompactionTests {
    static let minute: Int64 = 60_000
    static let start: Int64 = 19_700 * 24 * 3_600_000

    static func histogram(_ i: Int) -> Histogram {
        Histogram(schema: 0, zeroThreshold: 0.001, zeroCount: UInt64(i), count: UInt64(3 * i), sum: Double(i) / 2,
                  positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [Int64(i), 0])
    }

    static func samples(_ range: Range<Int>) -> [HistogramSample] {
        range.map { HistogramSample(timestamp: start + Int64($0) * minute, histogram: histogram($0 + 1)) }
    }

    let dir: String = NSTemporaryDirectory() + "strata-hist-compact-" + UUID().uuidString

    /// Writes one block with `series` and opens it.
    func block(_ series: [(Labels, [EncodedChunk])], minTime: Int64, maxTime: Int64) throws -> Block {
        let parent = dir + "/in"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        var symbols = Set<String>()
        for (l, _) in series { for label in l { symbols.insert(label.name); symbols.insert(label.value) } }
        let writer = try BlockWriter(parentDirectory: parent, symbols: symbols.sorted())
        for (l, c) in series.sorted(by: { $0.0 < $1.0 }) { try writer.addSeries(l, chunks: c) }
        let meta = try writer.finish(minTime: minTime, maxTime: maxTime)
        return try Block(directory: parent + "/" + meta.ulid)
    }

    func histograms(in metas: [BlockMeta], name: String) throws -> [HistogramSample] {
        var out: [HistogramSample] = []
        for meta in metas {
            let b = try Block(directory: dir + "/out/" + meta.ulid)
            for s in try b.select(matchers: [try LabelMatcher(.equal, "__name__", name)], minTime: .min, maxTime: .max) {
                for c in s.chunks {
                    #expect(c.encoding == .histogram)
                    var it = HistogramIterator(bytes: c.data)
                    while let x = it.next() { out.append(x) }
                }
            }
        }
        return out
    }

    func same(_ a: [HistogramSample], _ b: [HistogramSample]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            var h1 = x.histogram, h2 = y.histogram
            h1.counterResetHint = .unknown
            h2.counterResetHint = .unknown
            return x.timestamp == y.timestamp && h1 == h2
        }
    }

    @Test("disjoint blocks keep their histogram chunks byte for byte; overlapping replicas merge to each timestamp once")
    func merge() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let series = Labels([Label(name: "__name__", value: "latency"), Label(name: "job", value: "api")])
        let first = HistogramRechunker.chunks(of: Self.samples(0..<60))
        let second = HistogramRechunker.chunks(of: Self.samples(60..<120))
        let a = try block([(series, first)], minTime: Self.start, maxTime: Self.start + 60 * Self.minute)
        let b = try block([(series, second)], minTime: Self.start + 60 * Self.minute, maxTime: Self.start + 120 * Self.minute)
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        var metas = try BlockCompactor.compact(inputs: [a, b], into: dir + "/out", mode: .merge(samplesPerChunk: 480))
        let copied = try Block(directory: dir + "/out/" + metas[0].ulid)
            .select(matchers: [try LabelMatcher(.equal, "job", "api")], minTime: .min, maxTime: .max)
        #expect(copied.first?.chunks.map(\.data) == (first + second).map(\.data))

        // Two replicas overlapping on [30, 60), the second with a gap the first fills.
        let r1 = try block([(series, HistogramRechunker.chunks(of: Self.samples(0..<60)))],
                           minTime: Self.start, maxTime: Self.start + 60 * Self.minute)
        let r2Samples = Self.samples(30..<90).filter { ($0.timestamp - Self.start) / Self.minute % 7 != 0 }
        let r2 = try block([(series, HistogramRechunker.chunks(of: r2Samples))],
                           minTime: Self.start + 30 * Self.minute, maxTime: Self.start + 90 * Self.minute)
        try FileManager.default.removeItem(atPath: dir + "/out")
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        metas = try BlockCompactor.compact(inputs: [r1, r2], into: dir + "/out", mode: .merge(samplesPerChunk: 480))
        let merged = try histograms(in: metas, name: "latency")
        let want = Self.samples(0..<60) + Self.samples(60..<90).filter { ($0.timestamp - Self.start) / Self.minute % 7 != 0 }
        #expect(same(merged, want))
        #expect(metas.first?.stats.numSamples == UInt64(want.count))
    }

    @Test("downsampling a raw block with histograms writes histogram aggregates, cut where a series switches kind, and 5m → 1h reads them")
    func downsample() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let hist = Labels([Label(name: "__name__", value: "latency"), Label(name: "job", value: "api")])
        let mixed = Labels([Label(name: "__name__", value: "mixed"), Label(name: "job", value: "api")])
        let floats = Labels([Label(name: "__name__", value: "up"), Label(name: "job", value: "api")])
        let xs = (0..<120).map { Sample(timestamp: Self.start + Int64($0) * Self.minute, value: Double($0)) }
        // `mixed` is a float series that turned into a histogram series half-way.
        let mixedChunks = Rechunker.chunks(of: xs[..<60], samplesPerChunk: 120) + HistogramRechunker.chunks(of: Self.samples(60..<120))
        let raw = try block([(hist, HistogramRechunker.chunks(of: Self.samples(0..<120))), (mixed, mixedChunks),
                             (floats, Rechunker.chunks(of: xs, samplesPerChunk: 120))],
                            minTime: Self.start, maxTime: Self.start + 120 * Self.minute)
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        let metas = try BlockCompactor.compact(inputs: [raw], into: dir + "/out", mode: .downsample(from: 0, to: 5 * Self.minute))
        #expect(metas.count == 1)
        let b = try Block(directory: dir + "/out/" + metas[0].ulid)
        let got = try b.select(matchers: [try LabelMatcher(.equal, "job", "api")], minTime: .min, maxTime: .max)
        #expect(got.map { $0.labels[metricNameLabel] } == ["latency", "mixed", "up"])
        #expect(got.allSatisfy { $0.chunks.allSatisfy { $0.encoding == .aggregate } })
        func kinds(_ name: String) throws -> [Bool] {
            try got.filter { $0.labels[metricNameLabel] == name }.flatMap { try $0.chunks.map { try AggrChunk(bytes: $0.data).isHistogram } }
        }
        #expect(try kinds("latency") == [true])
        #expect(try kinds("up") == [false])
        // `mixed`: float aggregates for its first hour, histogram aggregates for its second.
        #expect(try kinds("mixed") == [false, true])
        let mixedChunksOut = try #require(got.first { $0.labels[metricNameLabel] == "mixed" }).chunks
        #expect(mixedChunksOut[0].maxTime < Self.start + 60 * Self.minute && mixedChunksOut[1].minTime >= Self.start + 60 * Self.minute)
        // 24 windows of 5 histograms each; the counter's last window is the last raw histogram.
        let latency = try AggrChunk(bytes: try #require(got.first?.chunks.first).data)
        #expect(latency.samples(of: .count).map(\.value) == Array(repeating: 5, count: 24))
        #expect(latency.histogramSamples(of: .counter).last?.histogram.count == Double(Self.histogram(120).count))
        #expect(latency.bytes(of: .min) == nil && latency.bytes(of: .max) == nil)

        // 5m → 1h of that block: histogram aggregates are read and re-aggregated.
        let fiveMinute = try Block(directory: dir + "/out/" + metas[0].ulid)
        try FileManager.default.createDirectory(atPath: dir + "/out1h", withIntermediateDirectories: true)
        let hourly = try BlockCompactor.compact(inputs: [fiveMinute], into: dir + "/out1h", mode: .downsample(from: 5 * Self.minute, to: 60 * Self.minute))
        let h = try Block(directory: dir + "/out1h/" + hourly[0].ulid)
        let series = try h.select(matchers: [try LabelMatcher(.equal, "__name__", "latency")], minTime: .min, maxTime: .max)
        let hour = try AggrChunk(bytes: try #require(series.first?.chunks.first).data)
        #expect(hour.isHistogram)
        #expect(hour.samples(of: .count).map(\.value) == [60, 60])
        #expect(hour.histogramSamples(of: .counter).last?.histogram.count == Double(Self.histogram(120).count))
        let mixedHourly = try h.select(matchers: [try LabelMatcher(.equal, "__name__", "mixed")], minTime: .min, maxTime: .max)
        #expect(try mixedHourly.first?.chunks.map { try AggrChunk(bytes: $0.data).isHistogram } == [false, true])
    }
}
