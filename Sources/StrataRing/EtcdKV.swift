import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A KV store in etcd v3, spoken through etcd's JSON gRPC gateway (`/v3/kv/*`, `/v3/watch`).
///
/// Requests go to the endpoint that last answered and fail over to the next one on connection
/// errors, timeouts and 5xx answers. `casBytes` is a transaction comparing the key's `mod_revision`
/// with the one read; versions are etcd revisions. A watch survives dropped connections: it
/// reconnects (to any endpoint) and resumes from the revision after the last one it delivered.
///
/// Call `shutdown()` before the value is released: it closes the HTTP connections.
public final class EtcdKV: RingKV {
    /// Pause before the first watch reconnect; doubles up to `maxWatchBackoff`.
    static let initialWatchBackoff: Duration = .milliseconds(100)
    /// Longest pause between watch reconnects.
    static let maxWatchBackoff: Duration = .seconds(2)
    /// Upper bound of the random pause after a lost compare-and-swap, per attempt so far.
    static let casBackoffStepMilliseconds = 5

    let config: EtcdConfig
    private let endpoints: [String]
    private let client: HTTPClient
    let logger: Logger
    /// Index of the endpoint that answered last; requests start there.
    private let preferredEndpoint = Mutex(0)

    /// Creates a client for `config.endpoints`; throws when the list is empty.
    public init(config: EtcdConfig, logger: Logger = Logger(label: "strata.ring.etcd")) throws(RingError) {
        let endpoints = config.endpoints
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { $0.contains("://") ? $0 : "http://" + $0 }
            .map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        guard !endpoints.isEmpty else {
            throw .invalidConfig("no etcd endpoints; set -<prefix>.etcd.endpoints to host:port of the etcd servers")
        }
        guard config.maxRetries >= 1 else {
            throw .invalidConfig("etcd max retries must be at least 1, got \(config.maxRetries)")
        }
        self.config = config
        self.endpoints = endpoints
        self.logger = logger
        var httpConfig = HTTPClient.Configuration()
        httpConfig.timeout = HTTPClient.Configuration.Timeout(
            connect: EtcdKV.timeAmount(config.dialTimeout), read: nil)
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfig)
    }

    /// Closes the connections; in-flight requests and watches end with an error.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// The etcd key for a store key: the configured prefix followed by `key`.
    public func fullKey(_ key: String) -> String { config.prefix + key }

    public func get(_ key: String) async throws -> (value: [UInt8], version: Int64)? {
        let fullKey = fullKey(key)
        let (response, endpoint): (EtcdRangeResponse, String) = try await call(
            "/v3/kv/range", body: ["key": EtcdBase64.encode(fullKey)])
        guard let kv = response.kvs?.first else { return nil }
        guard let value = EtcdBase64.decode(kv.value) else {
            throw RingError.badResponse(endpoint: endpoint, status: 200, body: "value of \(fullKey) is not base64")
        }
        return (value, kv.modRevision?.value ?? 0)
    }

    /// Writes `value` under `key` unconditionally (for tools and tests; writers change values through `casBytes`).
    public func put(_ key: String, value: [UInt8]) async throws {
        let _: (EtcdRangeResponse, String) = try await call(
            "/v3/kv/put", body: ["key": EtcdBase64.encode(fullKey(key)), "value": EtcdBase64.encode(value)])
    }

    public func delete(_ key: String) async throws {
        let _: (EtcdRangeResponse, String) = try await call(
            "/v3/kv/deleterange", body: ["key": EtcdBase64.encode(fullKey(key))])
    }

    @discardableResult
    public func casBytes(_ key: String, update: ([UInt8]?) throws -> [UInt8]?) async throws -> KVValue? {
        let fullKey = fullKey(key)
        for attempt in 1...config.maxRetries {
            let current = try await get(key)
            guard let next = try update(current?.value) else {
                return current.map { KVValue(bytes: $0.value, version: $0.version) }
            }
            // mod_revision 0 means "the key does not exist" in an etcd compare.
            let body: [String: Any] = [
                "compare": [[
                    "key": EtcdBase64.encode(fullKey), "target": "MOD", "result": "EQUAL",
                    "mod_revision": String(current?.version ?? 0),
                ]],
                "success": [["request_put": ["key": EtcdBase64.encode(fullKey), "value": EtcdBase64.encode(next)]]],
            ]
            let (response, endpoint): (EtcdTxnResponse, String) = try await call("/v3/kv/txn", body: body)
            if response.succeeded == true {
                // The put is the transaction's only write, so the key's new mod_revision is the txn's revision.
                guard let revision = response.header?.revision?.value else {
                    throw RingError.badResponse(endpoint: endpoint, status: 200, body: "txn answer without header.revision")
                }
                return KVValue(bytes: next, version: revision)
            }
            logger.debug("KV CAS conflict", metadata: ["key": "\(fullKey)", "attempt": "\(attempt)"])
            // A random pause spreads out writers that collided, so they do not collide again.
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...(attempt * EtcdKV.casBackoffStepMilliseconds))))
        }
        throw RingError.casRetriesExhausted(key: fullKey, attempts: config.maxRetries)
    }

    // MARK: - Requests with failover

    /// Sends a unary request and decodes the answer; returns the endpoint that answered.
    func call<Response: Decodable>(_ path: String, body: [String: Any]) async throws -> (Response, String) {
        let (response, endpoint) = try await open(path, body: body, timeout: config.requestTimeout)
        let bytes: ByteBuffer
        do {
            bytes = try await response.body.collect(upTo: JSONObjectSplitter.defaultMaxObjectBytes)
        } catch {
            throw RingError.endpointUnreachable(endpoint: endpoint, reason: "reading answer to \(path): \(error)")
        }
        do {
            return (try JSONDecoder().decode(Response.self, from: Data(bytes.readableBytesView)), endpoint)
        } catch {
            throw RingError.badResponse(
                endpoint: endpoint, status: Int(response.status.code),
                body: "unreadable answer to \(path): \(String(decoding: bytes.readableBytesView.prefix(200), as: UTF8.self))")
        }
    }

    /// Sends a POST to each endpoint in turn, starting with the preferred one, until one answers
    /// with a 2xx; a 4xx is the request's fault and is not retried elsewhere. Each endpoint gets
    /// the full `timeout` (nil: no limit, for watches), so a hung endpoint does not starve the next.
    func open(_ path: String, body: [String: Any], timeout: Duration?) async throws -> (HTTPClientResponse, String) {
        let payload = try JSONSerialization.data(withJSONObject: body)
        let start = preferredEndpoint.withLock { $0 }
        var failures: [String] = []
        for offset in 0..<endpoints.count {
            let index = (start + offset) % endpoints.count
            let endpoint = endpoints[index]
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: payload))
            let response: HTTPClientResponse
            do {
                let deadline = timeout.map { NIODeadline.now() + EtcdKV.timeAmount($0) } ?? .distantFuture
                response = try await client.execute(request, deadline: deadline, logger: logger)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failures.append(RingError.endpointUnreachable(endpoint: endpoint, reason: "\(path): \(error)").description)
                continue
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                preferredEndpoint.withLock { $0 = index }
                return (response, endpoint)
            }
            let text = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            let error = RingError.badResponse(endpoint: endpoint, status: status, body: "\(path): \(text)")
            if status < 500 { throw error }
            failures.append(error.description)
        }
        throw RingError.allEndpointsFailed(errors: failures)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let parts = duration.components
        return .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }
}
