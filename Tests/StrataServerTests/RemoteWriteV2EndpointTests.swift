import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// Remote write 2.0 through the router: content negotiation, the `*-Written` response headers,
/// and exemplars and metadata (from 1.0 and 2.0) served by `query_exemplars` and `metadata`.
@Suite struct RemoteWriteV2EndpointTests {
    static let v2ContentType = "application/x-protobuf;proto=io.prometheus.write.v2.Request"

    func v2Headers(tenant: String = "team-a") -> HTTPFields {
        var h = pushHeaders(tenant: tenant)
        h[.contentType] = Self.v2ContentType
        if let name = HTTPField.Name("X-Prometheus-Remote-Write-Version") { h[name] = "2.0.0" }
        return h
    }

    func header(_ r: TestResponse, _ name: String) -> String? {
        HTTPField.Name(name).flatMap { r.headers[$0] }
    }

    func series(_ t: Int64) -> [RW2TestSeries] {
        [
            RW2TestSeries(labels: [("__name__", "http_requests_total"), ("job", "api")],
                          samples: [(t - 2000, 1), (t - 1000, 2)],
                          exemplars: [(labels: [("trace_id", "abc")], value: 2, timestamp: t - 1000)],
                          metadata: (type: 1, help: "Requests served.", unit: ""), createdTimestamp: t - 60_000),
            RW2TestSeries(labels: [("__name__", "latency_seconds"), ("job", "api")],
                          metadata: (type: 3, help: "Latency.", unit: "seconds"),
                          nativeHistograms: [HistogramPoint(timestamp: t - 1000, value: .integer(Histogram(
                              schema: 1, count: 3, sum: 0.75, positiveSpans: [HistogramSpan(offset: -2, length: 2)], positiveBuckets: [1, 1])))]),
        ]
    }

    @Test func v2PushStoresSamplesAndAnswersWrittenHeaders() async throws {
        let strata = try await InProcessStrata { $0.limits.maxGlobalExemplarsPerUser = 100 }
        let t = nowMs()
        try await strata.test { client in
            let body = ByteBuffer(bytes: Snappy.compress(RemoteWriteV2TestEncoder.encode(series(t))))
            try await client.execute(uri: "/api/v1/push", method: .post, headers: v2Headers(), body: body) { r in
                #expect(r.status == .ok)
                #expect(header(r, "X-Prometheus-Remote-Write-Samples-Written") == "2")
                #expect(header(r, "X-Prometheus-Remote-Write-Histograms-Written") == "1")
                #expect(header(r, "X-Prometheus-Remote-Write-Exemplars-Written") == "1")
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "job", value: "api")])) { r in
                let stored = try decodeRead(r.body)
                #expect(stored.map(\.labels) == [Labels(["__name__": "http_requests_total", "job": "api"]),
                                                  Labels(["__name__": "latency_seconds", "job": "api"])])
                #expect(stored.first?.samples.map(\.value) == [1, 2])
                // The native histogram comes back from remote read as it was sent.
                #expect(stored.last?.samples.isEmpty == true)
                #expect(stored.last?.histograms == [HistogramPoint(timestamp: t - 1000, value: .integer(Histogram(
                    schema: 1, count: 3, sum: 0.75, positiveSpans: [HistogramSpan(offset: -2, length: 2)], positiveBuckets: [1, 1])))])
            }
            try await client.execute(uri: "/prometheus/api/v1/query_exemplars?query=http_requests_total&start=0&end=\(t / 1000 + 10)",
                                     method: .get, headers: pushHeaders()) { r in
                #expect(r.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]
                let data = json?["data"] as? [[String: Any]]
                #expect(data?.count == 1)
                #expect((data?.first?["seriesLabels"] as? [String: String]) == ["__name__": "http_requests_total", "job": "api"])
                let exemplar = (data?.first?["exemplars"] as? [[String: Any]])?.first
                #expect((exemplar?["labels"] as? [String: String]) == ["trace_id": "abc"])
                #expect(exemplar?["value"] as? String == "2")
                #expect((exemplar?["timestamp"] as? Double).map { Int64(($0 * 1000).rounded()) } == t - 1000)
            }
            try await client.execute(uri: "/prometheus/api/v1/metadata", method: .get, headers: pushHeaders()) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body) == #"{"status":"success","data":{"http_requests_total":[{"type":"counter","help":"Requests served.","unit":""}],"latency_seconds":[{"type":"histogram","help":"Latency.","unit":"seconds"}]}}"#)
            }
            try await client.execute(uri: "/prometheus/api/v1/metadata?metric=latency_seconds", method: .get, headers: pushHeaders()) { r in
                #expect(String(buffer: r.body).contains("latency_seconds") && !String(buffer: r.body).contains("http_requests_total"))
            }
            try await client.execute(uri: "/prometheus/api/v1/metadata?limit=1", method: .get, headers: pushHeaders()) { r in
                #expect(String(buffer: r.body).contains("http_requests_total") && !String(buffer: r.body).contains("latency_seconds"))
            }
            // Another tenant sees none of it.
            try await client.execute(uri: "/prometheus/api/v1/metadata", method: .get, headers: pushHeaders(tenant: "team-b")) { r in
                #expect(String(buffer: r.body) == #"{"status":"success","data":{}}"#)
            }
        }
    }

    @Test func exemplarsAreDroppedWhenTheLimitIsZero() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            let body = ByteBuffer(bytes: Snappy.compress(RemoteWriteV2TestEncoder.encode(series(t))))
            try await client.execute(uri: "/api/v1/push", method: .post, headers: v2Headers(), body: body) { r in
                #expect(r.status == .ok)
                #expect(header(r, "X-Prometheus-Remote-Write-Exemplars-Written") == "0")
            }
            try await client.execute(uri: "/prometheus/api/v1/query_exemplars?query=http_requests_total", method: .get, headers: pushHeaders()) { r in
                #expect(String(buffer: r.body) == #"{"status":"success","data":[]}"#)
            }
        }
    }

    @Test func malformedV2BodyIs400WithZeroWrittenHeaders() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            // A label ref past the two-entry symbols table.
            let raw = RemoteWriteV2TestEncoder.lengthDelimited(4, []) + RemoteWriteV2TestEncoder.lengthDelimited(4, Array("a".utf8))
                + RemoteWriteV2TestEncoder.lengthDelimited(5, RemoteWriteV2TestEncoder.lengthDelimited(1, [0, 5]))
            try await client.execute(uri: "/api/v1/push", method: .post, headers: v2Headers(), body: ByteBuffer(bytes: Snappy.compress(raw))) { r in
                #expect(r.status == .badRequest)
                let text = String(buffer: r.body)
                #expect(text.contains("refers to symbol 5") && text.contains("err-strata-invalid-request-body"))
                #expect(header(r, "X-Prometheus-Remote-Write-Samples-Written") == "0")
            }
        }
    }

    @Test func partiallyInvalidV2PushReportsWhatWasWritten() async throws {
        let strata = try await InProcessStrata { $0.limits.maxGlobalExemplarsPerUser = 10 }
        let t = nowMs()
        try await strata.test { client in
            let raw = RemoteWriteV2TestEncoder.encode([
                RW2TestSeries(labels: [("__name__", "ok"), ("job", "a")], samples: [(t, 1)],
                              exemplars: [(labels: [("trace_id", "good")], value: 1, timestamp: t)]),
                RW2TestSeries(labels: [("__name__", "bad name"), ("job", "a")], samples: [(t, 1), (t + 1, 2)],
                              exemplars: [(labels: [("trace_id", "bad")], value: 1, timestamp: t)]),
            ])
            try await client.execute(uri: "/api/v1/push", method: .post, headers: v2Headers(), body: ByteBuffer(bytes: Snappy.compress(raw))) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("err-strata-metric-name-invalid"))
                #expect(header(r, "X-Prometheus-Remote-Write-Samples-Written") == "1")
                // The refused series' exemplar is not stored either.
                #expect(header(r, "X-Prometheus-Remote-Write-Exemplars-Written") == "1")
            }
        }
    }

    @Test func contentTypeNegotiation() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            let v1 = remoteWriteBody([(Labels(["__name__": "v1_metric"]), [Sample(timestamp: t, value: 1)])])
            // 1.0: no proto parameter, or prometheus.WriteRequest; no *-Written headers.
            for contentType in ["application/x-protobuf", "application/x-protobuf;proto=prometheus.WriteRequest",
                                "application/x-protobuf; proto=prometheus.WriteRequest"] {
                var h = pushHeaders()
                h[.contentType] = contentType
                try await client.execute(uri: "/api/v1/push", method: .post, headers: h, body: v1) { r in
                    #expect(r.status == .ok, "\(contentType)")
                    #expect(header(r, "X-Prometheus-Remote-Write-Samples-Written") == nil)
                }
            }
            // A 1.0 body declared as 2.0 decodes as an empty request (v2 reserves fields 1-3).
            try await client.execute(uri: "/api/v1/push", method: .post, headers: v2Headers(), body: v1) { r in
                #expect(r.status == .ok)
                #expect(header(r, "X-Prometheus-Remote-Write-Samples-Written") == "0")
            }
            // Unknown message: 415 naming both accepted messages, before the body is read; 2.0
            // headers are not sent (the request is not 2.0).
            var unknown = pushHeaders()
            unknown[.contentType] = "application/x-protobuf;proto=io.prometheus.write.v3.Request"
            try await client.execute(uri: "/api/v1/push", method: .post, headers: unknown, body: v1) { r in
                #expect(r.status == .unsupportedMediaType)
                let text = String(buffer: r.body)
                #expect(text.contains("io.prometheus.write.v2.Request") && text.contains("prometheus.WriteRequest"))
                #expect(text.contains("err-strata-unsupported-content-type"))
            }
            // 2.0 without snappy: 415.
            var gzip = v2Headers()
            gzip[.contentEncoding] = "gzip"
            try await client.execute(uri: "/api/v1/push", method: .post, headers: gzip, body: v1) { r in
                #expect(r.status == .unsupportedMediaType)
                #expect(String(buffer: r.body).contains("Content-Encoding"))
                // A 2.0 request: the answer says nothing was written.
                #expect(header(r, "X-Prometheus-Remote-Write-Samples-Written") == "0")
            }
        }
    }

    @Test func remoteWrite1ExemplarsAndMetadataAreStored() async throws {
        let strata = try await InProcessStrata { $0.limits.maxGlobalExemplarsPerUser = 10 }
        let t = nowMs()
        try await strata.test { client in
            func str(_ f: Int, _ s: String) -> [UInt8] { RemoteWriteV2TestEncoder.lengthDelimited(f, Array(s.utf8)) }
            func label(_ n: String, _ v: String) -> [UInt8] { RemoteWriteV2TestEncoder.lengthDelimited(1, str(1, n) + str(2, v)) }
            let sample = RemoteWriteV2TestEncoder.lengthDelimited(2, RemoteWriteV2TestEncoder.fixed64Field(1, (3.0).bitPattern)
                                                                   + RemoteWriteV2TestEncoder.varintField(2, UInt64(t)))
            let exemplar = RemoteWriteV2TestEncoder.lengthDelimited(3, RemoteWriteV2TestEncoder.lengthDelimited(1, str(1, "trace_id") + str(2, "t1"))
                + RemoteWriteV2TestEncoder.fixed64Field(2, (3.0).bitPattern) + RemoteWriteV2TestEncoder.varintField(3, UInt64(t)))
            let ts = label("__name__", "jobs_total") + label("job", "w") + sample + exemplar
            let metadata = RemoteWriteV2TestEncoder.varintField(1, 1) + str(2, "jobs_total") + str(4, "Jobs done.")
            let raw = RemoteWriteV2TestEncoder.lengthDelimited(1, ts) + RemoteWriteV2TestEncoder.lengthDelimited(3, metadata)
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: ByteBuffer(bytes: Snappy.compress(raw))) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/prometheus/api/v1/query_exemplars?query=%7Bjob%3D%22w%22%7D", method: .get, headers: pushHeaders()) { r in
                #expect(String(buffer: r.body).contains(#""labels":{"trace_id":"t1"},"value":"3""#))
            }
            try await client.execute(uri: "/prometheus/api/v1/metadata?limit_per_metric=1", method: .get, headers: pushHeaders()) { r in
                #expect(String(buffer: r.body) == #"{"status":"success","data":{"jobs_total":[{"type":"counter","help":"Jobs done.","unit":""}]}}"#)
            }
        }
    }
}
