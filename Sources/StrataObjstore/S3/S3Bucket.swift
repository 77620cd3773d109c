import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A bucket on Amazon S3 or an S3-compatible store (MinIO, Ceph RGW, R2, moto...).
///
/// Requests are signed with AWS Signature Version 4 (header auth, signed payload), retried with
/// exponential backoff and jitter on 5xx, 429, timeouts and connection errors, and limited by a
/// per-attempt timeout. Call `shutdown()` when done: it closes the HTTP connection pool.
public final class S3Bucket: Bucket {
    /// The effective configuration.
    public let config: S3Config
    let client: HTTPClient
    let ownsClient: Bool
    let signer: SigV4Signer?
    let endpoint: S3Endpoint
    let backoff: Backoff
    let requestTimeout: TimeAmount

    public var name: String { config.bucketName }
    var bucketName: String { config.bucketName }

    /// Opens the bucket described by `config` (nothing is sent until the first call).
    /// Pass `httpClient` to share a connection pool; otherwise the bucket owns one.
    public init(config: S3Config, httpClient: HTTPClient? = nil) throws(BucketError) {
        try config.validate()
        self.config = config
        let environment = ProcessInfo.processInfo.environment
        var credentials = S3Credentials(accessKeyID: config.accessKeyID, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken)
        if credentials.accessKeyID.isEmpty {
            // Same fallback as the AWS SDKs' environment provider, so containers can inject keys.
            credentials.accessKeyID = environment["AWS_ACCESS_KEY_ID"] ?? ""
            credentials.secretAccessKey = environment["AWS_SECRET_ACCESS_KEY"] ?? ""
            if credentials.sessionToken.isEmpty { credentials.sessionToken = environment["AWS_SESSION_TOKEN"] ?? "" }
        }
        signer = credentials.accessKeyID.isEmpty ? nil : SigV4Signer(credentials: credentials, region: config.effectiveRegion)
        endpoint = S3Endpoint(config: config)
        backoff = Backoff(min: config.minBackoff, max: config.maxBackoff)
        let c = config.requestTimeout.components
        requestTimeout = .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
        if let httpClient {
            client = httpClient
            ownsClient = false
        } else {
            var httpConfig = HTTPClient.Configuration()
            // S3 redirects mean a wrong region or endpoint; following them would hide the misconfiguration.
            httpConfig.redirectConfiguration = .disallow
            httpConfig.timeout = .init(connect: .seconds(10))
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
            ownsClient = true
        }
    }

    public func shutdown() async {
        if ownsClient { try? await client.shutdown() }
    }

    // MARK: - Objects

    public func get(_ key: String) async throws(BucketError) -> [UInt8] {
        try ObjectKey.validate(key)
        let response = try await send(S3Request(operation: "GetObject", method: .GET, key: key))
        guard response.status == 200 else { throw failure("GetObject", key, response) }
        return response.body
    }

    public func getRange(_ key: String, _ range: Range<Int>) async throws(BucketError) -> [UInt8] {
        try ObjectKey.validate(key)
        guard range.lowerBound >= 0 else { throw .invalidRange(bucket: bucketName, key: key, range: range, size: nil) }
        if range.isEmpty { return [] }
        let request = S3Request(operation: "GetObject", method: .GET, key: key,
                                headers: [("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")])
        let response = try await send(request)
        switch response.status {
        case 206:
            return response.body
        case 200:
            // A server that ignores Range sends the whole object; cut the range out ourselves.
            guard range.lowerBound < response.body.count else {
                throw .invalidRange(bucket: bucketName, key: key, range: range, size: response.body.count)
            }
            return Array(response.body[range.lowerBound..<min(range.upperBound, response.body.count)])
        case 416:
            let size = response.headers.first(name: "content-range").flatMap { $0.split(separator: "/").last.flatMap { Int($0) } }
            throw .invalidRange(bucket: bucketName, key: key, range: range, size: size)
        default:
            throw failure("GetObject", key, response)
        }
    }

    public func download(_ key: String, toFile path: String) async throws(BucketError) {
        try ObjectKey.validate(key)
        try await AtomicFile.write(path) { fd, _ async throws(BucketError) in
            let response = try await self.send(S3Request(operation: "GetObject", method: .GET, key: key), sink: fd)
            guard response.status == 200 else { throw self.failure("GetObject", key, response) }
        }
    }

    public func put(_ key: String, _ bytes: [UInt8]) async throws(BucketError) {
        try ObjectKey.validate(key)
        let response = try await send(S3Request(operation: "PutObject", method: .PUT, key: key,
                                                headers: [("content-type", "application/octet-stream")], body: bytes))
        guard response.status == 200 else { throw failure("PutObject", key, response) }
    }

    public func delete(_ key: String) async throws(BucketError) {
        try ObjectKey.validate(key)
        let response = try await send(S3Request(operation: "DeleteObject", method: .DELETE, key: key))
        // S3 answers 204 for missing keys too; some compatible stores answer 404 instead.
        if response.status == 204 || response.status == 200 { return }
        if response.status == 404, response.error().code != "NoSuchBucket" { return }
        throw failure("DeleteObject", key, response)
    }

    public func attributes(_ key: String) async throws(BucketError) -> ObjectAttributes {
        try ObjectKey.validate(key)
        let response = try await send(S3Request(operation: "HeadObject", method: .HEAD, key: key))
        guard response.status == 200 else { throw failure("HeadObject", key, response) }
        guard let size = response.headers.first(name: "content-length").flatMap({ Int($0) }) else {
            throw .malformedResponse(operation: "HeadObject", bucket: bucketName, key: key, reason: "no Content-Length header")
        }
        guard let modified = response.headers.first(name: "last-modified").flatMap(S3URI.parseHTTPDate) else {
            throw .malformedResponse(operation: "HeadObject", bucket: bucketName, key: key, reason: "missing or unparsable Last-Modified header")
        }
        return ObjectAttributes(size: size, lastModified: modified)
    }

    // MARK: - Listing

    public func listPage(prefix: String, delimiter: String?, continuationToken: String?, maxKeys: Int) async throws(BucketError) -> ListPage {
        try ObjectKey.validatePrefix(prefix)
        var query: [(String, String)] = [("list-type", "2"), ("max-keys", String(max(1, min(maxKeys, 1000))))]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let delimiter, !delimiter.isEmpty { query.append(("delimiter", delimiter)) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let response = try await send(S3Request(operation: "ListObjectsV2", method: .GET, key: "", query: query))
        guard response.status == 200 else { throw failure("ListObjectsV2", prefix, response) }
        let root: XMLElement
        do {
            root = try S3XML.parse(response.body)
        } catch {
            throw .malformedResponse(operation: "ListObjectsV2", bucket: bucketName, key: prefix, reason: "unparsable XML: \(error)")
        }
        guard root.name == "ListBucketResult" else {
            throw .malformedResponse(operation: "ListObjectsV2", bucket: bucketName, key: prefix, reason: "expected <ListBucketResult>, got <\(root.name)>")
        }
        var page = ListPage(
            keys: root.all("Contents").compactMap { $0.value("Key") },
            commonPrefixes: root.all("CommonPrefixes").compactMap { $0.value("Prefix") },
            continuationToken: nil
        )
        if root.value("IsTruncated") == "true" {
            guard let next = root.value("NextContinuationToken"), !next.isEmpty else {
                throw .malformedResponse(operation: "ListObjectsV2", bucket: bucketName, key: prefix, reason: "truncated listing without NextContinuationToken")
            }
            page.continuationToken = next
        }
        return page
    }

    // MARK: - Bucket

    /// Creates the bucket (tests, development setups); an existing bucket we own is fine.
    /// Production buckets are created by the operator, as with Mimir.
    public func createBucket() async throws(BucketError) {
        var body: [UInt8] = []
        if config.effectiveRegion != "us-east-1" {
            body = Array("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(S3XML.escape(config.effectiveRegion))</LocationConstraint></CreateBucketConfiguration>".utf8)
        }
        let response = try await send(S3Request(operation: "CreateBucket", method: .PUT, key: "", body: body))
        if response.status == 200 { return }
        if response.status == 409, response.error().code == "BucketAlreadyOwnedByYou" { return }
        throw failure("CreateBucket", "", response)
    }

    // MARK: - Errors

    /// Maps a non-success answer to `BucketError`, keeping "no such key" distinct.
    func failure(_ operation: String, _ key: String, _ response: S3Response) -> BucketError {
        let e = response.error()
        if response.status == 404, e.code == "NoSuchKey" || e.code == "NotFound" {
            return .notFound(bucket: bucketName, key: key)
        }
        return .server(operation: operation, bucket: bucketName, key: key, status: response.status,
                       code: e.code, message: e.message, requestID: e.requestID, attempts: 1)
    }
}
