import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A ring KV store in etcd v3, spoken through etcd's JSON gRPC gateway (`/v3/kv/*`, `/v3/watch`).
///
/// Requests go to the endpoint that last answered and fail over to the next one on connection
/// errors, timeouts and 5xx answers. `cas` is a transaction comparing the key's `mod_revision`
/// with the one read. A watch survives dropped connections: it reconnects (to any endpoint) and
/// resumes from the revision after the last one it delivered.
///
/// Call `shutdown()` before the value is released: it closes the HTTP connections.
public final class EtcdKV: RingKV {
    /// Pause before the first watch reconnect; doubles up to `maxWatchBackoff`.
    static let initialWatchBackoff: Duration = .milliseconds(100)
    /// Longest pause between watch reconnects.
    static let maxWatchBackoff: Duration = .seconds(2)
    /// Upper bound of the random pause after a lost compare-and-swap, per attempt so far.
    static let casBackoffStepMilliseconds = 5

    private let config: EtcdConfig
    private let endpoints: [String]
    private let client: HTTPClient
    private let logger: Logger
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

    /// The etcd key for a ring key: the configured prefix followed by `key`.
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

    /// Writes `value` under `key` unconditionally (for tools and tests; rings change through `cas`).
    public func put(_ key: String, value: [UInt8]) async throws {
        let _: (EtcdRangeResponse, String) = try await call(
            "/v3/kv/put", body: ["key": EtcdBase64.encode(fullKey(key)), "value": EtcdBase64.encode(value)])
    }

    public func delete(_ key: String) async throws {
        let _: (EtcdRangeResponse, String) = try await call(
            "/v3/kv/deleterange", body: ["key": EtcdBase64.encode(fullKey(key))])
    }

    public func cas(_ key: String, update: (RingDesc?) throws -> RingDesc?) async throws {
        let fullKey = fullKey(key)
        for attempt in 1...config.maxRetries {
            let current = try await get(key)
            let ring = try current.map { try RingCodec.decode($0.value, key: fullKey) }
            guard let next = try update(ring) else { return }
            let value = try RingCodec.encode(next)
            // mod_revision 0 means "the key does not exist" in an etcd compare.
            let body: [String: Any] = [
                "compare": [[
                    "key": EtcdBase64.encode(fullKey), "target": "MOD", "result": "EQUAL",
                    "mod_revision": String(current?.version ?? 0),
                ]],
                "success": [["request_put": ["key": EtcdBase64.encode(fullKey), "value": EtcdBase64.encode(value)]]],
            ]
            let (response, _): (EtcdTxnResponse, String) = try await call("/v3/kv/txn", body: body)
            if response.succeeded == true { return }
            logger.debug("ring CAS conflict", metadata: ["key": "\(fullKey)", "attempt": "\(attempt)"])
            // A random pause spreads out writers that collided, so they do not collide again.
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...(attempt * EtcdKV.casBackoffStepMilliseconds))))
        }
        throw RingError.casRetriesExhausted(key: fullKey, attempts: config.maxRetries)
    }

    public func watch(_ key: String) -> AsyncThrowingStream<RingDesc?, any Error> {
        let (stream, continuation) = AsyncThrowingStream<RingDesc?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1))
        let task = Task { [self] in
            do {
                try await runWatch(key: key, continuation: continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    // MARK: - Watch

    private func runWatch(
        key: String, continuation: AsyncThrowingStream<RingDesc?, any Error>.Continuation
    ) async throws {
        let fullKey = fullKey(key)
        // The revision up to which the consumer has the state; 0 until the first read.
        var delivered: Int64 = 0
        var backoff = EtcdKV.initialWatchBackoff
        while !Task.isCancelled {
            do {
                if delivered == 0 {
                    delivered = try await resync(key: key, continuation: continuation)
                }
                let resyncNeeded = try await streamWatch(
                    fullKey: fullKey, from: delivered + 1, continuation: continuation
                ) { revision in
                    delivered = revision
                    backoff = EtcdKV.initialWatchBackoff
                }
                if resyncNeeded { delivered = 0 }
            } catch let error as RingError {
                if case .corruptValue = error { throw error }
                logger.warning("etcd watch interrupted, reconnecting", metadata: ["key": "\(fullKey)", "error": "\(error)"])
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("etcd watch interrupted, reconnecting", metadata: ["key": "\(fullKey)", "error": "\(error)"])
            }
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, EtcdKV.maxWatchBackoff)
        }
    }

    /// Reads the current value, delivers it and returns the store revision it was read at.
    private func resync(
        key: String, continuation: AsyncThrowingStream<RingDesc?, any Error>.Continuation
    ) async throws -> Int64 {
        let fullKey = fullKey(key)
        let (response, endpoint): (EtcdRangeResponse, String) = try await call(
            "/v3/kv/range", body: ["key": EtcdBase64.encode(fullKey)])
        guard let revision = response.header?.revision?.value else {
            throw RingError.badResponse(endpoint: endpoint, status: 200, body: "range answer without header.revision")
        }
        if let kv = response.kvs?.first {
            guard let value = EtcdBase64.decode(kv.value) else {
                throw RingError.badResponse(endpoint: endpoint, status: 200, body: "value of \(fullKey) is not base64")
            }
            continuation.yield(try RingCodec.decode(value, key: fullKey))
        } else {
            continuation.yield(nil)
        }
        return revision
    }

    /// Streams events of `fullKey` from revision `from` until the connection ends. Returns true when
    /// etcd cancelled the watch because `from` was compacted away (the caller must re-read).
    private func streamWatch(
        fullKey: String, from revision: Int64,
        continuation: AsyncThrowingStream<RingDesc?, any Error>.Continuation,
        advanced: (Int64) -> Void
    ) async throws -> Bool {
        let body: [String: Any] = [
            "create_request": ["key": EtcdBase64.encode(fullKey), "start_revision": String(revision)]
        ]
        let (response, endpoint) = try await open("/v3/watch", body: body, timeout: nil)
        var splitter = JSONObjectSplitter()
        for try await chunk in response.body {
            let objects: [[UInt8]]
            do {
                objects = try splitter.append(chunk.readableBytesView)
            } catch {
                throw RingError.badResponse(endpoint: endpoint, status: 200, body: "watch message over \(error.bytes) bytes")
            }
            for object in objects {
                let message: EtcdWatchMessage
                do {
                    message = try JSONDecoder().decode(EtcdWatchMessage.self, from: Data(object))
                } catch {
                    throw RingError.badResponse(endpoint: endpoint, status: 200, body: "unreadable watch message: \(error)")
                }
                if let gatewayError = message.error {
                    throw RingError.badResponse(endpoint: endpoint, status: 200, body: gatewayError.message ?? "watch error")
                }
                guard let result = message.result else { continue }
                if let compacted = result.compactRevision?.value, compacted > 0 { return true }
                if result.canceled == true {
                    throw RingError.badResponse(endpoint: endpoint, status: 200, body: "watch canceled: \(result.cancelReason ?? "no reason")")
                }
                for event in result.events ?? [] {
                    guard let kv = event.kv else { continue }
                    if event.type == "DELETE" {
                        continuation.yield(nil)
                    } else {
                        guard let value = EtcdBase64.decode(kv.value) else {
                            throw RingError.badResponse(endpoint: endpoint, status: 200, body: "value of \(fullKey) is not base64")
                        }
                        continuation.yield(try RingCodec.decode(value, key: fullKey))
                    }
                    if let modRevision = kv.modRevision?.value { advanced(modRevision) }
                }
            }
        }
        return false
    }

    // MARK: - Requests with failover

    /// Sends a unary request and decodes the answer; returns the endpoint that answered.
    private func call<Response: Decodable>(_ path: String, body: [String: Any]) async throws -> (Response, String) {
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
    private func open(_ path: String, body: [String: Any], timeout: Duration?) async throws -> (HTTPClientResponse, String) {
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
