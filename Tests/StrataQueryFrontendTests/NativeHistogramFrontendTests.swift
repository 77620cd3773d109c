import StrataCache
import StrataModel
import StrataPromQL
import Testing
@testable import StrataQueryFrontend

/// Native-histogram points through the frontend's stages one by one: codec, split merge,
/// results cache, sharding's embedded storage. The whole chain is compared with the engine in
/// `CorpusEquivalenceTests.nativeHistogramCorpusAnswersEqualWithSplittingAndSharding`.
@Suite struct NativeHistogramFrontendTests {
    static let exponential = FloatHistogram(
        counterResetHint: .notCounterReset, schema: 1, zeroThreshold: 0.001, zeroCount: 2, count: 11, sum: 42.5,
        positiveSpans: [HistogramSpan(offset: -2, length: 2), HistogramSpan(offset: 3, length: 1)], positiveBuckets: [1, 2.5, 3],
        negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [2.5])
    static let custom = FloatHistogram(
        counterResetHint: .gauge, schema: HistogramSchema.customBuckets, count: 3, sum: .nan,
        positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [1, 2], customValues: [0.5, 1, 10])

    static func scaled(_ h: FloatHistogram, _ k: Double) -> FloatHistogram {
        var out = h
        out.count *= k
        out.sum *= k
        out.zeroCount *= k
        out.positiveBuckets = out.positiveBuckets.map { $0 * k }
        out.negativeBuckets = out.negativeBuckets.map { $0 * k }
        return out
    }

    @Test func histogramPointsRoundTripThroughTheCodec() throws {
        let vector: QueryValue = .vector([
            VectorSample(metric: Labels(["a": "1"]), t: 5, h: Self.exponential),
            VectorSample(metric: Labels(["a": "2"]), t: 5, f: 1.5),
            VectorSample(metric: Labels(["a": "3"]), t: 5, h: Self.custom, dropName: true),
        ])
        let matrix: QueryValue = .matrix([SeriesResult(
            metric: Labels(["a": "1"]), floats: [FPoint(t: 1000, f: 3), FPoint(t: 4000, f: .nan)],
            histograms: [HPoint(t: -2000, h: Self.exponential), HPoint(t: 2000, h: Self.custom), HPoint(t: 3000, h: .staleMarker)])])
        for value in [vector, matrix] {
            let response = QueryResponse(value: value, warnings: ["w"])
            let decoded = try QueryCodec.decodeResponse(QueryCodec.encode(response))
            #expect(decoded == response)
        }
    }

    @Test func corruptHistogramBytesAreRefused() throws {
        let bytes = QueryCodec.encode(QueryResponse(value: .matrix([SeriesResult(
            metric: Labels(["a": "b"]), floats: [], histograms: [HPoint(t: 1, h: Self.exponential)])])))
        for cut in 0..<bytes.count {
            #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(Array(bytes.prefix(cut))) }
        }
        // Every single-byte corruption either decodes or is refused; none traps.
        for i in 1..<bytes.count {
            for v: UInt8 in [0x00, 0x7f, 0x80, 0xff] {
                var b = bytes
                b[i] = v
                _ = try? QueryCodec.decodeResponse(b)
            }
        }
        // Hostile counts: billions of histogram points, spans, buckets in a few bytes.
        let v = QueryCodec.responseVersion
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse([v, 4, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]) }
        var oneHistogram = QueryCodec.encode(QueryResponse(value: .vector([VectorSample(metric: Labels([Label]()), t: 0, h: FloatHistogram())])))
        // Layout: version, tag 3, count 1, labels 0, dropName, t, kind 1, hint, schema, 4 doubles, then the spans count.
        let spansAt = 8 + 1 + 32
        #expect(oneHistogram[spansAt] == 0)
        oneHistogram[spansAt] = 0x7f
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(oneHistogram) }
        // Buckets that do not match their spans.
        var mismatched = Self.exponential
        mismatched.positiveBuckets.append(1)
        #expect(throws: QueryCodecError.self) {
            _ = try QueryCodec.decodeResponse(QueryCodec.encode(QueryResponse(value: .vector([VectorSample(metric: Labels([Label]()), t: 0, h: mismatched)]))))
        }
        // An unknown schema.
        var badSchema = Self.exponential
        badSchema.schema = 9
        #expect(throws: QueryCodecError.self) {
            _ = try QueryCodec.decodeResponse(QueryCodec.encode(QueryResponse(value: .vector([VectorSample(metric: Labels([Label]()), t: 0, h: badSchema)]))))
        }
        // A version-1 response (a cache entry written before histograms) is refused.
        var old = QueryCodec.encode(QueryResponse(value: .scalar(t: 1, f: 2)))
        old[0] = 1
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(old) }
    }

    @Test func splitMergeKeepsHistogramPointsInTimeOrder() {
        let l = Labels(["job": "a"])
        let first: QueryValue = .matrix([SeriesResult(metric: l, floats: [FPoint(t: 0, f: 1)],
                                                      histograms: [HPoint(t: 60_000, h: Self.exponential)])])
        let second: QueryValue = .matrix([
            SeriesResult(metric: l, floats: [FPoint(t: 180_000, f: 2)],
                         histograms: [HPoint(t: 60_000, h: Self.exponential), HPoint(t: 120_000, h: Self.custom)]),
            SeriesResult(metric: Labels(["job": "b"]), floats: [], histograms: [HPoint(t: 240_000, h: Self.custom)]),
        ])
        let merged = MatrixMerge.merge([second, first], start: 0, end: 180_000)
        guard case .matrix(let m) = merged else {
            Issue.record("not a matrix")
            return
        }
        #expect(m.count == 1)  // job="b" has nothing in range
        #expect(m.first?.floats == [FPoint(t: 0, f: 1), FPoint(t: 180_000, f: 2)])
        #expect(m.first?.histograms == [HPoint(t: 60_000, h: Self.exponential), HPoint(t: 120_000, h: Self.custom)])
    }

    /// A querier answering histograms: at t, the exponential histogram scaled by t/60000.
    final class HistogramRunner: QueryRunner {
        let inner = RecordingRunner()
        var requests: [QueryRequest] { inner.requests }
        func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
            _ = try await inner.run(request)
            var hs: [HPoint] = []
            var t = request.start
            while t <= request.end {
                hs.append(HPoint(t: t, h: NativeHistogramFrontendTests.scaled(NativeHistogramFrontendTests.exponential, Double(t) / 60_000)))
                t += request.step
            }
            return QueryResponse(value: .matrix([SeriesResult(metric: Labels(["job": "a"]), floats: [], histograms: hs)]))
        }
    }

    @Test func resultsCacheHitReturnsHistograms() async throws {
        let hour: Int64 = 3_600_000
        let runner = HistogramRunner()
        let stage = ResultsCacheStage(next: runner, cache: LRUByteCache(maxBytes: 1 << 20), interval: 24 * hour,
                                      settings: { _ in .init(maxCacheFreshness: .seconds(600), ttl: .seconds(3600)) },
                                      now: { 100 * hour }, logger: testLogger)
        let first = try await stage.run(rangeRequest(start: 2 * hour, end: 4 * hour, step: 60_000))
        let again = try await stage.run(rangeRequest(start: 2 * hour, end: 4 * hour, step: 60_000))
        #expect(again.stats.resultsCacheHits == 1)
        #expect(runner.requests.count == 1)
        #expect(again.value == first.value)
        // A sub-range is extracted from the extent with its histograms; a wider one asks only for the rest.
        let sub = try await stage.run(rangeRequest(start: 3 * hour, end: 3 * hour + 600_000, step: 60_000))
        #expect(runner.requests.count == 1)
        let wider = try await stage.run(rangeRequest(start: 2 * hour, end: 5 * hour, step: 60_000))
        #expect(runner.requests.count == 2)
        for (response, start, end) in [(sub, 3 * hour, 3 * hour + 600_000), (wider, 2 * hour, 5 * hour)] {
            let whole = try await HistogramRunner().run(rangeRequest(start: start, end: end, step: 60_000))
            #expect(response.value == whole.value)
            guard case .matrix(let m) = response.value else {
                Issue.record("not a matrix")
                continue
            }
            #expect(m.first?.histograms.count == Int((end - start) / 60_000) + 1)
        }
    }

    @Test func embeddedLegsBecomeHistogramChunksWithStaleMarkersAtGaps() async throws {
        let plan = try #require(ShardingRewriter.rewrite(try PromQL.parse("sum(h)"), totalShards: 2))
        let step: Int64 = 60_000
        let l = Labels(["job": "a"])
        // Shard 1: histograms at 0, 60s, then a gap, then a float at 180s. Shard 2: histograms at 0 and 180s.
        let shard1: QueryValue = .matrix([SeriesResult(metric: l, floats: [FPoint(t: 180_000, f: 1)],
                                                       histograms: [HPoint(t: 0, h: Self.exponential), HPoint(t: 60_000, h: Self.custom)])])
        let shard2: QueryValue = .matrix([SeriesResult(metric: l, floats: [],
                                                       histograms: [HPoint(t: 0, h: Self.exponential), HPoint(t: 180_000, h: Self.exponential)])])
        let storage = try EmbeddedQueryable(plan: plan, results: [[shard1, shard2]], step: step)
        let engine = Engine(options: EngineOptions())
        let result = try await engine.rangeQuery(PromQL.parse("\(ShardingPlan.embeddedMetricName){\(ShardingPlan.legLabel)=\"0\"}"),
                                                 start: 0, end: 240_000, step: step, tenant: .anonymous, storage: storage)
        guard case .matrix(let m) = result.value else {
            Issue.record("not a matrix")
            return
        }
        let byShard = Dictionary(uniqueKeysWithValues: m.map { ($0.metric[ShardingPlan.shardLabel] ?? "", $0) })
        let s1 = try #require(byShard["1_of_2"])
        #expect(s1.histograms.map(\.t) == [0, 60_000])
        // Counts and layout survive the chunk (the counter-reset hint is the chunk's to set).
        #expect(s1.histograms.first.map { $0.h.count == 11 && $0.h.sum == 42.5 && $0.h.positiveBuckets == [1, 2.5, 3]
                && $0.h.positiveSpans == Self.exponential.positiveSpans && $0.h.negativeBuckets == [2.5] } == true)
        #expect(s1.histograms.last?.h.schema == HistogramSchema.customBuckets)
        // Nothing at 120s (the stale marker ends the lookback) nor at 240s.
        #expect(s1.floats == [FPoint(t: 180_000, f: 1)])
        let s2 = try #require(byShard["2_of_2"])
        #expect(s2.histograms.map(\.t) == [0, 180_000])
        #expect(s2.floats.isEmpty)
    }

    @Test func stddevLegsReadFloatsOnlyWhenInputMayHoldHistograms() throws {
        let possible = try #require(ShardingRewriter.rewrite(try PromQL.parse("stddev(rate(h[5m]))"), totalShards: 2))
        #expect(possible.legs.allSatisfy { $0.queries.allSatisfy { $0.contains("clamp(rate(h{") } })
        let floats = try #require(ShardingRewriter.rewrite(try PromQL.parse("stdvar(histogram_count(rate(h[5m])))"), totalShards: 2))
        #expect(floats.legs.allSatisfy { $0.queries.allSatisfy { !$0.contains("clamp") } })
        let sum = try #require(ShardingRewriter.rewrite(try PromQL.parse("sum(rate(h[5m]))"), totalShards: 2))
        #expect(sum.legs.allSatisfy { $0.queries.allSatisfy { !$0.contains("clamp") } })
    }
}
