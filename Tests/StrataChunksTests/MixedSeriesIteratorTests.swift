import StrataChunks
import StrataModel
import Testing

/// Series whose chunks mix floats, integer histograms and float histograms.
@Suite struct MixedSeriesIteratorTests {
    static func xor(_ samples: [(Int64, Double)]) -> EncodedChunk {
        var c = XORChunk()
        for (t, v) in samples { c.append(timestamp: t, value: v) }
        return c.encoded()
    }

    static func h(_ count: Double) -> FloatHistogram {
        FloatHistogram(schema: 0, count: count, sum: count, positiveSpans: [HistogramSpan(offset: 0, length: 1)], positiveBuckets: [count])
    }

    static func read(_ chunks: [EncodedChunk], _ mint: Int64 = .min, _ maxt: Int64 = .max) -> [String] {
        var it = MixedSeriesIterator(chunks: chunks, minTime: mint, maxTime: maxt)
        var out: [String] = []
        while let s = it.next() {
            if let h = s.h {
                out.append(h.isStale ? "\(s.timestamp):Hstale" : "\(s.timestamp):H\(Int(h.count))")
            } else {
                out.append(StaleNaN.isStale(s.f) ? "\(s.timestamp):stale" : "\(s.timestamp):\(Int(s.f))")
            }
        }
        return out
    }

    @Test("a series switches kinds between chunks; integer histograms come as float histograms")
    func switchesKinds() {
        let floats = Self.xor([(0, 1), (10, 2)])
        let fh = HistogramRechunker.chunks(of: [FloatHistogramSample(timestamp: 20, histogram: Self.h(3)),
                                                FloatHistogramSample(timestamp: 30, histogram: Self.h(4)),
                                                FloatHistogramSample(timestamp: 40, histogram: .staleMarker)])
        let ints = HistogramRechunker.chunks(of: [HistogramSample(timestamp: 50, histogram: Histogram(
            schema: 0, count: 5, sum: 5, positiveSpans: [HistogramSpan(offset: 0, length: 1)], positiveBuckets: [5]))])
        let tail = Self.xor([(60, 7), (70, StaleNaN.value)])
        let chunks = [floats] + fh + ints + [tail]
        #expect(fh.allSatisfy { $0.encoding == .floatHistogram } && ints.allSatisfy { $0.encoding == .histogram })
        #expect(!MixedSeriesIterator.usesOnlyXOR(chunks) && MixedSeriesIterator.usesOnlyXOR([floats, tail]))
        #expect(Self.read(chunks) == ["0:1", "10:2", "20:H3", "30:H4", "40:Hstale", "50:H5", "60:7", "70:stale"])
        #expect(Self.read(chunks, 15, 55) == ["20:H3", "30:H4", "40:Hstale", "50:H5"])
    }

    @Test("overlapping chunks yield each timestamp once, from the earliest chunk in the list")
    func overlapsDeduplicate() {
        let first = HistogramRechunker.chunks(of: [FloatHistogramSample(timestamp: 10, histogram: Self.h(1)),
                                                   FloatHistogramSample(timestamp: 30, histogram: Self.h(3))])
        let second = Self.xor([(10, 100), (20, 2), (30, 300), (40, 4)])
        #expect(Self.read(first + [second]) == ["10:H1", "20:2", "30:H3", "40:4"])
        #expect(Self.read([second] + first) == ["10:100", "20:2", "30:300", "40:4"])
    }

    @Test("aggregate and corrupt chunks hold no raw samples")
    func skipsWhatIsNotRaw() {
        let bad = EncodedChunk(minTime: 0, maxTime: 100, encoding: .floatHistogram, data: [0, 5, 0, 1])
        let ok = Self.xor([(5, 1)])
        #expect(Self.read([bad, ok]) == ["5:1"])
        #expect(Self.read([EncodedChunk(minTime: 0, maxTime: 9, encoding: .aggregate, data: [1, 2, 3]), ok]) == ["5:1"])
    }
}
