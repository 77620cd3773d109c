import NIOCore
import StrataModel
import StrataTestSupport
import StrataWire
import Testing
@testable import StrataDistributor
@testable import StrataLoadGen

/// The load generator's native-histogram traffic (`-native-histogram-*`, `-remote-write-version`):
/// deterministic, valid for Strata's distributor, and decoded by Strata's own decoders into the
/// numbers of samples and histograms the report counts.
@Suite("strata-loadgen native histograms")
struct NativeHistogramTrafficTests {
    static let nowMs: Int64 = 1_765_000_000_000

    /// Every request of `scrapes` scrapes of a `series`-series fleet in one shard.
    static func generate(series: Int = 300, scrapes: Int = 5, batchSize: Int = 500, seed: UInt64 = 7,
                         shape: NativeHistogramShape, version: RemoteWriteVersion,
                         resetProbability: Double = 0) -> (shard: ShardGenerator, requests: [PreparedRequest]) {
        let fleet = Fleet(seriesCount: series)
        var shard = ShardGenerator(fleet: fleet, members: Array(0..<series), seed: seed, nowMs: nowMs,
                                   histograms: shape, version: version)
        var out: [PreparedRequest] = []
        let times = (0..<scrapes).map { nowMs + Int64($0) * 15_000 }
        shard.generate(scrapeTimes: times, batchSize: batchSize, interval: 15, jitterMs: 2,
                       resetProbability: resetProbability, keepContent: false) { out.append($0) }
        return (shard, out)
    }

    static func body(_ request: PreparedRequest) throws -> [UInt8] {
        var buffer = request.body
        let compressed = buffer.readBytes(length: buffer.readableBytes) ?? []
        return try Snappy.decompress(compressed, maxDecodedSize: 64 << 20)
    }

    static func decode(_ request: PreparedRequest, _ version: RemoteWriteVersion) throws -> SeriesBatch {
        let raw = try body(request)
        switch version {
        case .v1: return try RemoteWriteDecoder.decode(raw)
        case .v2: return try RemoteWriteV2Decoder.decode(raw).batch
        }
    }

    static let half = NativeHistogramShape(ratio: 0.5, schema: 3, buckets: 20)

    @Test(arguments: [RemoteWriteVersion.v1, .v2])
    func sameSeedSameBytes(version: RemoteWriteVersion) throws {
        let a = Self.generate(shape: Self.half, version: version).requests
        let b = Self.generate(shape: Self.half, version: version).requests
        #expect(a.count == b.count && !a.isEmpty)
        for (x, y) in zip(a, b) {
            #expect(try Self.body(x) == Self.body(y))
            #expect(x.histogramCount == y.histogramCount && x.sampleCount == y.sampleCount)
        }
        let other = Self.generate(seed: 8, shape: Self.half, version: version).requests
        #expect(try Self.body(other[0]) != Self.body(a[0]))
    }

    @Test func ratioZeroIsFloatOnly() throws {
        let (shard, requests) = Self.generate(shape: NativeHistogramShape(), version: .v1)
        #expect(shard.histogramSeriesCount == 0)
        let plain = Self.generate(shape: NativeHistogramShape(ratio: 0, schema: 0, buckets: 5), version: .v1).requests
        #expect(requests.count == 3)  // 300 series × 5 scrapes in requests of 500
        for (r, p) in zip(requests, plain) {
            #expect(r.histogramCount == 0 && r.sampleCount == 500)
            // The histogram shape is irrelevant without histogram series.
            #expect(try Self.body(r) == Self.body(p))
            #expect(try Self.decode(r, .v1).histogramSampleCount == 0)
        }
    }

    @Test func shareOfHistogramSeries() {
        let fleet = Fleet(seriesCount: 10_000)
        let selected = fleet.series.filter { Self.half.selects(seriesHash: $0.hash) }.count
        #expect((4_700...5_300).contains(selected))
        let all = NativeHistogramShape(ratio: 1)
        #expect(fleet.series.allSatisfy { all.selects(seriesHash: $0.hash) })
        #expect(!fleet.series.contains { NativeHistogramShape().selects(seriesHash: $0.hash) })
    }

    @Test(arguments: [RemoteWriteVersion.v1, .v2])
    func decodesIntoTheCountedSamplesAndHistograms(version: RemoteWriteVersion) throws {
        let (shard, requests) = Self.generate(shape: Self.half, version: version)
        #expect(shard.histogramSeriesCount > 100 && shard.histogramSeriesCount < 200)
        var floats = 0, histograms = 0
        for r in requests {
            let batch = try Self.decode(r, version)
            #expect(batch.sampleCount == r.sampleCount)
            #expect(batch.histogramSampleCount == r.histogramCount)
            #expect(batch.series.count == r.seriesCount)
            #expect(r.sampleCount + r.histogramCount <= 500)
            // A series carries floats or histograms, never both.
            #expect(batch.series.allSatisfy { $0.sampleCount == 0 || $0.histogramCount == 0 })
            floats += r.sampleCount
            histograms += r.histogramCount
        }
        #expect(histograms == shard.histogramSeriesCount * 5)
        #expect(floats + histograms == 300 * 5)
    }

    @Test(arguments: [(Int32(3), 20), (Int32(0), 1), (Int32(-4), 7), (Int32(8), 160)])
    func histogramsAreValidCounterHistograms(schema: Int32, buckets: Int) throws {
        let shape = NativeHistogramShape(ratio: 1, schema: schema, buckets: buckets)
        let (_, requests) = Self.generate(series: 40, scrapes: 6, batchSize: 40, shape: shape, version: .v1)
        var previous: [UInt64: Histogram] = [:]
        for r in requests {
            let batch = try Self.decode(r, .v1)
            #expect(r.sampleCount == 0 && r.histogramCount == 40)
            for i in 0..<batch.series.count {
                let hash = batch.stableHash(of: i)
                for point in batch.histograms(of: i) {
                    guard case .integer(let h) = point.value else {
                        Issue.record("expected an integer histogram")
                        continue
                    }
                    #expect(HistogramValidator.structuralProblem(point.value) == nil)
                    #expect(h.schema == schema)
                    #expect(h.positiveBuckets.count == buckets)
                    #expect(HistogramSpan.bucketCount(h.positiveSpans) == buckets)
                    #expect(h.positiveSpans.count == max(1, min(3, buckets / 6)))
                    #expect(h.positiveSpans.dropFirst().allSatisfy { $0.offset > 0 })
                    #expect(h.negativeSpans.isEmpty && h.negativeBuckets.isEmpty)
                    let counts = Histogram.absolute(h.positiveBuckets)
                    #expect(counts.allSatisfy { $0 > 0 })
                    #expect(h.count == h.zeroCount + UInt64(counts.reduce(0, +)))
                    #expect(h.sum > 0 && h.sum.isFinite)
                    if let p = previous[hash] {
                        // A counter histogram without resets: nothing shrinks, the layout stays.
                        #expect(h.positiveSpans == p.positiveSpans)
                        #expect(zip(counts, Histogram.absolute(p.positiveBuckets)).allSatisfy { $0 >= $1 })
                        #expect(h.count > p.count && h.zeroCount >= p.zeroCount && h.sum > p.sum)
                    }
                    previous[hash] = h
                }
            }
        }
        #expect(previous.count == 40)
    }

    @Test func resetsStartFromZeroAndStayValid() throws {
        let shape = NativeHistogramShape(ratio: 1, schema: 3, buckets: 20)
        let (_, requests) = Self.generate(series: 20, scrapes: 3, batchSize: 60, shape: shape, version: .v2,
                                          resetProbability: 1)
        for r in requests {
            for point in try Self.decode(r, .v2).histograms {
                guard case .integer(let h) = point.value else { continue }
                #expect(HistogramValidator.structuralProblem(point.value) == nil)
                // Reset before every scrape: one interval's observations only (at most ~54/s × 15 s × 1.3 plus one per bucket).
                #expect(h.count < 1_200)
            }
        }
    }

    @Test func v2EncoderMatchesTheIndependentEncoder() throws {
        let h = HistogramPoint(timestamp: 5, value: .integer(HistogramSeriesState(seriesHash: 1, seed: 2, shape: Self.half).histogram))
        var batch = SeriesBatch()
        let a: [(name: String, value: String)] = [("__name__", "rpc_seconds"), ("job", "api")]
        let b: [(name: String, value: String)] = [("__name__", "up"), ("job", "api")]
        batch.append(labels: Labels(a.map { Label(name: $0.name, value: $0.value) }), samples: [Sample](), histograms: [h, h])
        batch.append(labels: Labels(b.map { Label(name: $0.name, value: $0.value) }), samples: [Sample(timestamp: 6, value: 1)])
        let ours = RemoteWriteV2Encoder.encode(batch)
        let theirs = HistogramWireTestEncoder.encodeV2([
            HistogramTestSeries(labels: a, histograms: [h, h]),
            HistogramTestSeries(labels: b, samples: [(timestamp: 6, value: 1)]),
        ])
        #expect(ours == theirs)
        let decoded = try RemoteWriteV2Decoder.decode(ours).batch
        #expect(decoded.histogramSampleCount == 2 && decoded.sampleCount == 1)
        #expect(decoded.labels(of: 0) == batch.labels(of: 0) && decoded.labels(of: 1) == batch.labels(of: 1))
    }

    @Test func flags() throws {
        guard case .run(let c) = try parseFlags(["-samples-per-series", "2", "-native-histogram-ratio=0.25",
                                                  "-native-histogram-buckets", "40", "-native-histogram-schema=-2",
                                                  "-remote-write-version=2"]) else {
            Issue.record("expected a run configuration")
            return
        }
        #expect(c.nativeHistograms == NativeHistogramShape(ratio: 0.25, schema: -2, buckets: 40))
        #expect(c.remoteWriteVersion == .v2)
        guard case .run(let d) = try parseFlags(["-samples-per-series", "2"]) else {
            Issue.record("expected a run configuration")
            return
        }
        #expect(d.nativeHistograms.ratio == 0 && d.remoteWriteVersion == .v1)
        for bad in [["-native-histogram-ratio=1.5"], ["-native-histogram-buckets=161"], ["-native-histogram-schema=9"],
                    ["-remote-write-version=3"], ["-native-histogram-ratio=0.1", "-record-acked", "/tmp/x"]] {
            #expect(throws: FlagError.self) { try parseFlags(["-samples-per-series", "2"] + bad) }
        }
    }
}
