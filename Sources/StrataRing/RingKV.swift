/// A key-value store holding rings: the in-memory store for one process, etcd for a cluster.
///
/// Values are the JSON of `RingCodec`. `cas` is the only way instances change a ring: it reads the
/// current value, lets `update` compute the new one, and writes it only if nobody else wrote in
/// between, retrying a bounded number of times.
public protocol RingKV: Sendable {
    /// The stored bytes under `key` and their version (changes on every write), or nil if absent.
    func get(_ key: String) async throws -> (value: [UInt8], version: Int64)?

    /// Reads the ring under `key`, applies `update` (nil in: no ring yet; nil out: leave unchanged)
    /// and writes the result if the key was not changed meanwhile; retries on conflict.
    func cas(_ key: String, update: (RingDesc?) throws -> RingDesc?) async throws

    /// The ring under `key` now (nil when absent), then every later value, until the consumer stops
    /// iterating. Intermediate values may be skipped when they change faster than they are read;
    /// the latest value is always delivered.
    func watch(_ key: String) -> AsyncThrowingStream<RingDesc?, any Error>

    /// Removes `key`.
    func delete(_ key: String) async throws

    /// The key as the store names it (with any prefix), for error messages an operator acts on.
    func fullKey(_ key: String) -> String
}

extension RingKV {
    /// The decoded ring under `key`, or nil when there is none.
    public func getRing(_ key: String) async throws -> RingDesc? {
        guard let stored = try await get(key) else { return nil }
        return try RingCodec.decode(stored.value, key: fullKey(key))
    }

    /// By default a store uses keys as given.
    public func fullKey(_ key: String) -> String { key }
}

/// The KV store names accepted by `-<prefix>.ring.store`, as in Mimir.
public enum RingStoreKind: String, Sendable, CaseIterable {
    /// One process; the ring lives in memory (`inmemory`).
    case inMemory = "inmemory"
    /// etcd v3 (`etcd`).
    case etcd = "etcd"
}
