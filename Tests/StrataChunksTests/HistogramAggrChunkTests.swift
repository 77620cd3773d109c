import StrataChunks
import StrataModel
import Testing

/// Native histogram aggregate chunks as Thanos writes them: XOR `count`, float histogram
/// (encoding 3) `sum` and `counter`, no `min` or `max` (docs/format/aggr-chunk.md).
@Suite("Aggregate chunks of native histograms")
struct HistogramAggrChunkTests {
    /// Prometheus's default zero threshold, 2^-128.
    static let zeroThreshold = 2.938735877055719e-39

    /// A histogram with one positive bucket per entry of `buckets`, starting at bucket 0.
    static func histogram(_ buckets: [Double], hint: CounterResetHint = .unknown, offset: Int32 = 0) -> FloatHistogram {
        FloatHistogram(counterResetHint: hint, schema: 0, zeroThreshold: zeroThreshold, zeroCount: 0,
                       count: buckets.reduce(0, +), sum: buckets.reduce(0, +) * 1.5,
                       positiveSpans: buckets.isEmpty ? [] : [HistogramSpan(offset: offset, length: UInt32(buckets.count))],
                       positiveBuckets: buckets)
    }

    static func xor(_ samples: [(Int64, Double)]) -> XORChunk {
        var c = XORChunk()
        for (t, v) in samples { c.append(timestamp: t, value: v) }
        return c
    }

    static func encoder(_ samples: [(Int64, FloatHistogram)]) -> HistogramAggregateEncoder {
        var e = HistogramAggregateEncoder()
        for (t, h) in samples {
            let ok1 = e.append(timestamp: t, histogram: h)
            #expect(ok1)
        }
        return e
    }

    /// Two windows of a histogram series: counts 2 and 3, sums (gauges) and counter totals.
    static func twoWindows() -> AggrChunk {
        let count = xor([(299_999, 2), (599_999, 3)])
        let sum = encoder([(299_999, histogram([2, 4], hint: .gauge)), (599_999, histogram([3, 7], hint: .gauge))])
        let counter = encoder([(299_999, histogram([1, 2])), (599_999, histogram([2, 5], hint: .notCounterReset))])
        return AggrChunk(count: count, histogramSum: sum.chunk, histogramCounter: counter.chunk)
    }

    @Test func roundTripsWithFloatHistogramSubChunks() throws {
        let chunk = Self.twoWindows()
        #expect(chunk.isHistogram)
        #expect(chunk.encodings == [.xor, .floatHistogram, nil, nil, .floatHistogram])
        let bytes = chunk.encoded()
        let read = try AggrChunk(bytes: bytes)
        #expect(read == chunk)
        #expect(read.windowCount == 2)
        #expect(read.samples(of: .count).map(\.value) == [2, 3])
        #expect(read.samples(of: .sum).isEmpty, "a float read of a histogram aggregate finds no floats")
        #expect(read.histogramSamples(of: .sum).map(\.histogram.count) == [6, 10])
        #expect(read.histogramSamples(of: .counter).map(\.histogram.positiveBuckets) == [[1, 2], [2, 5]])
        #expect(read.histogramSamples(of: .min).isEmpty && read.bytes(of: .max) == nil)
        #expect(try AggrChunk.encodedSubChunk(.sum, in: bytes)?.encoding == .floatHistogram)
        #expect(try AggrChunk.encodedSubChunk(.count, in: bytes)?.encoding == .xor)
        // The float aggregate chunk is not a histogram one.
        #expect(!AggrChunk(count: Self.xor([(1, 1)]), sum: nil, min: nil, max: nil, counter: Self.xor([(1, 1)])).isHistogram)
    }

    /// The byte-level vector of docs/format/aggr-chunk.md ("A native histogram aggregate chunk").
    @Test func byteVector() throws {
        let count = Self.xor([(299_999, 2)])
        let sum = Self.encoder([(299_999, Self.histogram([2], hint: .gauge))])
        let counter = Self.encoder([(299_999, Self.histogram([2]))])
        let chunk = AggrChunk(count: count, histogramSum: sum.chunk, histogramCounter: counter.chunk)
        let countBytes: [UInt8] = [0x00, 0x01, 0xbe, 0xcf, 0x24, 0x40, 0, 0, 0, 0, 0, 0, 0]
        #expect(count.bytes == countBytes)
        let sumBytes = try #require(sum.chunk?.bytes)
        let counterBytes = try #require(counter.chunk?.bytes)
        #expect(Array(sumBytes.prefix(3)) == [0x00, 0x01, 0xc0], "one sample, gauge header")
        #expect(Array(counterBytes.prefix(3)) == [0x00, 0x01, 0x40], "one sample, not-a-reset header")
        #expect(sumBytes.dropFirst(3) == counterBytes.dropFirst(3), "the same histogram after the header")
        // Zero threshold 2^-128 (byte 0x74), schema 0, one positive span (length 1, offset 0), no
        // negative span, t = 299 999, then count 2, zero count 0, sum 3 and the bucket 2 as floats.
        let body: [UInt8] = [0x74, 0x46, 0x27, 0xe0, 0x24, 0x9e, 0xfa] + [UInt8](repeating: 0, count: 15)
            + [0x02, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02] + [UInt8](repeating: 0, count: 8)
        #expect(sumBytes.count == 42)
        #expect(Array(sumBytes.dropFirst(3)) == body, "\(sumBytes.dropFirst(3).map { String($0, radix: 16) })")
        let expected: [UInt8] = [13, 0x01] + countBytes + [42, 0x03] + sumBytes + [0x00, 0x00] + [42, 0x03] + counterBytes
        #expect(chunk.encoded() == expected)
        let read = try AggrChunk(bytes: expected)
        #expect(read.histogramSamples(of: .sum).first?.histogram.counterResetHint == .gauge)
        #expect(read.histogramSamples(of: .counter).first?.histogram.positiveBuckets == [2])
    }

    @Test func refusesBrokenHistogramSubChunks() {
        var bytes = Self.twoWindows().encoded()
        // Cut the counter sub-chunk short but keep its declared length consistent with the end.
        let countLength = Int(bytes[0])
        let sumAt = 2 + countLength
        let sumLength = Int(bytes[sumAt])
        let truncatedSum = [UInt8(5), 0x03] + Array(bytes[(sumAt + 2)..<(sumAt + 2 + 5)])
        bytes = Array(bytes[..<sumAt]) + truncatedSum + Array(bytes[(sumAt + 2 + sumLength)...])
        #expect(throws: ChunkError.self) { try AggrChunk(bytes: bytes) }
        // Encoding 2 (integer histograms) is not an aggregate sub-chunk encoding.
        var two = Self.twoWindows().encoded()
        two[sumAt + 1] = 0x02
        #expect(throws: ChunkError.self) { try AggrChunk(bytes: two) }
    }

    @Test func encoderRecodesForNewBucketsAndRefusesFalls() throws {
        var e = HistogramAggregateEncoder()
        let ok2 = e.append(timestamp: 1, histogram: Self.histogram([1]))
        #expect(ok2)
        let ok3 = e.append(timestamp: 2, histogram: Self.histogram([2, 1], hint: .notCounterReset))
        #expect(ok3)
        let ok4 = e.append(timestamp: 3, histogram: Self.histogram([3, 1, 4], hint: .notCounterReset))
        #expect(ok4)
        // A fall of the count cannot go into a counter chunk: refused, nothing changes.
        let ok5 = !e.append(timestamp: 4, histogram: Self.histogram([1], hint: .notCounterReset))
        #expect(ok5)
        let chunk = try #require(e.chunk)
        #expect(chunk.header == .notCounterReset)
        var it = chunk.makeIterator()
        var got: [[Double]] = []
        while let s = it.next() { got.append(s.histogram.positiveBuckets) }
        #expect(it.error == nil)
        #expect(got == [[1, 0, 0], [2, 1, 0], [3, 1, 4]], "earlier windows get the later buckets, empty")
        // Gauges may fall and change buckets both ways.
        var g = HistogramAggregateEncoder()
        let ok6 = g.append(timestamp: 1, histogram: Self.histogram([5, 5], hint: .gauge))
        #expect(ok6)
        let ok7 = g.append(timestamp: 2, histogram: Self.histogram([1], hint: .gauge, offset: 2))
        #expect(ok7)
        #expect(g.chunk?.header == .gauge)
        var git = try #require(g.chunk).makeIterator()
        var gotGauge: [[Double]] = []
        while let s = git.next() { gotGauge.append(s.histogram.positiveBuckets) }
        #expect(gotGauge == [[5, 5, 0], [0, 0, 1]])
    }
}

/// The views a query reads from histogram aggregate chunks (docs/downsampling.md).
@Suite("Aggregate views of native histograms")
struct HistogramAggregateViewTests {
    typealias T = HistogramAggrChunkTests

    static func aggregate() -> EncodedChunk {
        EncodedChunk(minTime: 299_999, maxTime: 599_999, encoding: .aggregate, data: T.twoWindows().encoded())
    }

    static func histograms(_ chunks: [EncodedChunk]) -> [FloatHistogramSample] {
        var out: [FloatHistogramSample] = []
        for c in chunks where c.encoding == .floatHistogram {
            var it = FloatHistogramIterator(bytes: c.data)
            while let s = it.next() { out.append(s) }
        }
        return out
    }

    static func floats(_ chunks: [EncodedChunk]) -> [Sample] {
        var out: [Sample] = []
        for c in chunks where c.encoding == .xor {
            var it = XORIterator(bytes: c.data)
            while let s = it.next() { out.append(s) }
        }
        return out
    }

    @Test func viewsOfHistogramAggregates() throws {
        // Raw histograms follow the aggregates (the newest data, not yet downsampled).
        var raw = FloatHistogramChunk()
        _ = raw.append(timestamp: 650_000, histogram: T.histogram([3, 6]))
        let input = [Self.aggregate(), raw.encoded()]
        let counter = Self.histograms(try AggregateView.counter.chunks(from: input, resolution: 300_000))
        #expect(counter.map(\.timestamp) == [299_999, 599_999, 650_000])
        #expect(counter.map(\.histogram.positiveBuckets) == [[1, 2], [2, 5], [3, 6]])
        let sum = Self.histograms(try AggregateView.sum.chunks(from: input))
        #expect(sum.map(\.histogram.count) == [6, 10, 9])
        let average = Self.histograms(try AggregateView.average.chunks(from: input))
        #expect(average.map(\.histogram.count) == [3, 10.0 / 3, 9])
        #expect(average.first?.histogram.positiveBuckets == [1, 2])
        let count = try AggregateView.count.chunks(from: input)
        #expect(count.allSatisfy { $0.encoding == .xor })
        #expect(Self.floats(count).map(\.value) == [2, 3, 1])
        #expect(try AggregateView.max.chunks(from: input).isEmpty, "no max of histograms")
        #expect(try AggregateView.min.chunks(from: input).isEmpty)
    }

    @Test func floatAndHistogramRunsKeepTheirKind() throws {
        // A series that was a float counter, then became a histogram.
        let floats = AggrChunk(count: T.xor([(299_999, 1)]), sum: T.xor([(299_999, 4)]), min: T.xor([(299_999, 4)]),
                               max: T.xor([(299_999, 4)]), counter: T.xor([(10, 4), (299_999, 4), (299_999, 4)]))
        let input = [EncodedChunk(minTime: 299_999, maxTime: 299_999, encoding: .aggregate, data: floats.encoded()),
                     EncodedChunk(minTime: 599_999, maxTime: 899_999, encoding: .aggregate,
                                  data: AggrChunk(count: T.xor([(599_999, 2), (899_999, 3)]),
                                                  histogramSum: T.encoder([(599_999, T.histogram([2, 4], hint: .gauge)),
                                                                           (899_999, T.histogram([3, 7], hint: .gauge))]).chunk,
                                                  histogramCounter: T.encoder([(599_999, T.histogram([1, 2])),
                                                                               (899_999, T.histogram([2, 5], hint: .notCounterReset))]).chunk).encoded())]
        let counter = try AggregateView.counter.chunks(from: input, resolution: 300_000)
        #expect(counter.map(\.encoding) == [.xor, .floatHistogram])
        #expect(Self.floats(counter).map(\.value) == [4])
        #expect(Self.histograms(counter).map(\.timestamp) == [599_999, 899_999])
        let max = try AggregateView.max.chunks(from: input)
        #expect(Self.floats(max).map(\.value) == [4] && Self.histograms(max).isEmpty)
        // The float path alone skips histogram aggregates instead of misreading them.
        #expect(try AggregateView.sum.samples(from: input).map(\.value) == [4])
    }
}
