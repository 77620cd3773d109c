import StrataChunks
import StrataDeletes
import StrataModel
import Testing

@Suite("Delete mask on native histogram aggregates")
struct HistogramAggregateDeleteTests {
    static func histogram(_ n: Double, hint: CounterResetHint) -> FloatHistogram {
        FloatHistogram(counterResetHint: hint, schema: 0, zeroThreshold: 2.938735877055719e-39, count: n, sum: n,
                       positiveSpans: [HistogramSpan(offset: 0, length: 1)], positiveBuckets: [n])
    }

    @Test("a histogram aggregate chunk loses the windows a deletion covers and keeps its float histogram sub-chunks")
    func histogramAggregates() throws {
        var count = XORChunk()
        var sum = HistogramAggregateEncoder(), counter = HistogramAggregateEncoder()
        for i in 0..<10 {
            let t = Int64(i) * 300_000
            count.append(timestamp: t, value: 10)
            _ = sum.append(timestamp: t, histogram: Self.histogram(Double(10 * (i + 1)), hint: .gauge))
            _ = counter.append(timestamp: t, histogram: Self.histogram(Double(i + 1), hint: i == 0 ? .unknown : .notCounterReset))
        }
        let aggr = AggrChunk(count: count, histogramSum: sum.chunk, histogramCounter: counter.chunk)
        let chunk = EncodedChunk(minTime: 0, maxTime: 9 * 300_000, encoding: .aggregate, data: aggr.encoded())
        let r = DeleteMaskTests.request([LabelMatcher(literal: "job", "x")], 300_000, 600_000)
        let out = try #require(try DeleteMask.apply(labels: DeleteMaskTests.a, chunks: [chunk], requests: [r]))
        let encoded = try #require(out.first?.chunks.first)
        let kept = try AggrChunk(bytes: encoded.data)
        let expected: [Int64] = [0] + stride(from: Int64(900_000), through: 9 * 300_000, by: 300_000).map { $0 }
        #expect(kept.isHistogram)
        #expect(kept.samples(of: .count).map(\.timestamp) == expected)
        #expect(kept.histogramSamples(of: .sum).map(\.timestamp) == expected)
        #expect(kept.histogramSamples(of: .counter).map(\.histogram.count) == [1, 4, 5, 6, 7, 8, 9, 10])
        #expect(encoded.minTime == 0 && encoded.maxTime == 9 * 300_000)
    }
}
