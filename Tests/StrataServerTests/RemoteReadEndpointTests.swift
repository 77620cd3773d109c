import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
import StrataWire
import Testing

/// `POST /prometheus/api/v1/read`: matchers, time ranges, federation, and bad requests.
@Suite struct RemoteReadEndpointTests {
    @Test func rangesMatchersAndFederation() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            let a = Labels(["__name__": "http_requests_total", "code": "200"])
            let b = Labels(["__name__": "http_requests_total", "code": "500"])
            let samples = (0..<5).map { Sample(timestamp: t - 4000 + Int64($0) * 1000, value: Double($0)) }
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: "team-a"),
                                     body: remoteWriteBody([(a, samples)])) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: "team-b"),
                                     body: remoteWriteBody([(b, samples)])) { #expect($0.status == .ok) }
            // A closed range selects exactly the samples inside it.
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(tenant: "team-a"),
                                     body: remoteReadBody([WireMatcher(type: .regexMatch, name: "code", value: "2..")],
                                                          start: t - 3000, end: t - 1000)) { r in
                let series = try decodeRead(r.body)
                #expect(series.count == 1)
                #expect(series.first?.samples.map(\.value) == [1, 2, 3])
            }
            // Negative matcher excludes; federation (`a|b`) adds __tenant_id__.
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(tenant: "team-a|team-b"),
                                     body: remoteReadBody([WireMatcher(type: .notEqual, name: "code", value: "404"),
                                                           WireMatcher(type: .equal, name: "__name__", value: "http_requests_total")])) { r in
                let series = try decodeRead(r.body)
                #expect(series.map { $0.labels["__tenant_id__"] } == ["team-a", "team-b"])
            }
        }
    }

    @Test func badRequests() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(tenant: nil),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "a", value: "b")])) { r in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .regexMatch, name: "a", value: "(unclosed")])) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("error parsing regexp: missing closing ): `(unclosed`"))
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: ByteBuffer(bytes: [0x01, 0x02, 0x03])) { r in
                #expect(r.status == .badRequest)
            }
            // A response type Prometheus may define later (2) and nothing Strata implements.
            let streamedOnly = ReadRequest(queries: [ReadQuery(startTimestampMs: 0, endTimestampMs: 1,
                                                               matchers: [WireMatcher(type: .equal, name: "a", value: "b")])],
                                           acceptedResponseTypes: [2])
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: ByteBuffer(bytes: Snappy.compress(RemoteReadCodec.encodeRequest(streamedOnly)))) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("SAMPLES"))
            }
        }
    }
}
