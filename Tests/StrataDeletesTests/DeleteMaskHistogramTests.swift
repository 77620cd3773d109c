import StrataChunks
import StrataDeletes
import StrataModel
import Testing

@Suite("Delete mask over native histogram chunks")
struct DeleteMaskHistogramTests {
    static func histogram(_ t: Int64) -> Histogram {
        Histogram(schema: 0, count: UInt64(t) * 3, sum: Double(t) / 4,
                  positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: Histogram.deltas([t, 2 * t]))
    }

    @Test("deleting a range re-encodes histogram and float-histogram chunks without the covered samples")
    func histogramDeletion() throws {
        let labels = Labels(["__name__": "h", "job": "x"])
        let ints = HistogramRechunker.chunks(of: (0...30).map { HistogramSample(timestamp: Int64($0), histogram: Self.histogram(Int64($0))) },
                                             samplesPerChunk: 7)
        let floats = HistogramRechunker.chunks(of: (31...60).map {
            FloatHistogramSample(timestamp: Int64($0), histogram: Self.histogram(Int64($0)).toFloat())
        }, samplesPerChunk: 7)
        let r = DeleteMaskTests.request([LabelMatcher(literal: "job", "x")], 10, 40)
        let out = try DeleteMask.apply([QuerySeries(labels: labels, chunks: ints + floats)], requests: [r])
        #expect(out.map(\.labels) == [labels])
        var kept: [Int64] = []
        for c in out.first?.chunks ?? [] {
            switch c.encoding {
            case .histogram:
                var it = HistogramIterator(bytes: c.data)
                while let s = it.next() {
                    #expect(s.histogram.count == UInt64(s.timestamp) * 3)
                    kept.append(s.timestamp)
                }
                #expect(it.error == nil)
            case .floatHistogram:
                var it = FloatHistogramIterator(bytes: c.data)
                while let s = it.next() {
                    #expect(s.histogram.positiveBuckets == [Double(s.timestamp), Double(2 * s.timestamp)])
                    kept.append(s.timestamp)
                }
                #expect(it.error == nil)
            case .xor, .aggregate:
                Issue.record("histogram series re-encoded as \(c.encoding)")
            }
        }
        #expect(kept == Array(0...9) + Array(41...60))
    }
}
