import StrataModel
import Testing
@testable import StrataWire

/// OTLP exponential histograms become native histograms as Prometheus's translator makes them.
@Suite("OTLP exponential histograms")
struct OTLPExponentialHistogramTests {
    typealias Case = (counts: [UInt64], offset: Int32, scaleDown: Int32, spans: [HistogramSpan], deltas: [Int64])

    /// Prometheus's `convertBucketsLayout`, case by case.
    static let layouts: [Case] = [
        ([4, 3, 2, 1], 0, 0, [HistogramSpan(offset: 1, length: 4)], [4, -1, -1, -1]),
        ([4, 3, 2, 1], 0, 1, [HistogramSpan(offset: 1, length: 2)], [7, -4]),
        ([4, 3, 2, 1], 1, 1, [HistogramSpan(offset: 1, length: 3)], [4, 1, -4]),
        ([4, 3, 2, 1], -1, 0, [HistogramSpan(offset: 0, length: 4)], [4, -1, -1, -1]),
        ([1, 0, 0, 0, 0, 2], 0, 0, [HistogramSpan(offset: 1, length: 1), HistogramSpan(offset: 4, length: 1)], [1, 1]),
        ([1, 0, 0, 2], 0, 0, [HistogramSpan(offset: 1, length: 4)], [1, -1, 0, 2]),
        ([0, 0, 3], 0, 0, [HistogramSpan(offset: 1, length: 3)], [0, 0, 3]),
        ([1, 1, 1, 1, 1, 1, 1, 1], 0, 2, [HistogramSpan(offset: 1, length: 2)], [4, 0]),
        ([], 5, 0, [], []),
    ]

    @Test(arguments: 0..<layouts.count)
    func bucketLayout(_ i: Int) {
        let c = Self.layouts[i]
        let (spans, deltas) = OTLPExponentialHistogram.layout(OTLPExponentialBuckets(offset: c.offset, bucketCounts: c.counts), scaleDown: c.scaleDown)
        #expect(spans == c.spans)
        #expect(deltas == c.deltas)
    }

    static func point(scale: Int32, flags: UInt32 = 0) -> OTLPExponentialHistogramPoint {
        OTLPExponentialHistogramPoint(attributes: [OTLPAttribute("method", "GET")], timeNanos: 5_000_000_123, count: 12, sum: 7.5,
                                      scale: scale, zeroCount: 2, zeroThreshold: 0.001,
                                      positive: OTLPExponentialBuckets(offset: 2, bucketCounts: [1, 2, 3, 4]),
                                      negative: OTLPExponentialBuckets(offset: -1, bucketCounts: [0]), flags: flags)
    }

    static func translate(_ points: [OTLPExponentialHistogramPoint], temporality: OTLPTemporality = .cumulative) -> OTLPTranslation {
        let request = OTLPMetricsRequest(resources: [OTLPResourceMetrics(scopes: [OTLPScopeMetrics(metrics: [
            OTLPMetric(name: "http.client.duration", unit: "s", data: .exponentialHistogram(points, temporality: temporality)),
        ])])])
        return OTLPTranslator.translate(request, options: OTLPTranslationOptions())
    }

    @Test func scaleWithinRangeBecomesTheSchema() throws {
        let t = Self.translate([Self.point(scale: 3)])
        #expect(t.rejectedDataPoints == 0)
        #expect(t.batch.series.count == 1)
        #expect(t.batch.labels(of: 0) == Labels(["__name__": "http_client_duration_seconds", "method": "GET"]))
        #expect(t.batch.samples(of: 0).isEmpty)
        let point = try #require(t.batch.histograms(of: 0).first)
        #expect(point.timestamp == 5_000)
        #expect(point.value == .integer(Histogram(
            schema: 3, zeroThreshold: 0.001, zeroCount: 2, count: 12, sum: 7.5,
            positiveSpans: [HistogramSpan(offset: 3, length: 4)], positiveBuckets: [1, 1, 1, 1],
            negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [0])))
    }

    @Test func scaleAbove8IsReducedTo8() throws {
        // Scale 10: four OTLP buckets per native bucket at schema 8. Offsets 2…5 → (i >> 2) + 1:
        // 2, 3 → 1; 4, 5 → 2.
        let t = Self.translate([Self.point(scale: 10)])
        guard case .integer(let h)? = t.batch.histograms(of: 0).first?.value else {
            Issue.record("no histogram")
            return
        }
        #expect(h.schema == 8)
        #expect(h.positiveSpans == [HistogramSpan(offset: 1, length: 2)])
        #expect(Histogram.absolute(h.positiveBuckets) == [3, 7])
        #expect(h.count == 12 && h.zeroCount == 2)
    }

    @Test func scaleBelowMinus4IsRefusedAlone() {
        let t = Self.translate([Self.point(scale: -5), Self.point(scale: -4)])
        #expect(t.rejectedDataPoints == 1)
        #expect(t.errorMessage.contains("scale -5") && t.errorMessage.contains(ErrorID.otlpExponentialHistogram.id))
        #expect(t.batch.histograms.count == 1)
    }

    @Test func noRecordedValueIsTheStalenessMarker() {
        let t = Self.translate([Self.point(scale: 0, flags: otlpFlagNoRecordedValue)])
        #expect(t.batch.histograms.first?.value.isStale == true)
    }

    @Test func deltaTemporalityIsRefused() {
        for temporality in [OTLPTemporality.delta, .unspecified] {
            let t = Self.translate([Self.point(scale: 0), Self.point(scale: 1)], temporality: temporality)
            #expect(t.rejectedDataPoints == 2)
            #expect(t.errorMessage.contains(ErrorID.otlpDeltaTemporality.id))
            #expect(t.batch.series.isEmpty)
        }
    }

    @Test func missingZeroThresholdIsPrometheusDefault() {
        var p = Self.point(scale: 0)
        p.zeroThreshold = 0
        p.sum = nil
        guard case .integer(let h)? = Self.translate([p]).batch.histograms.first?.value else {
            Issue.record("no histogram")
            return
        }
        #expect(h.zeroThreshold == 1e-128)
        #expect(h.sum == 0)
    }

    @Test func protobufAndJSONDecodeEveryField() throws {
        // ExponentialHistogramDataPoint: attributes, time, count 12, sum 7.5, scale -2 (zig-zag 3),
        // zero_count 2, positive {offset 2 (4), counts packed [1, 2]}, negative {offset -1 (1),
        // counts unpacked [3]}, flags 0, zero_threshold 0.5.
        func fixed(_ field: Int, _ v: UInt64) -> [UInt8] { tag(field, 1) + (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let kv = field(1, Array("k".utf8)) + field(2, field(1, Array("v".utf8)))
        let point = field(1, kv) + fixed(3, 9_000_000) + fixed(4, 12) + fixed(5, (7.5).bitPattern) + tag(6, 0) + varint(3)
            + fixed(7, 2) + field(8, tag(1, 0) + varint(4) + field(2, varint(1) + varint(2)))
            + field(9, tag(1, 0) + varint(1) + tag(2, 0) + varint(3)) + fixed(14, (0.5).bitPattern)
        let metric = field(1, Array("m".utf8)) + field(10, field(1, point) + tag(2, 0) + varint(2))
        let body = field(1, field(2, field(2, metric)))
        let decoded = try OTLPProtobufDecoder.decode(body)
        let expected = OTLPExponentialHistogramPoint(
            attributes: [OTLPAttribute("k", "v")], timeNanos: 9_000_000, count: 12, sum: 7.5, scale: -2, zeroCount: 2, zeroThreshold: 0.5,
            positive: OTLPExponentialBuckets(offset: 2, bucketCounts: [1, 2]), negative: OTLPExponentialBuckets(offset: -1, bucketCounts: [3]))
        #expect(decoded.resources.first?.scopes.first?.metrics.first?.data == .exponentialHistogram([expected], temporality: .cumulative))

        let json = #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[{"attributes":[{"key":"k","value":{"stringValue":"v"}}],"timeUnixNano":"9000000","count":"12","sum":7.5,"scale":-2,"zeroCount":"2","zeroThreshold":0.5,"positive":{"offset":2,"bucketCounts":["1","2"]},"negative":{"offset":-1,"bucketCounts":["3"]}}]}}]}]}]}"#
        #expect(try OTLPJSONDecoder.decode(Array(json.utf8)) == decoded)
    }

    @Test func bucketCountsAreBounded() {
        let many = [UInt8](repeating: 1, count: ProtoLimits.maxHistogramItems + 1)
        let point = field(8, field(2, many))
        let body = field(1, field(2, field(2, field(1, Array("m".utf8)) + field(10, field(1, point)))))
        #expect(throws: WireError.self) { try OTLPProtobufDecoder.decode(body) }
    }
}
