/// A key-value cache of byte strings shared by the query path: the query-frontend's results
/// cache and the store-gateway's index and chunk caches.
///
/// A cache is best effort: a lookup that fails or times out is a miss and a store that fails is
/// dropped, so no query ever fails because of its cache. Keys are opaque strings chosen by the
/// caller (a backend with key limits, such as memcached, hashes them itself).
public protocol Cache: Sendable {
    /// The values found for `keys`; keys that miss are absent from the result.
    func fetch(_ keys: [String]) async -> [String: [UInt8]]

    /// Stores each value under its key for `ttl` (zero: the backend's longest lifetime).
    func store(_ entries: [(key: String, value: [UInt8])], ttl: Duration) async
}
