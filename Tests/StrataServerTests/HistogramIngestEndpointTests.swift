import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataChunks
@testable import StrataHTTP
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// Native histograms through `POST /api/v1/push` (remote write 1.0) and back out of remote read,
/// and the distributor's refusals answered as 400 with their IDs.
@Suite struct HistogramIngestEndpointTests {
    static let labels = Labels(["__name__": "rpc_duration_seconds", "job": "api"])

    static func integer(_ t: Int64, _ n: Int64) -> HistogramPoint {
        HistogramPoint(timestamp: t, value: .integer(Histogram(
            schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: UInt64(1 + 3 * n), sum: Double(n),
            positiveSpans: [HistogramSpan(offset: 0, length: 2), HistogramSpan(offset: 1, length: 1)],
            positiveBuckets: [n, 0, 0])))
    }

    /// The samples with their counter-reset hints cleared: a chunk marks every sample after its
    /// first "not a counter reset" when it knows, as Prometheus's chunks do, so read-back hints
    /// differ from the sent ones by design.
    static func withoutHints(_ points: [HistogramPoint]?) -> [HistogramPoint]? {
        points?.map { p in
            switch p.value {
            case .integer(var h): h.counterResetHint = .unknown; return HistogramPoint(timestamp: p.timestamp, value: .integer(h))
            case .float(var h): h.counterResetHint = .unknown; return HistogramPoint(timestamp: p.timestamp, value: .float(h))
            }
        }
    }

    static func body(_ series: [(Labels, [Sample], [HistogramPoint])]) -> ByteBuffer {
        ByteBuffer(bytes: Snappy.compress(RemoteWriteEncoder.encode(seriesWithHistograms: series.map {
            (labels: $0.0, samples: $0.1, histograms: $0.2)
        })))
    }

    @Test func histogramsAreStoredAndReadBack() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        let floats = FloatHistogram(counterResetHint: .gauge, schema: -1, count: 2.5, sum: -1,
                                    negativeSpans: [HistogramSpan(offset: 1, length: 1)], negativeBuckets: [2.5])
        let sent = [Self.integer(t - 3000, 1), Self.integer(t - 2000, 2), Self.integer(t - 1000, 4)]
        let gauge = [HistogramPoint(timestamp: t - 1500, value: .float(floats))]
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: Self.body([
                (Self.labels, [], sent),
                (Labels(["__name__": "queue_size", "job": "api"]), [], gauge),
                (Labels(["__name__": "up", "job": "api"]), [Sample(timestamp: t - 1000, value: 1)], []),
            ])) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "job", value: "api")])) { r in
                #expect(r.status == .ok)
                let series = try decodeRead(r.body)
                let byName = Dictionary(uniqueKeysWithValues: series.map { ($0.labels.metricName ?? "", $0) })
                #expect(Self.withoutHints(byName["rpc_duration_seconds"]?.histograms) == sent)
                #expect(byName["rpc_duration_seconds"]?.histograms.first?.value == sent.first?.value)
                #expect(byName["rpc_duration_seconds"]?.samples.isEmpty == true)
                #expect(byName["queue_size"]?.histograms == gauge)
                #expect(byName["up"]?.samples.map(\.value) == [1])
                #expect(byName["up"]?.histograms.isEmpty == true)
            }
        }
    }

    @Test func invalidHistogramIsRefusedAloneWith400() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        let bad = HistogramPoint(timestamp: t - 500, value: .integer(Histogram(
            count: 2, sum: 1, positiveSpans: [HistogramSpan(offset: 0, length: 3)], positiveBuckets: [1, 0])))
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(),
                                     body: Self.body([(Self.labels, [], [Self.integer(t - 1000, 1), bad])])) { r in
                #expect(r.status == .badRequest)
                let text = String(buffer: r.body)
                #expect(text.contains("histogram spans specify different number of buckets than provided"))
                #expect(text.contains(ErrorID.nativeHistogramInvalid.id))
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "job", value: "api")])) { r in
                let series = try decodeRead(r.body)
                #expect(series.first?.histograms == [Self.integer(t - 1000, 1)])
            }
        }
    }

    @Test func otlpExponentialHistogramIsStoredAsANativeHistogram() async throws {
        let strata = try await InProcessStrata()
        let ms = nowMs()
        var otlpHeaders = pushHeaders()
        otlpHeaders[.contentType] = "application/x-protobuf"
        otlpHeaders[.contentEncoding] = nil
        let headers = otlpHeaders
        try await strata.test { client in
            try await client.execute(uri: "/otlp/v1/metrics", method: .post, headers: headers,
                                     body: ByteBuffer(bytes: OTLPCollectorPayload.protobuf(timeNanos: UInt64(ms) * 1_000_000))) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "__name__", value: "rpc_latency_milliseconds")])) { r in
                let series = try decodeRead(r.body)
                #expect(series.count == 1)
                #expect(series.first?.histograms == [HistogramPoint(timestamp: ms, value: .integer(Histogram(
                    schema: 1, zeroThreshold: 1e-128, count: 4, sum: 10,
                    positiveSpans: [HistogramSpan(offset: 1, length: 1)], positiveBuckets: [4])))])
            }
        }
    }

    @Test func streamedRemoteReadCarriesHistogramChunks() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        let sent = [Self.integer(t - 3000, 1), Self.integer(t - 2000, 2)]
        let floats = [HistogramPoint(timestamp: t - 1500, value: .float(FloatHistogram(count: 2, sum: 1,
                                                                                     positiveSpans: [HistogramSpan(offset: 0, length: 1)], positiveBuckets: [2])))]
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: Self.body([
                (Self.labels, [], sent),
                (Labels(["__name__": "gauge_h", "job": "api"]), [], floats),
                (Labels(["__name__": "up", "job": "api"]), [Sample(timestamp: t - 1000, value: 1)], []),
            ])) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            // Streamed preferred, samples accepted: the server answers streamed, as Prometheus does.
            let request = ReadRequest(queries: [
                ReadQuery(startTimestampMs: t - 10_000, endTimestampMs: t, matchers: [WireMatcher(type: .equal, name: "job", value: "api")]),
                ReadQuery(startTimestampMs: t - 10_000, endTimestampMs: t, matchers: [WireMatcher(type: .equal, name: "__name__", value: "up")]),
            ], acceptedResponseTypes: [1, 0])
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: ByteBuffer(bytes: Snappy.compress(RemoteReadCodec.encodeRequest(request)))) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse")
                let frames = try RemoteReadStreamCodec.decodeFrames(Array(r.body.readableBytesView))
                #expect(frames.map(\.queryIndex) == [0, 1])
                let byName = Dictionary(uniqueKeysWithValues: (frames.first?.series ?? []).map { ($0.labels.metricName ?? "", $0) })
                #expect(byName.count == 3)
                #expect(byName["rpc_duration_seconds"]?.chunks.map(\.encoding) == [.histogram])
                #expect(byName["gauge_h"]?.chunks.map(\.encoding) == [.floatHistogram])
                #expect(byName["up"]?.chunks.map(\.encoding) == [.xor])
                var it = HistogramIterator(bytes: byName["rpc_duration_seconds"]?.chunks.first?.data ?? [])
                var read: [HistogramPoint] = []
                while let s = it.next() { read.append(HistogramPoint(timestamp: s.timestamp, value: .integer(s.histogram))) }
                #expect(Self.withoutHints(read) == sent)
                var fit = FloatHistogramIterator(bytes: byName["gauge_h"]?.chunks.first?.data ?? [])
                #expect(fit.next()?.histogram.count == 2)
                #expect(frames.last?.series.map(\.labels.metricName) == ["up"])
            }
        }
    }

    @Test func overlappingHistogramChunksAreReadOnce() {
        let a = (0..<4).map { HistogramSample(timestamp: Int64($0) * 10, histogram: Histogram(count: UInt64($0), sum: 1)) }
        let b = (2..<6).map { HistogramSample(timestamp: Int64($0) * 10, histogram: Histogram(count: UInt64($0) + 100, sum: 2)) }
        let floats = [FloatHistogramSample(timestamp: 5, histogram: FloatHistogram(count: 1.5, sum: 3))]
        let chunks = (HistogramRechunker.chunks(of: a) + HistogramRechunker.chunks(of: floats) + HistogramRechunker.chunks(of: b))
            .sorted { $0.minTime < $1.minTime }
        let points = RemoteReadHistograms.points(of: chunks, minTime: 5, maxTime: 40, budget: 100)
        #expect(points.map(\.timestamp) == [5, 10, 20, 30, 40])
        // Where two chunks hold a timestamp, the one listed first wins.
        let counts = points.compactMap { p -> UInt64? in
            if case .integer(let h) = p.value { return h.count }
            return nil
        }
        #expect(counts == [1, 2, 3, 104])
        #expect(RemoteReadHistograms.points(of: chunks, minTime: 0, maxTime: 100, budget: 2).count <= 3)
    }
}
