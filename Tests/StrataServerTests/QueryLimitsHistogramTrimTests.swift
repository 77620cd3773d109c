import StrataChunks
@testable import StrataHTTP
import StrataModel
import Testing

/// The lookback clamp trims histogram chunks with the histogram codecs, never as XOR.
@Suite struct QueryLimitsHistogramTrimTests {
    static func histogram(_ t: Int64) -> Histogram {
        Histogram(count: UInt64(t), sum: Double(t), positiveSpans: [HistogramSpan(offset: 1, length: 1)], positiveBuckets: [t])
    }

    @Test func straddlingHistogramChunksAreTrimmedAndStayHistograms() {
        let ints = HistogramRechunker.chunks(of: [10, 20, 30, 40].map { HistogramSample(timestamp: $0, histogram: Self.histogram($0)) })
        let floats = HistogramRechunker.chunks(of: [10, 20, 30, 40].map {
            FloatHistogramSample(timestamp: $0, histogram: Self.histogram($0).toFloat())
        })
        let answer = [QuerySeries(labels: Labels(["__name__": "h"]), chunks: ints),
                      QuerySeries(labels: Labels(["__name__": "f"]), chunks: floats)]
        let trimmed = QueryLimitsQueryable.trimSamples(before: 25, answer)
        let intChunk = trimmed.first?.chunks.first
        #expect(intChunk?.encoding == .histogram)
        #expect(intChunk?.minTime == 30)
        var it = HistogramIterator(bytes: intChunk?.data ?? [])
        var kept: [Histogram] = []
        while let s = it.next() { kept.append(s.histogram) }
        #expect(kept.map(\.count) == [30, 40])
        let floatChunk = trimmed.last?.chunks.first
        #expect(floatChunk?.encoding == .floatHistogram)
        var fit = FloatHistogramIterator(bytes: floatChunk?.data ?? [])
        var keptFloats: [Double] = []
        while let s = fit.next() { keptFloats.append(s.histogram.sum) }
        #expect(keptFloats == [30, 40])
    }
}
