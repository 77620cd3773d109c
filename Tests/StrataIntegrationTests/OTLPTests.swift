import AsyncHTTPClient
import Foundation
import NIOCore
import StrataBucketIndex
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// OTLP/HTTP metrics against a real `strata -target=all`: a Collector-shaped export in protobuf
/// (gzip) and OTLP/JSON (plain and gzip) stores exactly the series docs/otlp.md lists, the
/// response carries the partial-success detail, and bad bodies get the documented statuses.
@Suite(.serialized)
struct OTLPTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Reply {
        var status: Int
        var contentType: String
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func post(_ client: HTTPClient, _ url: String, tenant: String?, contentType: String?, gzip: Bool, body: [UInt8]) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let tenant { request.headers.add(name: "X-Scope-OrgID", value: tenant) }
        var payload = body
        if gzip {
            request.headers.add(name: "Content-Encoding", value: "gzip")
            payload = try Gzip.compress(body)
        }
        request.body = .bytes(ByteBuffer(bytes: payload))
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type") ?? "",
                     body: Array(bytes.readableBytesView))
    }

    /// Fields of a protobuf message as (field, varint or bytes); enough for the two response types.
    static func fields(_ b: [UInt8]) -> [(Int, UInt64, [UInt8])] {
        var out: [(Int, UInt64, [UInt8])] = []
        var i = 0
        func varint() -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while i < b.count {
                let x = b[i]; i += 1
                v |= UInt64(x & 0x7f) << shift
                if x < 0x80 { break }
                shift += 7
            }
            return v
        }
        while i < b.count {
            let tag = varint()
            if tag & 7 == 0 {
                out.append((Int(tag >> 3), varint(), []))
            } else if tag & 7 == 2 {
                let n = Int(varint())
                guard i + n <= b.count else { return out }
                out.append((Int(tag >> 3), 0, Array(b[i..<i + n]))); i += n
            } else {
                return out
            }
        }
        return out
    }

    /// `partial_success` of a protobuf `ExportMetricsServiceResponse`.
    static func partialSuccess(protobuf body: [UInt8]) -> (rejected: UInt64, message: String)? {
        guard let partial = fields(body).first(where: { $0.0 == 1 })?.2 else { return nil }
        let f = fields(partial)
        return (f.first { $0.0 == 1 }?.1 ?? 0, String(decoding: f.first { $0.0 == 2 }?.2 ?? [], as: UTF8.self))
    }

    /// Every sample of the export's job, read back through remote read.
    static func stored(_ client: HTTPClient, _ server: StrataProcess, tenant: String, around t: Int64) async throws -> [OTLPCollectorPayload.Row] {
        let series = try await remoteRead(client: client, baseURL: server.baseURL, tenant: tenant,
                                          matchers: [WireMatcher(type: .equal, name: "job", value: OTLPCollectorPayload.job)],
                                          start: t - 60_000, end: t + 60_000)
        var rows: [OTLPCollectorPayload.Row] = []
        for s in series {
            for sample in s.samples {
                #expect(sample.timestamp == t, "\(s.labels) stored at \(sample.timestamp), sent at \(t)")
                rows.append(.init(labels: s.labels, value: sample.value))
            }
        }
        return rows.sorted { $0.labels.description < $1.labels.description }
    }

    @Test("a Collector-shaped export stores exactly docs/otlp.md's series, in protobuf and JSON, with partial success")
    func collectorPayload() async throws {
        let markdown = try String(contentsOf: Self.root.appendingPathComponent("docs/otlp.md"), encoding: .utf8)
        let expected = OTLPCollectorPayload.documentedSeries(markdown).sorted { $0.labels.description < $1.labels.description }
        try #require(expected.count == 14)

        let dir = try makeTempDirectory("strata-otlp")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let server = try StrataProcess(dataDirectory: dir)
        defer { _ = server.terminate() }
        try await server.waitUntilReady(client: client)

        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        let nanos = UInt64(ms) * 1_000_000 + 999 // sub-millisecond part is truncated

        // Protobuf, gzip, Mimir's path.
        let pb = try await Self.post(client, server.baseURL + "/otlp/v1/metrics", tenant: "otlp-pb", contentType: "application/x-protobuf",
                                     gzip: true, body: OTLPCollectorPayload.protobuf(timeNanos: nanos))
        #expect(pb.status == 200, "\(pb.text)")
        #expect(pb.contentType == "application/x-protobuf")
        let partial = Self.partialSuccess(protobuf: pb.body)
        #expect(partial?.rejected == UInt64(OTLPCollectorPayload.refusedDataPoints))
        #expect(partial?.message.contains("err-strata-otlp-delta-temporality") == true)
        #expect(partial?.message.contains("err-strata-otlp-exponential-histogram") == true)

        // JSON, plain on Prometheus's path and gzip on Mimir's.
        for (tenant, path, gzip) in [("otlp-json", "/api/v1/otlp/v1/metrics", false), ("otlp-json-gz", "/otlp/v1/metrics", true)] {
            let reply = try await Self.post(client, server.baseURL + path, tenant: tenant, contentType: "application/json",
                                            gzip: gzip, body: OTLPCollectorPayload.json(timeNanos: nanos))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.contentType == "application/json")
            let object = try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
            let p = object?["partialSuccess"] as? [String: Any]
            #expect(p?["rejectedDataPoints"] as? String == "2", "\(reply.text)")
            #expect((p?["errorMessage"] as? String)?.contains("dns.lookup.duration") == true)
        }

        for tenant in ["otlp-pb", "otlp-json", "otlp-json-gz"] {
            var got: [OTLPCollectorPayload.Row] = []
            try await eventually("tenant \(tenant) has the documented series", timeout: .seconds(60)) {
                got = try await Self.stored(client, server, tenant: tenant, around: ms)
                return got.count >= expected.count
            }
            #expect(got == expected, "tenant \(tenant)")
        }
    }

    @Test("bad bodies: 400 with a Status naming the problem, 415 for unknown types, 401 without a tenant")
    func badBodies() async throws {
        let dir = try makeTempDirectory("strata-otlp-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let server = try StrataProcess(dataDirectory: dir)
        defer { _ = server.terminate() }
        try await server.waitUntilReady(client: client)
        let url = server.baseURL + "/otlp/v1/metrics"
        let valid = OTLPCollectorPayload.protobuf(timeNanos: UInt64(Date().timeIntervalSince1970 * 1000) * 1_000_000)

        let truncated = try await Self.post(client, url, tenant: "t", contentType: "application/x-protobuf", gzip: false,
                                            body: Array(valid.prefix(valid.count / 2)))
        #expect(truncated.status == 400)
        let status = Self.fields(truncated.body)
        #expect(status.first { $0.0 == 1 }?.1 == 3) // INVALID_ARGUMENT
        let message = String(decoding: status.first { $0.0 == 2 }?.2 ?? [], as: UTF8.self)
        #expect(message.contains("malformed otlp-metrics protobuf") && message.contains("err-strata-invalid-request-body"), "\(message)")

        let badJSON = try await Self.post(client, url, tenant: "t", contentType: "application/json; charset=utf-8", gzip: false,
                                          body: Array(#"{"resourceMetrics":[{"scopeMetrics":"nope"}]}"#.utf8))
        #expect(badJSON.status == 400)
        #expect(badJSON.contentType == "application/json")
        #expect(badJSON.text.contains("resourceMetrics[0].scopeMetrics") && badJSON.text.contains("err-strata-invalid-request-body"), "\(badJSON.text)")

        var notGzip = try await Self.post(client, url, tenant: "t", contentType: "application/x-protobuf", gzip: false, body: valid)
        #expect(notGzip.status == 200)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        request.headers.add(name: "Content-Encoding", value: "gzip")
        request.headers.add(name: "X-Scope-OrgID", value: "t")
        request.body = .bytes(ByteBuffer(bytes: valid))
        let response = try await client.execute(request, timeout: .seconds(30))
        notGzip = Reply(status: Int(response.status.code), contentType: "", body: Array(try await response.body.collect(upTo: 1 << 20).readableBytesView))
        #expect(notGzip.status == 400)
        #expect(notGzip.text.contains("not valid gzip"), "\(notGzip.text)")

        let text = try await Self.post(client, url, tenant: "t", contentType: "text/plain", gzip: false, body: valid)
        #expect(text.status == 415)
        #expect(text.text.contains("err-strata-unsupported-content-type"))

        let noTenant = try await Self.post(client, url, tenant: nil, contentType: "application/x-protobuf", gzip: false, body: valid)
        #expect(noTenant.status == 401)
    }

    @Test("the tenant's write limits apply: 413 over max_recv_msg_size (sent or inflated), 429 over the ingestion rate")
    func limits() async throws {
        let dir = try makeTempDirectory("strata-otlp-limits")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let server = try StrataProcess(dataDirectory: dir, extraArguments: [
            "-distributor.max-recv-msg-size=65536", "-distributor.ingestion-rate-limit=0.01", "-distributor.ingestion-burst-size=20",
        ])
        defer { _ = server.terminate() }
        try await server.waitUntilReady(client: client)
        let url = server.baseURL + "/otlp/v1/metrics"

        let big = try await Self.post(client, url, tenant: "t", contentType: "application/x-protobuf", gzip: false,
                                      body: [UInt8](repeating: 0, count: 70_000))
        #expect(big.status == 413)
        #expect(big.text.contains("err-strata-distributor-max-write-message-size"))
        // A small gzip body that inflates past the limit is refused while inflating.
        let bomb = try await Self.post(client, url, tenant: "t", contentType: "application/x-protobuf", gzip: true,
                                       body: [UInt8](repeating: 0, count: 1_000_000))
        #expect(bomb.status == 413)
        #expect(bomb.text.contains("decompressed message size"), "\(bomb.text)")

        // 14 samples against a burst of 20 at 0.01/s: the first export fits, the second is over
        // the distributor's rate limit (nothing stored; the Collector retries on 429).
        let valid = OTLPCollectorPayload.protobuf(timeNanos: UInt64(Date().timeIntervalSince1970 * 1000) * 1_000_000)
        let first = try await Self.post(client, url, tenant: "t", contentType: "application/x-protobuf", gzip: false, body: valid)
        #expect(first.status == 200, "\(first.text)")
        let limited = try await Self.post(client, url, tenant: "t", contentType: "application/x-protobuf", gzip: false, body: valid)
        #expect(limited.status == 429)
        #expect(limited.text.contains("err-strata-tenant-max-ingestion-rate"), "\(limited.text)")
        let status = Self.fields(limited.body)
        #expect(status.first { $0.0 == 1 }?.1 == 8) // RESOURCE_EXHAUSTED
    }
}
