import StrataChunks
@testable import StrataCompactor
import StrataModel
import Testing

/// Native histograms downsampled as Thanos does (docs/downsampling.md#native-histograms).
@Suite("Downsampling native histograms")
struct HistogramDownsamplerTests {
    static let start: Int64 = 19_700 * 24 * 3_600_000
    static let scrape: Int64 = 15_000
    static let phase: Int64 = 7_000

    /// Cumulative bucket counts at scrape `i` since the last reset: four buckets at schema 0
    /// gaining 1, 2, 3 and (every other scrape) 1 observations.
    static func buckets(_ i: Int) -> [Double] {
        [Double(i + 1), Double(2 * (i + 1)), Double(3 * (i + 1)), Double((i + 1) / 2)]
    }

    static func histogram(_ buckets: [Double]) -> FloatHistogram {
        let count = buckets.reduce(0, +)
        return FloatHistogram(counterResetHint: .unknown, schema: 0, zeroThreshold: 2.938735877055719e-39,
                              zeroCount: 0, count: count, sum: count * 0.75,
                              positiveSpans: [HistogramSpan(offset: -1, length: UInt32(buckets.count))], positiveBuckets: buckets)
    }

    /// `n` scrapes; the counter resets before scrape `reset` (if given).
    static func series(_ n: Int, reset: Int? = nil) -> [FloatHistogramSample] {
        (0..<n).map { i in
            let k = reset.map { i >= $0 ? i - $0 : i } ?? i
            return FloatHistogramSample(timestamp: start + Int64(i) * scrape + phase, histogram: histogram(buckets(k)))
        }
    }

    /// Per window of `resolution`: its end, the histograms in it, and the counter total at its
    /// last histogram (each rise added, a fall adding the whole new value).
    static func expected(_ raw: [FloatHistogramSample], resolution: Int64)
        -> [(t: Int64, count: Double, sum: [Double], counter: [Double])] {
        var out: [(t: Int64, count: Double, sum: [Double], counter: [Double])] = []
        var total: [Double] = []
        var previous: [Double] = []
        for s in raw {
            let b = s.histogram.positiveBuckets
            if total.isEmpty {
                total = b
            } else if zip(b, previous).contains(where: { $0 < $1 }) {
                total = zip(total, b).map { $0 + $1 }
            } else {
                total = zip(total, zip(b, previous)).map { $0 + $1.0 - $1.1 }
            }
            previous = b
            let end = Downsampler.windowEnd(of: s.timestamp, resolution: resolution)
            if let last = out.last, last.t == end {
                out[out.count - 1].count += 1
                out[out.count - 1].sum = zip(last.sum, b).map { $0 + $1 }
                out[out.count - 1].counter = total
            } else {
                out.append((end, 1, b, total))
            }
        }
        if let lastT = raw.last?.timestamp, let last = out.last, last.t > lastT { out[out.count - 1].t = lastT }
        return out
    }

    static func windows(_ chunks: [DownsampledChunk]) -> [(t: Int64, count: Double, sum: FloatHistogram, counter: FloatHistogram)] {
        var out: [(t: Int64, count: Double, sum: FloatHistogram, counter: FloatHistogram)] = []
        for c in chunks {
            let counts = c.chunk.samples(of: .count), sums = c.chunk.histogramSamples(of: .sum)
            let counters = c.chunk.histogramSamples(of: .counter)
            #expect(counts.count == sums.count && sums.count == counters.count)
            for ((n, s), k) in zip(zip(counts, sums), counters) {
                #expect(n.timestamp == s.timestamp && s.timestamp == k.timestamp)
                out.append((n.timestamp, n.value, s.histogram, k.histogram))
            }
        }
        return out
    }

    @Test("raw → 5m: count, sum and reset-adjusted counter per window; a reset across windows is added back")
    func rawToFiveMinutes() throws {
        // Two hours; the counter resets at the first scrape of the window starting at 40 min.
        let raw = Self.series(480, reset: 160)
        let chunks = try HistogramDownsampler.downsample(raw: raw, resolution: Resolution.fiveMinutes)
        #expect(chunks.count == 1)
        let chunk = try #require(chunks.first)
        #expect(chunk.chunk.isHistogram)
        #expect(chunk.chunk.bytes(of: .min) == nil && chunk.chunk.bytes(of: .max) == nil)
        #expect(chunk.chunk.encodings[Aggregate.sum.rawValue] == .floatHistogram)
        let got = Self.windows(chunks)
        let want = Self.expected(raw, resolution: Resolution.fiveMinutes)
        #expect(got.count == 24 && want.count == 24)
        #expect(got.map(\.t) == want.map(\.t))
        #expect(got.map(\.count) == want.map(\.count))
        #expect(got.map(\.sum.positiveBuckets) == want.map(\.sum))
        #expect(got.map(\.counter.positiveBuckets) == want.map(\.counter))
        #expect(got.allSatisfy { $0.sum.counterResetHint == .gauge })
        // The counter keeps rising through the reset: the window after it adds the new values.
        let counts = got.map(\.counter.count)
        #expect(zip(counts, counts.dropFirst()).allSatisfy { $0 < $1 })
        // Headers as Thanos's appender leaves them.
        let bytes = chunk.chunk.encoded()
        #expect(try AggrChunk.encodedSubChunk(.sum, in: bytes)?.data[2] == CounterResetHeader.gauge.rawValue)
        #expect(try AggrChunk.encodedSubChunk(.counter, in: bytes)?.data[2] == CounterResetHeader.notCounterReset.rawValue)
        #expect(try AggrChunk(bytes: bytes) == chunk.chunk)
    }

    @Test("5m → 1h gives the hourly count, sum and counter that raw → 1h gives")
    func fiveMinutesToOneHour() throws {
        let raw = Self.series(2 * 5_760)
        let five = try HistogramDownsampler.downsample(raw: raw, resolution: Resolution.fiveMinutes)
        #expect(five.count > 1, "several 5m chunks, so the hourly counter crosses chunk boundaries")
        let viaFive = Self.windows(try Downsampler.downsampleRuns(five, from: Resolution.fiveMinutes, to: Resolution.oneHour))
        let direct = Self.windows(try HistogramDownsampler.downsample(raw: raw, resolution: Resolution.oneHour))
        #expect(viaFive.count == 48)
        #expect(viaFive.map(\.t) == direct.map(\.t))
        #expect(viaFive.map(\.count) == direct.map(\.count))
        #expect(viaFive.map(\.sum.positiveBuckets) == direct.map(\.sum.positiveBuckets))
        #expect(viaFive.map(\.counter.positiveBuckets) == direct.map(\.counter.positiveBuckets))
        #expect(viaFive.map(\.counter.count) == Self.expected(raw, resolution: Resolution.oneHour).map { $0.counter.reduce(0, +) })
    }

    @Test("a series switching between floats and histograms is cut into separate aggregate chunks at each switch")
    func floatHistogramSwitch() throws {
        let hour = Int(3_600_000 / Self.scrape)
        var mixed: [HistogramMerge.AnySample] = []
        for i in 0..<(3 * hour) {
            let t = Self.start + Int64(i) * Self.scrape + Self.phase
            if i >= hour && i < 2 * hour {
                mixed.append(.floatHistogram(FloatHistogramSample(timestamp: t, histogram: Self.histogram(Self.buckets(i - hour)))))
            } else {
                mixed.append(.float(Sample(timestamp: t, value: Double(i))))
            }
        }
        let chunks = try Downsampler.downsample(mixed: mixed, resolution: Resolution.fiveMinutes)
        #expect(chunks.map(\.chunk.isHistogram) == [false, true, false])
        #expect(chunks[0].maxTime < Self.start + 3_600_000 && chunks[1].minTime > Self.start + 3_600_000)
        #expect(chunks[1].maxTime < Self.start + 7_200_000 && chunks[2].minTime > Self.start + 7_200_000)
        #expect(chunks.map(\.chunk.windowCount) == [12, 12, 12])
        let hourly = try Downsampler.downsampleRuns(chunks, from: Resolution.fiveMinutes, to: Resolution.oneHour)
        #expect(hourly.map(\.chunk.isHistogram) == [false, true, false])
        #expect(hourly.map { $0.chunk.samples(of: .count).map(\.value) } == [[240], [240], [240]])
    }

    @Test("gauge histograms keep gauge totals; histograms with a NaN sum and staleness markers are left out")
    func gaugesAndMarkers() throws {
        var raw = Self.series(40).map { s -> FloatHistogramSample in
            var g = s
            g.histogram.counterResetHint = .gauge
            return g
        }
        raw[3].histogram.sum = .nan
        raw[5].histogram = .staleMarker
        let chunks = try HistogramDownsampler.downsample(raw: raw, resolution: Resolution.fiveMinutes)
        let got = Self.windows(chunks)
        #expect(got.map(\.count) == [18, 20])
        #expect(got.allSatisfy { $0.counter.counterResetHint == .gauge && $0.sum.counterResetHint == .gauge })
        let bytes = try #require(chunks.first).chunk.encoded()
        #expect(try AggrChunk.encodedSubChunk(.counter, in: bytes)?.data[2] == CounterResetHeader.gauge.rawValue)
    }
}
