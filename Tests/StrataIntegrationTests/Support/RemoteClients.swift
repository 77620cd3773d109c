import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataWire

/// Sends one remote-write request; returns the status code and body text.
func pushRemoteWrite(client: HTTPClient, url: String, tenant: String?, series: [(labels: Labels, samples: [Sample])],
                     timeout: TimeAmount = .seconds(10)) async throws -> (status: Int, body: String) {
    var batch = SeriesBatch()
    for s in series { batch.append(labels: s.labels, samples: s.samples) }
    let body = Snappy.compress(RemoteWriteEncoder.encode(batch))
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/x-protobuf")
    request.headers.add(name: "Content-Encoding", value: "snappy")
    request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
    if let tenant { request.headers.add(name: "X-Scope-OrgID", value: tenant) }
    request.body = .bytes(ByteBuffer(bytes: body))
    let response = try await client.execute(request, timeout: timeout)
    let text = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: text))
}

/// Reads raw samples back through Strata's remote-read endpoint.
func remoteRead(client: HTTPClient, baseURL: String, tenant: String?, matchers: [WireMatcher],
                start: Int64, end: Int64) async throws -> [TimeSeriesData] {
    let readRequest = ReadRequest(queries: [ReadQuery(startTimestampMs: start, endTimestampMs: end, matchers: matchers)],
                                  acceptedResponseTypes: [0])
    var request = HTTPClientRequest(url: baseURL + "/prometheus/api/v1/read")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/x-protobuf")
    request.headers.add(name: "Content-Encoding", value: "snappy")
    if let tenant { request.headers.add(name: "X-Scope-OrgID", value: tenant) }
    request.body = .bytes(ByteBuffer(bytes: Snappy.compress(RemoteReadCodec.encodeRequest(readRequest))))
    let response = try await client.execute(request, timeout: .seconds(60))
    let body = try await response.body.collect(upTo: 1 << 30)
    guard response.status == .ok else {
        throw HarnessError("remote read answered \(response.status): \(String(buffer: body))")
    }
    let raw = try Snappy.decompress(Array(body.readableBytesView), maxDecodedSize: 1 << 30)
    let decoded = try RemoteReadCodec.decodeResponse(raw)
    return decoded.results.first ?? []
}

extension HTTPClient {
    /// A client for query answers. `HTTPClient.shared` asks for gzip and refuses to inflate more
    /// than 25× (big, repetitive JSON answers exceed that), so this one asks for plain bodies.
    /// It lives as long as the process, like the shared one, so it is never shut down.
    static let plainQueries: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
