/// Every way an object-storage operation can fail, with enough context for an operator to act.
///
/// `notFound` is distinct so callers can treat a missing object as data (a block not yet
/// uploaded, a deletion mark that does not exist) rather than as a failure.
public enum BucketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The object does not exist.
    case notFound(bucket: String, key: String)
    /// The key cannot name an object (empty, absolute, `..`, reserved name, too long).
    case invalidKey(key: String, reason: String)
    /// The requested byte range starts at or past the object's end.
    case invalidRange(bucket: String, key: String, range: Range<Int>, size: Int?)
    /// The bucket configuration cannot work; `field` is the YAML key to fix.
    case invalidConfig(field: String, reason: String)
    /// The object store answered with an error after all retries.
    case server(operation: String, bucket: String, key: String, status: Int, code: String, message: String, requestID: String, attempts: Int)
    /// The object store could not be reached or the connection failed after all retries.
    case transport(operation: String, bucket: String, key: String, attempts: Int, reason: String)
    /// The object store's answer could not be understood.
    case malformedResponse(operation: String, bucket: String, key: String, reason: String)
    /// A local file operation failed (filesystem backend, or the source file of an upload).
    case io(operation: String, path: String, reason: String)

    public var description: String {
        switch self {
        case let .notFound(bucket, key):
            return "object \"\(key)\" not found in bucket \"\(bucket)\""
        case let .invalidKey(key, reason):
            return "invalid object key \"\(key)\": \(reason)"
        case let .invalidRange(bucket, key, range, size):
            let sizeText = size.map { " (object size \($0) bytes)" } ?? ""
            return "byte range \(range.lowerBound)..<\(range.upperBound) is not satisfiable for object \"\(key)\" in bucket \"\(bucket)\"\(sizeText)"
        case let .invalidConfig(field, reason):
            return "invalid object storage configuration \(field): \(reason)"
        case let .server(operation, bucket, key, status, code, message, requestID, attempts):
            let keyText = key.isEmpty ? "" : " key \"\(key)\""
            let requestText = requestID.isEmpty ? "" : " (request id \(requestID))"
            let hint = Self.hint(status: status, code: code)
            return "\(operation) on bucket \"\(bucket)\"\(keyText) failed after \(attempts) attempt(s): HTTP \(status) \(code): \(message)\(requestText)\(hint)"
        case let .transport(operation, bucket, key, attempts, reason):
            let keyText = key.isEmpty ? "" : " key \"\(key)\""
            return "\(operation) on bucket \"\(bucket)\"\(keyText) failed after \(attempts) attempt(s): \(reason); check blocks_storage.s3.endpoint, network reachability and blocks_storage.s3.insecure (HTTP vs HTTPS)"
        case let .malformedResponse(operation, bucket, key, reason):
            let keyText = key.isEmpty ? "" : " key \"\(key)\""
            return "\(operation) on bucket \"\(bucket)\"\(keyText): unexpected response from the object store: \(reason)"
        case let .io(operation, path, reason):
            return "\(operation) \(path): \(reason)"
        }
    }

    /// A next step for the S3 error codes operators hit most.
    private static func hint(status: Int, code: String) -> String {
        switch code {
        case "NoSuchBucket":
            return "; create the bucket or fix blocks_storage.s3.bucket_name"
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "InvalidToken":
            return "; check blocks_storage.s3.access_key_id, secret_access_key, session_token and the bucket policy"
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
            return "; check blocks_storage.s3.region and blocks_storage.s3.endpoint"
        default:
            return status == 301 || status == 307 ? "; the bucket lives elsewhere: check blocks_storage.s3.region and bucket_lookup_type" : ""
        }
    }
}
