import StrataObjstore

/// Why reading, writing or rebuilding a bucket index failed.
public enum BucketIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The object store failed (after its own retries).
    case bucket(BucketError)
    /// The index object exists but cannot be used: not gzip, not JSON, an unknown version or a
    /// malformed entry. `key` names the object.
    case corrupt(key: String, reason: String)
    /// The index could not be encoded (a value JSON cannot carry).
    case encoding(key: String, reason: String)

    public var description: String {
        switch self {
        case .bucket(let error):
            return "bucket index: \(error)"
        case .corrupt(let key, let reason):
            return "bucket index \"\(key)\" is corrupt: \(reason); it is rebuilt from the bucket by the next update (delete the object to force it)"
        case .encoding(let key, let reason):
            return "bucket index \"\(key)\" could not be encoded: \(reason)"
        }
    }
}
