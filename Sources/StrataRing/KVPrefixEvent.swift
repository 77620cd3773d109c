/// What `RingKV.watchPrefix` delivers: the state of every key under a prefix, then each change.
///
/// Keys are named as the caller names them for `get` and `casBytes` (without the store's own
/// prefix). Versions let a consumer that also writes order its own results against the events.
public enum KVPrefixEvent: Sendable, Hashable {
    /// Every key under the prefix with its value, as of store revision `revision`. It replaces
    /// whatever the consumer knew: keys missing from it no longer exist. Delivered first, and again
    /// whenever the watch had to re-read the store (etcd compacted the revisions it needed).
    case snapshot(values: [String: KVValue], revision: Int64)
    /// `key` was written; `value.version` is the revision of that write.
    case put(key: String, value: KVValue)
    /// `key` was removed at store revision `version`.
    case delete(key: String, version: Int64)
}
