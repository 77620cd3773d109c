/// A key-value store shared by the instances of a cluster: the in-memory store for one process,
/// etcd for a cluster. Rings live in it (as `RingCodec` JSON), and so does the HA tracker's state.
///
/// The store itself deals in bytes. `casBytes` is the only way writers change a value: it reads
/// the current bytes, lets `update` compute the new ones and writes them only if nobody else wrote
/// in between, retrying a bounded number of times. `cas` and `watch` are the ring-typed forms.
public protocol RingKV: Sendable {
    /// The stored bytes under `key` and their version (changes on every write), or nil if absent.
    func get(_ key: String) async throws -> (value: [UInt8], version: Int64)?

    /// Reads the bytes under `key`, applies `update` (nil in: no value; nil out: leave unchanged)
    /// and writes the result if the key was not changed meanwhile; retries on conflict, calling
    /// `update` again with the newer bytes. An error thrown by `update` ends the call unchanged.
    ///
    /// Returns the value under `key` after the call: what was written, or, when the last `update`
    /// returned nil, what it was shown (nil when the key does not exist).
    @discardableResult
    func casBytes(_ key: String, update: ([UInt8]?) throws -> [UInt8]?) async throws -> KVValue?

    /// The bytes under `key` now (nil when absent), then every later value, until the consumer
    /// stops iterating. Intermediate values may be skipped when they change faster than they are
    /// read; the latest value is always delivered.
    func watchBytes(_ key: String) -> AsyncThrowingStream<[UInt8]?, any Error>

    /// Every key starting with `prefix`: first a `.snapshot`, then each put and delete in store
    /// order, none skipped, until the consumer stops iterating.
    func watchPrefix(_ prefix: String) -> AsyncThrowingStream<KVPrefixEvent, any Error>

    /// Removes `key`.
    func delete(_ key: String) async throws

    /// The key as the store names it (with any prefix), for error messages an operator acts on.
    func fullKey(_ key: String) -> String
}

extension RingKV {
    /// Reads the ring under `key`, applies `update` (nil in: no ring yet; nil out: leave unchanged)
    /// and writes the result if the key was not changed meanwhile; retries on conflict.
    /// A value that is not a ring fails with `RingError.corruptValue`.
    public func cas(_ key: String, update: (RingDesc?) throws -> RingDesc?) async throws {
        let name = fullKey(key)
        try await casBytes(key) { bytes in
            let current = try bytes.map { try RingCodec.decode($0, key: name) }
            guard let next = try update(current) else { return nil }
            return try RingCodec.encode(next)
        }
    }

    /// The ring under `key` now (nil when absent), then every later value, until the consumer stops
    /// iterating; the latest value is always delivered. A value that is not a ring ends the stream
    /// with `RingError.corruptValue`.
    public func watch(_ key: String) -> AsyncThrowingStream<RingDesc?, any Error> {
        let source = watchBytes(key)
        let name = fullKey(key)
        let (stream, continuation) = AsyncThrowingStream<RingDesc?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1))
        let task = Task {
            do {
                for try await bytes in source {
                    continuation.yield(try bytes.map { try RingCodec.decode($0, key: name) })
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

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
