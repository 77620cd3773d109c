import GRPCCore
import StrataIngester
import StrataModel
@testable import StrataRPC
import Testing

/// Native histograms travel with their series from the distributor to the ingesters.
@Suite struct PushHistogramCodecTests {
    static let points: [HistogramPoint] = [
        HistogramPoint(timestamp: 1_000, value: .integer(Histogram(
            counterResetHint: .notCounterReset, schema: 2, zeroThreshold: 0.01, zeroCount: 1, count: 6, sum: 9.5,
            positiveSpans: [HistogramSpan(offset: -1, length: 2)], positiveBuckets: [2, 1],
            negativeSpans: [HistogramSpan(offset: 3, length: 1)], negativeBuckets: [2]))),
        HistogramPoint(timestamp: 2_000, value: .float(FloatHistogram(
            counterResetHint: .gauge, schema: -53, count: 3.5, sum: 1,
            positiveSpans: [HistogramSpan(offset: 0, length: 2)], positiveBuckets: [1.5, 2], customValues: [0.25, 1]))),
        HistogramPoint(timestamp: 3_000, value: .integer(.staleMarker)),
    ]

    @Test func pushRequestCarriesTheHistogramColumn() throws {
        var batch = SeriesBatch()
        batch.append(labels: Labels(["__name__": "floats", "job": "a"]), samples: [Sample(timestamp: 5, value: 1)])
        batch.append(labels: Labels(["__name__": "hist", "job": "a"]), samples: [Sample(timestamp: 4, value: 2)], histograms: Self.points)
        batch.append(labels: Labels(["__name__": "only_hist", "job": "b"]), samples: [], histograms: [Self.points[1]])
        // What the ring client sends each ingester: a subset of the series, columns shared.
        let sub = batch.keeping(series: [2, 1])

        let bytes: [UInt8] = try PushRequestSerializer().serialize(PushRequest(tenant: testTenant, batch: sub))
        let decoded = try PushRequestDeserializer().deserialize(bytes).batch
        #expect(decoded.series.count == 2)
        #expect(decoded.labels(of: 0).metricName == "only_hist")
        #expect(decoded.labels(of: 1).metricName == "hist")
        #expect(decoded.samples(of: 0).isEmpty)
        #expect(decoded.samples(of: 1).map(\.value) == [2])
        #expect(Array(decoded.histograms(of: 0)) == [Self.points[1]])
        let second = Array(decoded.histograms(of: 1))
        #expect(second.count == 3)
        #expect(Array(second.prefix(2)) == Array(Self.points.prefix(2)))
        #expect(second.last?.timestamp == 3_000 && second.last?.value.isStale == true)
        #expect(decoded.histogramSampleCount == 4)
    }
}
