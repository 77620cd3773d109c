import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
import StrataWire
import Testing

/// `POST /api/v1/push` end to end through the router: stored samples read back, every kind of bad
/// input refused with the right status and a message, nothing stored altered.
@Suite struct PushEndpointTests {
    static let up = Labels(["__name__": "up", "job": "node", "instance": "a:9100"])

    @Test func pushThenReadBack() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            let samples = [Sample(timestamp: t - 2000, value: 1), Sample(timestamp: t - 1000, value: StaleNaN.value)]
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: remoteWriteBody([(Self.up, samples)])) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "job", value: "node")])) { r in
                #expect(r.status == .ok)
                let series = try decodeRead(r.body)
                #expect(series.count == 1)
                #expect(series.first?.labels == Self.up)
                #expect(series.first?.samples.count == 2)
                #expect(series.first?.samples.last.map { StaleNaN.isStale($0.value) } == true)
            }
            // Another tenant sees nothing of it.
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(tenant: "team-b"),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "job", value: "node")])) { r in
                let other = try decodeRead(r.body)
                #expect(other.isEmpty)
            }
        }
    }

    @Test func missingTenantIs401() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: nil),
                                     body: remoteWriteBody([(Self.up, [Sample(timestamp: nowMs(), value: 1)])])) { r in
                #expect(r.status == .unauthorized)
                #expect(String(buffer: r.body).contains("no org id"))
            }
        }
    }

    @Test func multitenancyDisabledUsesAnonymous() async throws {
        let strata = try await InProcessStrata { $0.multitenancyEnabled = false }
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: nil),
                                     body: remoteWriteBody([(Self.up, [Sample(timestamp: nowMs(), value: 1)])])) { r in
                #expect(r.status == .ok)
            }
            #expect(strata.components.ingester?.tenantStats()[TenantID.anonymous]?.numSeries == 1)
        }
    }

    @Test(arguments: ["..", ".", "a/b", "team a", String(repeating: "x", count: 151), "a|b"])
    func invalidTenantIs400(tenant: String) async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: tenant),
                                     body: remoteWriteBody([(Self.up, [Sample(timestamp: nowMs(), value: 1)])])) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("err-strata-invalid-tenant-id"))
            }
        }
    }

    @Test func oversizedBodyIs413() async throws {
        let strata = try await InProcessStrata { $0.limits.maxRecvMsgSize = 1024 }
        try await strata.test { client in
            let big = (0..<200).map { i in (Labels(["__name__": "m", "i": String(i)]), [Sample(timestamp: nowMs(), value: Double(i))]) }
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: remoteWriteBody(big)) { r in
                #expect(r.status == .contentTooLarge)
                #expect(String(buffer: r.body).contains("err-strata-distributor-max-write-message-size"))
                #expect(String(buffer: r.body).contains("-distributor.max-recv-msg-size"))
            }
        }
    }

    @Test func decompressionBombIs413() async throws {
        let strata = try await InProcessStrata { $0.limits.maxRecvMsgSize = 256 * 1024 }
        try await strata.test { client in
            // 4 MiB of zeros compress to a body far under the limit but expand far over it.
            let bomb = Snappy.compress([UInt8](repeating: 0, count: 4 << 20))
            #expect(bomb.count < 256 * 1024)
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: ByteBuffer(bytes: bomb)) { r in
                #expect(r.status == .contentTooLarge)
                #expect(String(buffer: r.body).contains("decompressed message size of 4194304 bytes"))
            }
            // A header claiming 1 GiB followed by almost nothing cannot be snappy at all.
            let liar: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 0x61]
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: ByteBuffer(bytes: liar)) { r in
                #expect(r.status == .badRequest || r.status == .contentTooLarge)
            }
        }
    }

    @Test func garbageBodiesAre400AndChangeNothing() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(),
                                     body: remoteWriteBody([(Self.up, [Sample(timestamp: t, value: 7)])])) { r in
                #expect(r.status == .ok)
            }
            var rng = SystemRandomNumberGenerator()
            let valid = Array(remoteWriteBody([(Self.up, [Sample(timestamp: t + 1, value: 8)])]).readableBytesView)
            var bodies: [[UInt8]] = [[], [0xff], Array(valid.prefix(valid.count / 2))]
            for _ in 0..<30 { bodies.append((0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
            // Valid snappy around a truncated protobuf.
            let proto = RemoteWriteEncoder.encode({ var b = SeriesBatch(); b.append(labels: Self.up, samples: [Sample(timestamp: t + 2, value: 9)]); return b }())
            bodies.append(Snappy.compress(Array(proto.prefix(proto.count - 3))))
            for body in bodies {
                try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: ByteBuffer(bytes: body)) { r in
                    // Random bytes may claim an oversized snappy output (413) or be malformed (400).
                    #expect(r.status == .badRequest || r.status == .contentTooLarge, "body of \(body.count) bytes answered \(r.status)")
                    #expect(String(buffer: r.body).contains("err-strata-"))
                }
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .equal, name: "__name__", value: "up")])) { r in
                let series = try decodeRead(r.body)
                #expect(series.first?.samples == [Sample(timestamp: t, value: 7)])
            }
        }
    }

    @Test func wrongEncodingIs415() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            var gzip = pushHeaders()
            gzip[.contentEncoding] = "gzip"
            try await client.execute(uri: "/api/v1/push", method: .post, headers: gzip, body: ByteBuffer(bytes: [1, 2, 3])) { r in
                #expect(r.status == .unsupportedMediaType)
                #expect(String(buffer: r.body).contains("Content-Encoding"))
            }
            var json = pushHeaders()
            json[.contentType] = "application/json"
            try await client.execute(uri: "/api/v1/push", method: .post, headers: json, body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .unsupportedMediaType)
            }
            var unknown = pushHeaders()
            unknown[.contentType] = "application/x-protobuf;proto=io.prometheus.write.v3.Request"
            try await client.execute(uri: "/api/v1/push", method: .post, headers: unknown, body: ByteBuffer(bytes: [1])) { r in
                #expect(r.status == .unsupportedMediaType)
                #expect(String(buffer: r.body).contains("io.prometheus.write.v2.Request"))
                #expect(String(buffer: r.body).contains("err-strata-unsupported-content-type"))
            }
        }
    }

    @Test func partiallyInvalidRequestStoresValidSeries() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            let bad = Labels(presorted: [Label(name: "__name__", value: "bad metric name")])
            let series: [(Labels, [Sample])] = [
                (Self.up, [Sample(timestamp: t, value: 1)]),
                (bad, [Sample(timestamp: t, value: 2), Sample(timestamp: t + 1, value: 3)]),
            ]
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: remoteWriteBody(series)) { r in
                #expect(r.status == .badRequest)
                let text = String(buffer: r.body)
                #expect(text.contains("err-strata-metric-name-invalid"))
                #expect(text.contains("2 of 3"))
            }
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody([WireMatcher(type: .regexMatch, name: "__name__", value: ".+")])) { r in
                let stored = try decodeRead(r.body)
                #expect(stored.map(\.labels) == [Self.up])
            }
        }
    }

    @Test func rateLimitIs429() async throws {
        let strata = try await InProcessStrata {
            $0.limits.ingestionRate = 1
            $0.limits.ingestionBurstSize = 5
        }
        let t = nowMs()
        try await strata.test { client in
            let many = (0..<10).map { i in (Labels(["__name__": "m", "i": String(i)]), [Sample(timestamp: t, value: 1)]) }
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(), body: remoteWriteBody(many)) { r in
                #expect(r.status == .tooManyRequests)
                #expect(String(buffer: r.body).contains("err-strata-tenant-max-ingestion-rate"))
            }
        }
    }

    @Test func outOfOrderIs400WithReason() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(),
                                     body: remoteWriteBody([(Self.up, [Sample(timestamp: t, value: 1)])])) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(),
                                     body: remoteWriteBody([(Self.up, [Sample(timestamp: t - 1000, value: 1)])])) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("err-strata-sample-out-of-order"))
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.contains("strata_discarded_samples_total"))
            }
        }
    }
}
