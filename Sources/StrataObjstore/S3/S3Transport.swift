import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A local write failure while streaming a download to disk.
struct SinkError: Error {
    let code: Int32
}

/// One S3 request before signing.
struct S3Request: Sendable {
    /// Operation name for messages (`GetObject`, `UploadPart`, ...).
    var operation: String
    var method: HTTPMethod
    /// Object key, or "" for bucket-level requests (listing, bucket creation).
    var key: String
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var body: [UInt8] = []
}

/// A complete S3 response.
struct S3Response: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    /// S3's `<Error>` document, or a synthetic one for bodiless answers (HEAD, proxies).
    func error() -> (code: String, message: String, requestID: String) {
        let requestID = headers.first(name: "x-amz-request-id") ?? ""
        if let root = try? S3XML.parse(body), root.name == "Error" {
            return (root.value("Code") ?? "HTTP\(status)", root.value("Message") ?? "", root.value("RequestId") ?? requestID)
        }
        let code: String
        switch status {
        case 404: code = "NotFound"
        case 403: code = "AccessDenied"
        case 429: code = "SlowDown"
        case 503: code = "ServiceUnavailable"
        default: code = "HTTP\(status)"
        }
        let snippet = String(decoding: body.prefix(200), as: UTF8.self)
        return (code, snippet.isEmpty ? HTTPResponseStatus(statusCode: status).reasonPhrase : snippet, requestID)
    }
}

/// Where requests go and how they are signed, derived once from `S3Config`.
struct S3Endpoint: Sendable {
    let scheme: String
    /// host[:port] of the requests (includes the bucket for virtual-hosted style).
    let authority: String
    let bucket: String
    let virtualHosted: Bool

    init(config: S3Config) {
        scheme = config.insecure ? "http" : "https"
        bucket = config.bucketName
        let endpoint = config.effectiveEndpoint
        let host = endpoint.split(separator: ":").first.map(String.init) ?? endpoint
        switch config.bucketLookupType {
        case .path:
            virtualHosted = false
        case .virtualHosted:
            virtualHosted = true
        case .auto:
            // AWS routes both; virtual-hosted is its preferred style. Dotted names break TLS
            // wildcard certificates, so they stay path style like the AWS SDKs do.
            virtualHosted = host.hasSuffix("amazonaws.com") && !(bucket.contains(".") && !config.insecure)
        }
        authority = virtualHosted ? "\(bucket).\(endpoint)" : endpoint
    }

    /// The encoded request path for `key` ("" for the bucket itself).
    func path(for key: String) -> String {
        if virtualHosted { return "/" + S3URI.encodePath(key) }
        return "/" + S3URI.encode(bucket) + (key.isEmpty ? "" : "/" + S3URI.encodePath(key))
    }
}

/// Backoff schedule: exponential from `min` to `max`, with "equal jitter" (half fixed, half
/// random) so synchronized clients spread out without ever retrying instantly.
struct Backoff: Sendable {
    let min: Duration
    let max: Duration

    func delay(retry: Int) -> Duration {
        var d = min
        for _ in 0..<Swift.min(retry, 30) where d < max { d = d * 2 }
        if d > max { d = max }
        let half = d / 2
        let jitterNanos = Double(half.components.seconds) * 1e9 + Double(half.components.attoseconds) / 1e9
        return half + .nanoseconds(Int64(Double.random(in: 0...1) * jitterNanos))
    }
}

extension S3Bucket {
    /// Sends `request`, retrying 5xx, 429, S3 `RequestTimeout`/`SlowDown`, timeouts and
    /// connection errors up to `maxRetries` times. Any other answer (2xx, 3xx, 4xx) is returned
    /// for the caller to interpret; exhausted retries throw.
    ///
    /// With `sink`, a 200 answer's body is written to that file descriptor (truncated first, so
    /// a retry restarts cleanly) instead of being collected; any other answer is collected.
    func send(_ request: S3Request, sink: Int32? = nil) async throws(BucketError) -> S3Response {
        let attempts = config.maxRetries + 1
        var lastFailure: BucketError = .transport(operation: request.operation, bucket: bucketName, key: request.key, attempts: 0, reason: "not attempted")
        for attempt in 1...attempts {
            if attempt > 1 {
                do {
                    try await Task.sleep(for: backoff.delay(retry: attempt - 2))
                } catch {
                    throw .transport(operation: request.operation, bucket: bucketName, key: request.key, attempts: attempt - 1, reason: "cancelled")
                }
            }
            do {
                let response = try await sendOnce(request, sink: sink)
                if Self.isRetryable(response) {
                    let e = response.error()
                    lastFailure = .server(operation: request.operation, bucket: bucketName, key: request.key, status: response.status,
                                          code: e.code, message: e.message, requestID: e.requestID, attempts: attempt)
                    continue
                }
                return response
            } catch let error as SinkError {
                // A local disk failure is not the server's; retrying would not help.
                throw .io(operation: "write download", path: "fd \(sink ?? -1)", reason: POSIXFile.errnoText(error.code))
            } catch let error as CancellationError {
                throw .transport(operation: request.operation, bucket: bucketName, key: request.key, attempts: attempt, reason: "cancelled (\(error))")
            } catch let error as HTTPClientError where error == .cancelled {
                throw .transport(operation: request.operation, bucket: bucketName, key: request.key, attempts: attempt, reason: "cancelled")
            } catch {
                // Timeouts, refused/reset connections and truncated bodies are all worth retrying:
                // every request we send is idempotent or safe to repeat.
                lastFailure = .transport(operation: request.operation, bucket: bucketName, key: request.key, attempts: attempt, reason: Self.describe(error))
            }
        }
        throw lastFailure
    }

    static func isRetryable(_ response: S3Response) -> Bool {
        if response.status >= 500 || response.status == 429 { return true }
        if response.status == 400 || response.status == 503 {
            let code = response.error().code
            return code == "RequestTimeout" || code == "SlowDown" || code == "RequestTimeTooSkewed"
        }
        return false
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return "request timed out (\(e)); raise blocks_storage.s3.request_timeout if objects are large or the link is slow"
            case .connectTimeout: return "connect timed out (\(e))"
            case .remoteConnectionClosed: return "the server closed the connection (\(e))"
            default: return "\(e)"
            }
        }
        return "\(error)"
    }

    private func sendOnce(_ request: S3Request, sink: Int32?) async throws -> S3Response {
        let path = endpoint.path(for: request.key)
        var http = HTTPClientRequest(url: endpoint.scheme + "://" + endpoint.authority + path + Self.queryString(request.query))
        http.method = request.method
        var headers = request.headers
        headers.append(("host", endpoint.authority))
        let payloadHash = request.body.isEmpty ? SigV4Signer.emptyPayloadHash : SigV4Signer.hexSHA256(request.body)
        if let signer {
            // Signed per attempt: the date must be fresh, S3 refuses requests 15 minutes old.
            let signed = signer.sign(.init(method: request.method.rawValue, encodedPath: path, query: request.query, headers: headers, payloadHash: payloadHash), date: Date())
            for (name, value) in signed { http.headers.add(name: name, value: value) }
        } else {
            for (name, value) in headers { http.headers.add(name: name, value: value) }
            http.headers.add(name: "x-amz-content-sha256", value: payloadHash)
        }
        if !request.body.isEmpty || request.method == .PUT || request.method == .POST {
            http.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let response = try await client.execute(http, timeout: requestTimeout)
        if let sink, response.status == .ok {
            guard ftruncate(sink, 0) == 0 else { throw SinkError(code: errno) }
            var offset = 0
            for try await chunk in response.body {
                let failed = chunk.withUnsafeReadableBytes { bytes -> Int32? in
                    var done = 0
                    while done < bytes.count {
                        let n = pwrite(sink, bytes.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset + done))
                        if n < 0 {
                            if errno == EINTR { continue }
                            return errno
                        }
                        done += n
                    }
                    return nil
                }
                if let failed { throw SinkError(code: failed) }
                offset += chunk.readableBytes
            }
            return S3Response(status: 200, headers: response.headers, body: [])
        }
        var buffer = try await response.body.collect(upTo: Int.max)
        let body = buffer.readBytes(length: buffer.readableBytes) ?? []
        return S3Response(status: Int(response.status.code), headers: response.headers, body: body)
    }

    static func queryString(_ query: [(String, String)]) -> String {
        if query.isEmpty { return "" }
        return "?" + query.map { $0.1.isEmpty ? S3URI.encode($0.0) : "\(S3URI.encode($0.0))=\(S3URI.encode($0.1))" }.joined(separator: "&")
    }
}
