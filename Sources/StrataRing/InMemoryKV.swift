import Synchronization

/// A ring KV store inside one process (Mimir's `inmemory` store), for `-target=all` and tests.
///
/// All roles of the process share one instance. `cas` runs `update` under the store's lock, so
/// it never conflicts (and `update` must not call back into the store); watchers get the latest
/// value of their key after every change.
public final class InMemoryKV: RingKV {
    private struct Entry {
        var value: [UInt8]
        var version: Int64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextVersion: Int64 = 1
        var nextWatcherID = 0
        var watchers: [String: [Int: AsyncThrowingStream<RingDesc?, any Error>.Continuation]] = [:]
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    public func get(_ key: String) async throws -> (value: [UInt8], version: Int64)? {
        state.withLock { state in
            state.entries[key].map { ($0.value, $0.version) }
        }
    }

    public func cas(_ key: String, update: (RingDesc?) throws -> RingDesc?) async throws {
        try state.withLock { state in
            let current = try state.entries[key].map { try RingCodec.decode($0.value, key: key) }
            guard let next = try update(current) else { return }
            let bytes = try RingCodec.encode(next)
            state.entries[key] = Entry(value: bytes, version: state.nextVersion)
            state.nextVersion += 1
            for continuation in (state.watchers[key] ?? [:]).values { continuation.yield(next) }
        }
    }

    public func delete(_ key: String) async throws {
        state.withLock { state in
            guard state.entries.removeValue(forKey: key) != nil else { return }
            state.nextVersion += 1
            for continuation in (state.watchers[key] ?? [:]).values { continuation.yield(nil) }
        }
    }

    public func watch(_ key: String) -> AsyncThrowingStream<RingDesc?, any Error> {
        let (stream, continuation) = AsyncThrowingStream<RingDesc?, any Error>.makeStream(
            bufferingPolicy: .bufferingNewest(1))
        let id: Int? = state.withLock { state in
            let current: RingDesc?
            do {
                current = try state.entries[key].map { try RingCodec.decode($0.value, key: key) }
            } catch {
                continuation.finish(throwing: error)
                return nil
            }
            continuation.yield(current)
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[key, default: [:]][id] = continuation
            return id
        }
        if let id {
            continuation.onTermination = { [weak self] _ in
                self?.removeWatcher(key: key, id: id)
            }
        }
        return stream
    }

    private func removeWatcher(key: String, id: Int) {
        state.withLock { state in
            state.watchers[key]?[id] = nil
            if state.watchers[key]?.isEmpty == true { state.watchers[key] = nil }
        }
    }
}
