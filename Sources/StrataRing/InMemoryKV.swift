import Synchronization

/// A KV store inside one process (Mimir's `inmemory` store), for `-target=all` and tests.
///
/// All roles of the process share one instance. `casBytes` runs `update` under the store's lock,
/// so it never conflicts (and `update` must not call back into the store); key watchers get the
/// latest value of their key after every change, prefix watchers every change under their prefix.
/// Versions come from one counter for the whole store, like etcd's revision.
public final class InMemoryKV: RingKV {
    private typealias KeyContinuation = AsyncThrowingStream<[UInt8]?, any Error>.Continuation
    private typealias PrefixContinuation = AsyncThrowingStream<KVPrefixEvent, any Error>.Continuation

    private struct PrefixWatcher {
        let prefix: String
        let continuation: PrefixContinuation
    }

    private struct State {
        var entries: [String: KVValue] = [:]
        /// The version the next write gets; the store's revision is one less.
        var nextVersion: Int64 = 1
        var nextWatcherID = 0
        var keyWatchers: [String: [Int: KeyContinuation]] = [:]
        var prefixWatchers: [Int: PrefixWatcher] = [:]

        mutating func takeWatcherID() -> Int {
            defer { nextWatcherID += 1 }
            return nextWatcherID
        }

        /// Tells every watcher of `key` about its new value (nil: deleted) at `version`.
        func notify(key: String, value: KVValue?, version: Int64) {
            for continuation in (keyWatchers[key] ?? [:]).values { continuation.yield(value?.bytes) }
            for watcher in prefixWatchers.values where key.hasPrefix(watcher.prefix) {
                if let value {
                    watcher.continuation.yield(.put(key: key, value: value))
                } else {
                    watcher.continuation.yield(.delete(key: key, version: version))
                }
            }
        }
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    public func get(_ key: String) async throws -> (value: [UInt8], version: Int64)? {
        state.withLock { state in
            state.entries[key].map { ($0.bytes, $0.version) }
        }
    }

    @discardableResult
    public func casBytes(_ key: String, update: ([UInt8]?) throws -> [UInt8]?) async throws -> KVValue? {
        try state.withLock { state in
            let current = state.entries[key]
            guard let bytes = try update(current?.bytes) else { return current }
            let value = KVValue(bytes: bytes, version: state.nextVersion)
            state.nextVersion += 1
            state.entries[key] = value
            state.notify(key: key, value: value, version: value.version)
            return value
        }
    }

    public func delete(_ key: String) async throws {
        state.withLock { state in
            guard state.entries.removeValue(forKey: key) != nil else { return }
            let version = state.nextVersion
            state.nextVersion += 1
            state.notify(key: key, value: nil, version: version)
        }
    }

    public func watchBytes(_ key: String) -> AsyncThrowingStream<[UInt8]?, any Error> {
        let (stream, continuation) = AsyncThrowingStream<[UInt8]?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            continuation.yield(state.entries[key]?.bytes)
            let id = state.takeWatcherID()
            state.keyWatchers[key, default: [:]][id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.keyWatchers[key]?[id] = nil
                if state.keyWatchers[key]?.isEmpty == true { state.keyWatchers[key] = nil }
            }
        }
        return stream
    }

    public func watchPrefix(_ prefix: String) -> AsyncThrowingStream<KVPrefixEvent, any Error> {
        // Unbounded: a prefix watcher must see every key's change, not only the latest event.
        let (stream, continuation) = AsyncThrowingStream<KVPrefixEvent, any Error>.makeStream(
            bufferingPolicy: .unbounded)
        let id = state.withLock { state in
            let values = state.entries.filter { $0.key.hasPrefix(prefix) }
            continuation.yield(.snapshot(values: values, revision: state.nextVersion - 1))
            let id = state.takeWatcherID()
            state.prefixWatchers[id] = PrefixWatcher(prefix: prefix, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in state.prefixWatchers[id] = nil }
        }
        return stream
    }
}
