import Foundation

/// How S3 requests address the bucket (Mimir's `bucket_lookup_type`).
public enum BucketLookupType: String, Sendable, CaseIterable {
    /// Virtual-hosted style for AWS endpoints (`*.amazonaws.com`), path style elsewhere
    /// (MinIO, Ceph, moto and most self-hosted stores only route path style by default).
    case auto
    /// `https://endpoint/bucket/key`.
    case path
    /// `https://bucket.endpoint/key`.
    case virtualHosted = "virtual-hosted"
}

/// `blocks_storage.s3:` — Mimir's key names, so an existing Mimir config carries over.
public struct S3Config: Sendable, Equatable {
    /// `endpoint`: host[:port] without a scheme; empty means AWS S3 in `region`.
    public var endpoint = ""
    /// `region`: signing region; empty means `us-east-1`.
    public var region = ""
    /// `bucket_name`.
    public var bucketName = ""
    /// `access_key_id`; empty falls back to `AWS_ACCESS_KEY_ID`, then to unsigned requests.
    public var accessKeyID = ""
    /// `secret_access_key`; empty falls back to `AWS_SECRET_ACCESS_KEY`.
    public var secretAccessKey = ""
    /// `session_token`; empty falls back to `AWS_SESSION_TOKEN`.
    public var sessionToken = ""
    /// `insecure`: plain HTTP instead of HTTPS.
    public var insecure = false
    /// `bucket_lookup_type`: `auto`, `path` or `virtual-hosted`.
    public var bucketLookupType: BucketLookupType = .auto
    /// `max_retries`: retries after the first attempt for 5xx, 429, timeouts and connection errors.
    public var maxRetries = 10
    /// `request_timeout`: limit on one attempt of one request (a multipart upload's part counts as one request).
    public var requestTimeout: Duration = .seconds(120)
    /// `part_size`: multipart upload part size in bytes; files above it upload in parts.
    /// S3 requires at least 5 MiB for every part but the last.
    public var partSize = 64 * 1024 * 1024
    /// `upload_concurrency`: parts of one multipart upload sent in parallel (memory: this many parts).
    public var uploadConcurrency = 4
    /// First retry delay; doubles each retry up to `maxBackoff`, with jitter.
    public var minBackoff: Duration = .milliseconds(100)
    /// Longest retry delay.
    public var maxBackoff: Duration = .seconds(5)

    public init() {}

    /// The effective signing region.
    public var effectiveRegion: String { region.isEmpty ? "us-east-1" : region }

    /// The effective host[:port]: `endpoint`, or AWS's regional endpoint.
    public var effectiveEndpoint: String { endpoint.isEmpty ? "s3.\(effectiveRegion).amazonaws.com" : endpoint }

    /// Throws `.invalidConfig` naming the field to fix.
    public func validate() throws(BucketError) {
        if bucketName.isEmpty {
            throw .invalidConfig(field: "blocks_storage.s3.bucket_name", reason: "empty; set the name of an existing bucket")
        }
        if endpoint.contains("://") {
            throw .invalidConfig(field: "blocks_storage.s3.endpoint", reason: "\"\(endpoint)\" has a scheme; give host[:port] only and set insecure: true for plain HTTP")
        }
        if endpoint.contains("/") {
            throw .invalidConfig(field: "blocks_storage.s3.endpoint", reason: "\"\(endpoint)\" has a path; give host[:port] only")
        }
        if maxRetries < 0 {
            throw .invalidConfig(field: "blocks_storage.s3.max_retries", reason: "\(maxRetries) is negative")
        }
        if requestTimeout <= .zero {
            throw .invalidConfig(field: "blocks_storage.s3.request_timeout", reason: "must be positive")
        }
        if partSize < 5 * 1024 * 1024 {
            throw .invalidConfig(field: "blocks_storage.s3.part_size", reason: "\(partSize) is below S3's 5 MiB minimum part size")
        }
        if uploadConcurrency < 1 {
            throw .invalidConfig(field: "blocks_storage.s3.upload_concurrency", reason: "\(uploadConcurrency) must be at least 1")
        }
        if accessKeyID.isEmpty != secretAccessKey.isEmpty {
            throw .invalidConfig(field: "blocks_storage.s3.access_key_id", reason: "access_key_id and secret_access_key must be set together")
        }
    }
}

/// `blocks_storage.filesystem:`.
public struct FilesystemConfig: Sendable, Equatable {
    /// `dir`: root directory of the bucket.
    public var dir = "./data/blocks"

    public init() {}
}

/// `blocks_storage:` object storage settings (Mimir's `blocks_storage.backend` and its blocks).
public struct BucketConfig: Sendable, Equatable {
    /// `backend`: which object store holds the blocks.
    public enum Backend: String, Sendable, CaseIterable {
        case filesystem
        case s3
    }

    /// `backend`: `filesystem` (default, single node) or `s3`.
    public var backend: Backend = .filesystem
    /// `filesystem:` block.
    public var filesystem = FilesystemConfig()
    /// `s3:` block.
    public var s3 = S3Config()

    public init() {}

    /// Opens the configured bucket; call `shutdown()` on it when done.
    public func makeBucket() throws(BucketError) -> any Bucket {
        switch backend {
        case .filesystem:
            return try FilesystemBucket(root: filesystem.dir)
        case .s3:
            return try S3Bucket(config: s3)
        }
    }
}
