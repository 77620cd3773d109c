import Foundation
import StrataBlocks
import StrataChunks
import StrataModel
import StrataTestSupport
import Testing

/// Native-histogram series for block tests: a counter histogram cut into several chunks (one
/// cut at a counter reset), a gauge float histogram, and a float series alongside.
enum HistogramTestData {
    static let start = TestData.start
    static let step = TestData.step

    /// `n` counter histograms (schema 0, two positive and one negative span) with a counter
    /// reset at sample `n / 2` and a stale marker at the end.
    static func counterSamples(n: Int) -> [HistogramSample] {
        var out: [HistogramSample] = []
        for i in 0..<n {
            let k = Int64(i % (n / 2))
            let p = [k, 2 * k + 1, 0, k * k]
            let neg = [k / 2]
            let zero = UInt64(k)
            let count = zero + UInt64(p.reduce(0, +) + neg.reduce(0, +))
            out.append(HistogramSample(timestamp: start + Int64(i) * step, histogram: Histogram(
                schema: 0, zeroThreshold: 0x1p-128, zeroCount: zero, count: count, sum: Double(k) * 1.25,
                positiveSpans: [HistogramSpan(offset: -1, length: 2), HistogramSpan(offset: 3, length: 2)],
                positiveBuckets: Histogram.deltas(p),
                negativeSpans: [HistogramSpan(offset: 2, length: 1)], negativeBuckets: Histogram.deltas(neg))))
        }
        out.append(HistogramSample(timestamp: start + Int64(n) * step, histogram: .staleMarker))
        return out
    }

    /// `n` gauge float histograms (schema -1) whose counts go up and down.
    static func gaugeSamples(n: Int) -> [FloatHistogramSample] {
        (0..<n).map { i in
            let b = [Double(i % 7) * 0.5, Double(10 - i % 4), 0.25]
            return FloatHistogramSample(timestamp: start + Int64(i) * step, histogram: FloatHistogram(
                counterResetHint: .gauge, schema: -1, zeroThreshold: 0.001, zeroCount: 1.5, count: b.reduce(1.5, +),
                sum: Double(i) - 3.5, positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: b))
        }
    }

    static let counterLabels = Labels(["__name__": "hist_counter", "job": "strata"])
    static let gaugeLabels = Labels(["__name__": "hist_gauge", "job": "strata"])
    static let floatLabels = Labels(["__name__": "plain_float", "job": "strata"])

    /// The block's series, sorted by labels.
    static func blockSeries(n: Int) -> [BlockSeries] {
        let floats = (0..<n).map { Sample(timestamp: start + Int64($0) * step, value: Double($0)) }
        return [
            BlockSeries(labels: counterLabels, chunks: HistogramRechunker.chunks(of: counterSamples(n: n))),
            BlockSeries(labels: gaugeLabels, chunks: HistogramRechunker.chunks(of: gaugeSamples(n: n))),
            BlockSeries(labels: floatLabels, chunks: TestData.chunks(floats)),
        ].sorted { $0.labels < $1.labels }
    }
}

@Suite("blocks with native histogram chunks")
struct HistogramBlockTests {
    @Test("histogram and float-histogram chunks are written, counted and read back byte for byte")
    func roundTrip() throws {
        let parent = try makeTempDir("histogram-block")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let n = 300
        let series = HistogramTestData.blockSeries(n: n)
        let meta = try BlockWriter.write(parentDirectory: parent, series: series)
        #expect(meta.stats.numSeries == 3)
        // Histogram samples count like float samples (the stale marker too).
        #expect(meta.stats.numSamples == UInt64(3 * n + 1))
        let block = try Block(directory: parent + "/" + meta.ulid)
        let all = try LabelMatcher(.regexMatch, "__name__", ".+")
        let read = try block.select(matchers: [all], minTime: .min, maxTime: .max)
        #expect(read.map(\.labels) == series.map(\.labels))
        for (got, want) in zip(read, series) {
            #expect(got.chunks == want.chunks, "chunks of \(got.labels)")
        }
        let counter = read.first { $0.labels == HistogramTestData.counterLabels }?.chunks ?? []
        #expect(counter.allSatisfy { $0.encoding == .histogram })
        // The reset at n/2 cut a chunk with a counter-reset header.
        #expect(counter.contains { HistogramIterator(bytes: $0.data).header == .counterReset })
        var decoded: [HistogramSample] = []
        for c in counter {
            var it = HistogramIterator(bytes: c.data)
            while let s = it.next() { decoded.append(s) }
            #expect(it.error == nil)
        }
        let want = HistogramTestData.counterSamples(n: n)
        #expect(decoded.map(\.timestamp) == want.map(\.timestamp))
        for (d, w) in zip(decoded, want) {
            #expect(d.histogram.count == w.histogram.count && d.histogram.sum.bitPattern == w.histogram.sum.bitPattern
                    && Histogram.absolute(d.histogram.positiveBuckets) == Histogram.absolute(w.histogram.positiveBuckets))
        }
        // A float read of the block sees the float series only; histogram chunks are skipped.
        #expect(TestData.samples(counter).isEmpty)
        // The verifier counts histogram samples too.
        let report = BlockVerifier.verify(directory: parent + "/" + meta.ulid)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.samples == 3 * n + 1)
    }

    @Test("promtool reads a block with histogram chunks")
    func promtoolReads() throws {
        try Promtool.require()
        let parent = try makeTempDir("histogram-promtool")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let n = 300
        let meta = try BlockWriter.write(parentDirectory: parent, series: HistogramTestData.blockSeries(n: n))
        let analyze = try Promtool.run(["tsdb", "analyze", parent, meta.ulid])
        #expect(analyze.contains("Series: 3"))
        let dumpText = try Promtool.run(["tsdb", "dump", "--min-time=\(meta.minTime)", "--max-time=\(meta.maxTime - 1)", parent])
        print("promtool tsdb dump of a histogram block: \(dumpText.split(separator: "\n").count) lines; first: \(dumpText.split(separator: "\n").first ?? "")")
        let dump = try Promtool.parseDump(dumpText)
        // promtool 2.42 dumps float samples only: the float series exactly, and it reads through the
        // histogram series without an error (an unreadable chunk would fail the command).
        expectSameSamples(dump[HistogramTestData.floatLabels] ?? [],
                          (0..<n).map { Sample(timestamp: HistogramTestData.start + Int64($0) * HistogramTestData.step, value: Double($0)) },
                          "float series next to histograms")
    }
}
