import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import NIOCore
import StrataHTTP
import StrataLimits
import StrataModel
import StrataWire
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read request whose client disconnects stops its evaluation long before the query timeout:
/// the HTTP layer cancels the request's task, and the storage sees `Task.isCancelled`.
@Suite struct ClientDisconnectTests {
    /// Every read endpoint: the paths and, for remote read, the body.
    static let endpoints: [String] = [
        "/prometheus/api/v1/query?query=up",
        "/prometheus/api/v1/query_range?query=up&start=0&end=600&step=15",
        "/prometheus/api/v1/series?match%5B%5D=up",
        "/prometheus/api/v1/labels",
        "/prometheus/api/v1/label/job/values",
        "/api/v1/query?query=sum%28rate%28up%5B5m%5D%29%29",
        "/prometheus/api/v1/read",
    ]

    @Test(arguments: endpoints)
    func disconnectCancelsTheEvaluation(_ path: String) async throws {
        let storage = StallingQueryable()
        let app = Self.api(storage).application(configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            try connection.send(Self.request(path))
            try await Self.waitFor({ storage.started.load(ordering: .sequentiallyConsistent) }, "the request reached the storage")
            let cancelledEarly = storage.cancelled.load(ordering: .sequentiallyConsistent)
            #expect(!cancelledEarly)
            connection.disconnect()
            // The query timeout is 10 minutes: only the disconnect can stop the storage this soon.
            try await Self.waitFor({ storage.cancelled.load(ordering: .sequentiallyConsistent) },
                                "the evaluation was cancelled after the client disconnected")
            // The server goes on serving other clients.
            try await client.execute(uri: "/prometheus/api/v1/query?query=vector(1)", method: .get,
                                     headers: [try #require(HTTPField.Name("X-Scope-OrgID")): "team-a"]) { r in
                #expect(r.status == .ok)
            }
        }
    }

    @Test func aClientThatStaysGetsItsAnswer() async throws {
        let storage = StallingQueryable(stallsUntilCancelled: false)
        let app = Self.api(storage).application(configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.test(.live) { client in
            try await client.execute(uri: "/prometheus/api/v1/query?query=up", method: .get,
                                     headers: [try #require(HTTPField.Name("X-Scope-OrgID")): "team-a"]) { r in
                #expect(r.status == .ok)
            }
            let started = storage.started.load(ordering: .sequentiallyConsistent)
            let cancelled = storage.cancelled.load(ordering: .sequentiallyConsistent)
            #expect(started)
            #expect(!cancelled)
        }
    }

    static func api(_ storage: StallingQueryable) -> StrataAPI {
        var api = StrataAPI(tenants: TenantResolver(multitenancyEnabled: true), overrides: Overrides(defaults: Limits()),
                            distributor: nil, queryable: storage, readiness: { .init(ready: true, message: "") },
                            configYAML: { _ in nil }, metricsText: { [] }, metricsFactory: NOOPMetricsHandler.instance,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        api.configureQuerier(lookbackDelta: .seconds(300), maxSamples: 50_000_000, timeout: .seconds(600), experimentalFunctions: false)
        api.now = { 600_000 }
        return api
    }

    /// The raw HTTP/1.1 request for `path`: a GET, or remote read's snappy protobuf POST.
    static func request(_ path: String) -> [UInt8] {
        var head = ""
        var body: [UInt8] = []
        if path.hasSuffix("/read") {
            var buffer = remoteReadBody([WireMatcher(type: .equal, name: "__name__", value: "up")], start: 0, end: 600_000)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
            head = "POST \(path) HTTP/1.1\r\nContent-Type: application/x-protobuf\r\nContent-Encoding: snappy\r\n"
                + "X-Prometheus-Remote-Read-Version: 0.1.0\r\nContent-Length: \(body.count)\r\n"
        } else {
            head = "GET \(path) HTTP/1.1\r\n"
        }
        head += "Host: 127.0.0.1\r\nX-Scope-OrgID: team-a\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// Polls `flag` for up to 60 s, a bound no slow machine reaches but a missing cancel does.
    static func waitFor(_ condition: () -> Bool, _ what: String) async throws {
        for _ in 0..<6000 where !condition() {
            try await Task.sleep(for: .milliseconds(10))
        }
        let reached = condition()
        #expect(reached, "\(what)")
    }
}

/// Storage whose every read waits until its task is cancelled, recording that it started and
/// that it saw the cancellation.
final class StallingQueryable: Queryable {
    let started = Atomic<Bool>(false)
    let cancelled = Atomic<Bool>(false)
    let stallsUntilCancelled: Bool

    init(stallsUntilCancelled: Bool = true) { self.stallsUntilCancelled = stallsUntilCancelled }

    private func stall() async throws {
        started.store(true, ordering: .sequentiallyConsistent)
        guard stallsUntilCancelled else { return }
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        cancelled.store(true, ordering: .sequentiallyConsistent)
        throw CancellationError()
    }

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        try await stall()
        return []
    }

    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await stall()
        return []
    }

    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await stall()
        return []
    }
}

/// A plain TCP client socket, so the test controls exactly when the client goes away.
final class RawConnection {
    private var fd: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RawConnectionError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            _ = close(fd)
            throw RawConnectionError("connect: \(errno)")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw RawConnectionError("write: \(errno)") }
            offset += n
        }
    }

    func disconnect() {
        guard fd >= 0 else { return }
        _ = close(fd)
        fd = -1
    }

    deinit { disconnect() }
}

struct RawConnectionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
