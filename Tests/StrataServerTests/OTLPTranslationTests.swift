import Foundation
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// The OTLP translation against the table of docs/otlp.md, and Prometheus's naming rules.
@Suite struct OTLPTranslationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let time: UInt64 = 1_700_000_000_123_456_789

    static func documented() throws -> [OTLPCollectorPayload.Row] {
        let markdown = try String(contentsOf: root.appendingPathComponent("docs/otlp.md"), encoding: .utf8)
        return OTLPCollectorPayload.documentedSeries(markdown)
    }

    /// The batch as rows sorted by labels.
    static func rows(_ batch: SeriesBatch) -> [OTLPCollectorPayload.Row] {
        var out: [OTLPCollectorPayload.Row] = []
        for i in batch.series.indices {
            for s in batch.samples(of: i) { out.append(.init(labels: batch.labels(of: i), value: s.value)) }
        }
        return out.sorted { $0.labels.description < $1.labels.description }
    }

    static func check(_ request: OTLPMetricsRequest) throws {
        let expected = try documented().sorted { $0.labels.description < $1.labels.description }
        #expect(expected.count == 14, "docs/otlp.md's table lists 14 stored series")
        let translation = OTLPTranslator.translate(request, options: OTLPTranslationOptions())
        #expect(rows(translation.batch) == expected)
        for i in translation.batch.series.indices {
            for s in translation.batch.samples(of: i) { #expect(s.timestamp == 1_700_000_000_123) }
        }
        #expect(translation.rejectedDataPoints == OTLPCollectorPayload.refusedDataPoints)
        #expect(translation.errorMessage.contains("jobs.done") && translation.errorMessage.contains(ErrorID.otlpDeltaTemporality.id))
        #expect(translation.errorMessage.contains("dns.lookup.duration") && translation.errorMessage.contains(ErrorID.otlpExponentialHistogram.id))
        // Row 7: the exponential histogram is one native histogram series.
        let batch = translation.batch
        let native = batch.series.indices.filter { !batch.histograms(of: $0).isEmpty }
        #expect(native.count == 1)
        if let i = native.first {
            #expect(batch.labels(of: i) == Labels(["__name__": "rpc_latency_milliseconds", "http_method": "GET",
                                                   "job": OTLPCollectorPayload.job, "instance": OTLPCollectorPayload.instance]))
            #expect(Array(batch.histograms(of: i)) == [HistogramPoint(timestamp: 1_700_000_000_123, value: .integer(Histogram(
                schema: 1, zeroThreshold: 1e-128, count: 4, sum: 10, positiveSpans: [HistogramSpan(offset: 1, length: 1)], positiveBuckets: [4])))])
        }
    }

    @Test("the protobuf Collector payload becomes exactly the series of docs/otlp.md")
    func protobufMatchesDocs() throws {
        try Self.check(try OTLPProtobufDecoder.decode(OTLPCollectorPayload.protobuf(timeNanos: Self.time)))
    }

    @Test("the OTLP/JSON Collector payload becomes exactly the series of docs/otlp.md")
    func jsonMatchesDocs() throws {
        let json = try OTLPJSONDecoder.decode(OTLPCollectorPayload.json(timeNanos: Self.time))
        #expect(json == (try OTLPProtobufDecoder.decode(OTLPCollectorPayload.protobuf(timeNanos: Self.time))))
        try Self.check(json)
    }

    @Test("metric names by UnderscoreEscapingWithSuffixes", arguments: [
        // (name, unit, kind, expected)
        ("http.server.duration", "s", "histogram", "http_server_duration_seconds"),
        ("http.server.duration", "ms", "histogram", "http_server_duration_milliseconds"),
        ("requests", "{request}", "counter", "requests_total"),
        ("requests_total", "", "counter", "requests_total"),
        ("total.requests", "", "counter", "requests_total"),
        ("throughput", "By/s", "gauge", "throughput_bytes_per_second"),
        ("disk.io", "KiBy", "counter", "disk_io_kibibytes_total"),
        ("memory.usage.bytes", "By", "gauge", "memory_usage_bytes"),
        ("cpu.utilization", "1", "gauge", "cpu_utilization_ratio"),
        ("cpu.utilization", "1", "counter", "cpu_utilization_total"),
        ("temperature", "Cel", "gauge", "temperature_celsius"),
        ("fill", "%", "gauge", "fill_percent"),
        ("weird--name..x", "", "gauge", "weird_name_x"),
        ("a__b", "", "gauge", "a_b"),
        ("2xx.responses", "", "counter", "_2xx_responses_total"),
        ("ns:metric", "", "gauge", "ns:metric"),
        ("odd", "m/h", "gauge", "odd_meters_per_hour"),
        ("custom", "widgets", "gauge", "custom_widgets"),
    ])
    func metricNames(_ c: (String, String, String, String)) {
        let kind: OTLPMetricKind = switch c.2 { case "counter": .counter; case "histogram": .histogram; default: .gauge }
        #expect(OTLPMetricNames.metricName(c.0, unit: c.1, kind: kind, strategy: .underscoreEscapingWithSuffixes) == c.3)
    }

    @Test("UTF-8 names keep their characters and get the same suffixes")
    func utf8Names() {
        #expect(OTLPMetricNames.metricName("http.server.duration", unit: "s", kind: .histogram, strategy: .noUTF8EscapingWithSuffixes)
                == "http.server.duration_seconds")
        #expect(OTLPMetricNames.metricName("requests", unit: "", kind: .counter, strategy: .noUTF8EscapingWithSuffixes) == "requests_total")
        #expect(OTLPMetricNames.labelName("http.method", strategy: .noUTF8EscapingWithSuffixes) == "http.method")
    }

    @Test("label names by Prometheus's NormalizeLabel", arguments: [
        ("http.method", "http_method"), ("1st", "key_1st"), ("_private", "key_private"), ("__reserved", "__reserved"),
        ("a-b/c", "a_b_c"), ("héllo", "h_llo"), ("ok_name", "ok_name"),
    ])
    func labelNames(_ c: (String, String)) {
        #expect(OTLPMetricNames.labelName(c.0, strategy: .underscoreEscapingWithSuffixes) == c.1)
    }

    static func gauge(_ attrs: [OTLPAttribute], resource: [OTLPAttribute] = [], flags: UInt32 = 0) -> OTLPMetricsRequest {
        OTLPMetricsRequest(resources: [OTLPResourceMetrics(attributes: resource, scopes: [OTLPScopeMetrics(metrics: [
            OTLPMetric(name: "g", data: .gauge([OTLPNumberPoint(attributes: attrs, timeNanos: 5_000_000, value: 1, flags: flags)])),
        ])])])
    }

    @Test("attributes that escape to one name are joined with ;, promoted resource attributes do not override them")
    func collisionsAndPromotion() {
        let request = Self.gauge([OTLPAttribute("a.b", "1"), OTLPAttribute("a-b", "2"), OTLPAttribute("region", "point")],
                                 resource: [OTLPAttribute("service.name", "svc"), OTLPAttribute("region", "res"),
                                            OTLPAttribute("k8s.cluster.name", "c1")])
        let t = OTLPTranslator.translate(request, options: OTLPTranslationOptions(promoteResourceAttributes: ["k8s.cluster.name", "region", "missing"]))
        let labels = t.batch.labels(of: 0)
        #expect(labels["a_b"] == "1;2")
        #expect(labels["region"] == "point")
        #expect(labels["k8s_cluster_name"] == "c1")
        #expect(labels["job"] == "svc")
        #expect(labels["instance"] == nil)
        // target_info has the non-identifying resource attributes, not promoted-only copies.
        let info = t.batch.labels(of: 1)
        #expect(info["__name__"] == "target_info")
        #expect(info["region"] == "res" && info["k8s_cluster_name"] == "c1" && info["job"] == "svc")
    }

    @Test("FLAG_NO_RECORDED_VALUE becomes the staleness marker")
    func staleness() {
        let t = OTLPTranslator.translate(Self.gauge([], flags: 1), options: OTLPTranslationOptions())
        #expect(t.batch.series.count == 1) // no target_info without resource attributes
        #expect(StaleNaN.isStale(t.batch.samples(of: 0).first?.value ?? 0))
        #expect(t.batch.samples(of: 0).first?.timestamp == 5)
    }

    @Test("a histogram whose bucket counts do not match its bounds is refused alone")
    func badHistogram() {
        let request = OTLPMetricsRequest(resources: [OTLPResourceMetrics(scopes: [OTLPScopeMetrics(metrics: [
            OTLPMetric(name: "h", data: .histogram([
                OTLPHistogramPoint(timeNanos: 1_000_000, count: 3, sum: nil, bucketCounts: [1, 2], explicitBounds: [1, 2]),
                OTLPHistogramPoint(timeNanos: 1_000_000, count: 3, sum: nil, bucketCounts: [], explicitBounds: [1]),
            ], temporality: .cumulative)),
            OTLPMetric(name: "", data: .gauge([OTLPNumberPoint(timeNanos: 1, value: 1)])),
            OTLPMetric(name: "d", data: .histogram([OTLPHistogramPoint(timeNanos: 1, count: 1, sum: 1, bucketCounts: [1], explicitBounds: [])],
                                                   temporality: .unspecified)),
        ])])])
        let t = OTLPTranslator.translate(request, options: OTLPTranslationOptions())
        #expect(t.rejectedDataPoints == 3)
        #expect(t.errorMessage.contains(ErrorID.otlpInvalidMetric.id) && t.errorMessage.contains(ErrorID.otlpDeltaTemporality.id))
        // The valid point without bucket counts or sum: _count and two buckets (le="1", "+Inf").
        let names = t.batch.series.indices.map { t.batch.labels(of: $0)["__name__"] ?? "" }.sorted()
        #expect(names == ["h_bucket", "h_bucket", "h_count"])
    }

    @Test("le and quantile values are written like Go's FormatFloat(v, 'f', -1)")
    func floatFormatting() {
        let request = OTLPMetricsRequest(resources: [OTLPResourceMetrics(scopes: [OTLPScopeMetrics(metrics: [
            OTLPMetric(name: "h", data: .histogram([
                OTLPHistogramPoint(timeNanos: 1_000_000, count: 4, sum: 1, bucketCounts: [1, 1, 1, 1, 0], explicitBounds: [1e-7, 0.005, 10, 1e22]),
            ], temporality: .cumulative)),
        ])])])
        let t = OTLPTranslator.translate(request, options: OTLPTranslationOptions())
        let les = Set(t.batch.series.indices.compactMap { t.batch.labels(of: $0)["le"] })
        #expect(les == ["0.0000001", "0.005", "10", "10000000000000000000000", "+Inf"])
    }
}

/// Bounds on what a small body can make the translation build.
@Suite struct OTLPTranslationBoundsTests {
    static func histogram(bounds: Int, attributes: Int) -> OTLPMetricsRequest {
        let attrs = (0..<attributes).map { OTLPAttribute("a\($0)", String(repeating: "v", count: 100)) }
        let point = OTLPHistogramPoint(attributes: attrs, timeNanos: 1_000_000, count: 1, sum: 1,
                                       bucketCounts: [UInt64](repeating: 0, count: bounds + 1),
                                       explicitBounds: (0..<bounds).map(Double.init))
        return OTLPMetricsRequest(resources: [OTLPResourceMetrics(scopes: [OTLPScopeMetrics(metrics: [
            OTLPMetric(name: "h", data: .histogram([point], temporality: .cumulative)),
        ])])])
    }

    @Test("a histogram's bucket series share the point's label bytes")
    func sharedLabelBytes() {
        let t = OTLPTranslator.translate(Self.histogram(bounds: 1000, attributes: 20), options: OTLPTranslationOptions())
        #expect(t.batch.series.count == 1003)
        // 20 values of 100 bytes once, not 1003 times.
        #expect(t.batch.buffer.count < 10_000)
        #expect(t.batch.labels(of: 0)["a3"] == String(repeating: "v", count: 100))
    }

    @Test("more samples than the burst size stops the translation")
    func sampleBound() {
        let t = OTLPTranslator.translate(Self.histogram(bounds: 1000, attributes: 1), options: OTLPTranslationOptions(maxSamples: 100))
        #expect(t.tooManySamples)
        #expect(t.batch.samples.count == 100)
    }

    @Test("points with more labels than the limit are refused before their series are built")
    func labelBound() {
        let t = OTLPTranslator.translate(Self.histogram(bounds: 10, attributes: 40), options: OTLPTranslationOptions(maxLabelsPerSeries: 30))
        #expect(t.batch.series.isEmpty)
        #expect(t.rejectedDataPoints == 1)
        #expect(t.errorMessage.contains(ErrorID.maxLabelNamesPerSeries.id))
    }
}
