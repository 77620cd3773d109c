import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import StrataModel
import StrataServer
import StrataWire

/// A `-target=all` Strata built in-process over a temp TSDB dir, served by Hummingbird's router
/// test framework (no sockets): the same wiring as the binary.
struct InProcessStrata {
    let components: ServerComponents
    let directory: URL

    init(_ configure: (inout StrataConfig) -> Void = { _ in }) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-http-\(UUID().uuidString)")
        var config = StrataConfig()
        config.tsdb.dir = directory.path
        config.bucket.filesystem.dir = directory.appendingPathComponent("blocks").path
        config.bucketStore.syncDir = directory.appendingPathComponent("tsdb-sync").path
        configure(&config)
        components = try ServerComponents(config: config, logger: Logger(label: "test"))
        try await components.ingester?.open()
    }

    /// Runs `body` against the router, then closes the ingester and removes the temp dir.
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: components.api().router())
        defer {
            components.ingester?.close()
            try? FileManager.default.removeItem(at: directory)
        }
        try await app.test(.router, body)
    }
}

/// A snappy-compressed remote-write body.
func remoteWriteBody(_ series: [(Labels, [Sample])]) -> ByteBuffer {
    var batch = SeriesBatch()
    for (labels, samples) in series { batch.append(labels: labels, samples: samples) }
    return ByteBuffer(bytes: Snappy.compress(RemoteWriteEncoder.encode(batch)))
}

/// Headers of a remote-write request for `tenant`.
func pushHeaders(tenant: String? = "team-a") -> HTTPFields {
    var h: HTTPFields = [.contentType: "application/x-protobuf", .contentEncoding: "snappy"]
    if let tenant, let name = HTTPField.Name("X-Scope-OrgID") { h[name] = tenant }
    return h
}

/// A remote-read body asking for `matchers` over [start, end].
func remoteReadBody(_ matchers: [WireMatcher], start: Int64 = 0, end: Int64 = Int64.max / 2) -> ByteBuffer {
    let request = ReadRequest(queries: [ReadQuery(startTimestampMs: start, endTimestampMs: end, matchers: matchers)],
                              acceptedResponseTypes: [0])
    return ByteBuffer(bytes: Snappy.compress(RemoteReadCodec.encodeRequest(request)))
}

/// Decodes a remote-read response body to its first query's series.
func decodeRead(_ body: ByteBuffer) throws -> [TimeSeriesData] {
    let raw = try Snappy.decompress(Array(body.readableBytesView), maxDecodedSize: 1 << 28)
    return try RemoteReadCodec.decodeResponse(raw).results.first ?? []
}

/// Milliseconds since the epoch, now.
func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
