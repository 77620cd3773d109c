import Synchronization

/// An in-process `Cache` bounded by the bytes it holds, for a single process (the default
/// `-target=all` setup) where a memcached cluster would be overkill.
///
/// It is a `final class` around a `Mutex` rather than an actor: a lookup is a few dictionary and
/// index operations, far cheaper than the actor hop a caller on the query path would pay.
/// Every entry is charged its key and value bytes plus `entryOverhead`, so that many tiny entries
/// cannot hold far more memory than the budget says.
public final class LRUByteCache: Cache {
    /// What the cache has done since it was created, and what it holds now.
    public struct Stats: Sendable, Equatable {
        /// Lookups that found a live entry.
        public var hits: Int = 0
        /// Lookups that found nothing, or only an expired entry.
        public var misses: Int = 0
        /// Entries dropped to make room for newer ones.
        public var evictions: Int = 0
        /// Entries dropped because their ttl had passed when they were looked up.
        public var expirations: Int = 0
        /// Values not stored because a single entry would exceed the whole budget.
        public var oversized: Int = 0
        /// Entries held now.
        public var entries: Int = 0
        /// Bytes charged for the entries held now (keys, values and per-entry overhead).
        public var bytes: Int = 0

        /// Empty counters.
        public init() {}
    }

    /// Bytes charged per entry on top of its key and value: roughly the dictionary slot, the list
    /// node and the two heap headers an entry costs. An estimate, not an exact accounting.
    public static let entryOverhead = 96

    /// The budget in bytes that the held entries never exceed.
    public let maxBytes: Int

    private let now: @Sendable () -> ContinuousClock.Instant
    private let state: Mutex<State>

    /// A cache holding at most `maxBytes` bytes (see `entryOverhead`).
    ///
    /// `now` is the clock that expiries are measured on; tests pass a fake one to expire entries
    /// without sleeping.
    public init(maxBytes: Int, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.maxBytes = max(0, maxBytes)
        self.now = now
        self.state = Mutex(State())
    }

    /// Counters and current size, read atomically.
    public var stats: Stats {
        state.withLock { $0.stats }
    }

    /// The live values for `keys`; a hit also makes its entry the most recently used.
    public func fetch(_ keys: [String]) async -> [String: [UInt8]] {
        guard !keys.isEmpty else { return [:] }
        let instant = now()
        return state.withLock { state in
            var found: [String: [UInt8]] = [:]
            found.reserveCapacity(keys.count)
            for key in keys {
                if let value = state.lookup(key, at: instant) { found[key] = value }
            }
            return found
        }
    }

    /// Stores each entry for `ttl` (zero or negative: until evicted), evicting the least recently
    /// used entries as needed. An entry larger than the whole budget is dropped, and an older
    /// value under its key removed, so a reader never sees a value the caller has replaced.
    public func store(_ entries: [(key: String, value: [UInt8])], ttl: Duration) async {
        guard !entries.isEmpty else { return }
        let expiry: ContinuousClock.Instant? = ttl > .zero ? now() + ttl : nil
        let budget = maxBytes
        state.withLock { state in
            for entry in entries {
                state.insert(key: entry.key, value: entry.value, expiry: expiry, budget: budget)
            }
        }
    }

    /// The entries in a slab of nodes linked by index (most recently used at `head`), so that an
    /// entry costs no separate heap object and moving it to the front is a few index writes.
    private struct State: ~Copyable {
        struct Node {
            var key: String
            var value: [UInt8]
            var expiry: ContinuousClock.Instant?
            var size: Int
            var prev: Int
            var next: Int
        }

        static let none = -1

        var nodes: [Node] = []
        var free: [Int] = []
        var index: [String: Int] = [:]
        var head = State.none
        var tail = State.none
        var stats = Stats()

        mutating func lookup(_ key: String, at instant: ContinuousClock.Instant) -> [UInt8]? {
            guard let i = index[key] else {
                stats.misses += 1
                return nil
            }
            if let expiry = nodes[i].expiry, expiry <= instant {
                remove(i)
                stats.expirations += 1
                stats.misses += 1
                return nil
            }
            moveToFront(i)
            stats.hits += 1
            return nodes[i].value
        }

        mutating func insert(key: String, value: [UInt8], expiry: ContinuousClock.Instant?, budget: Int) {
            let size = key.utf8.count + value.count + LRUByteCache.entryOverhead
            if let existing = index[key] { remove(existing) }
            guard size <= budget else {
                stats.oversized += 1
                return
            }
            while stats.bytes + size > budget, tail != State.none {
                remove(tail)
                stats.evictions += 1
            }
            let node = Node(key: key, value: value, expiry: expiry, size: size, prev: State.none, next: head)
            let i: Int
            if let reused = free.popLast() {
                nodes[reused] = node
                i = reused
            } else {
                nodes.append(node)
                i = nodes.count - 1
            }
            if head != State.none { nodes[head].prev = i }
            head = i
            if tail == State.none { tail = i }
            index[key] = i
            stats.entries += 1
            stats.bytes += size
        }

        private mutating func unlink(_ i: Int) {
            let prev = nodes[i].prev
            let next = nodes[i].next
            if prev != State.none { nodes[prev].next = next } else { head = next }
            if next != State.none { nodes[next].prev = prev } else { tail = prev }
            nodes[i].prev = State.none
            nodes[i].next = State.none
        }

        private mutating func moveToFront(_ i: Int) {
            guard head != i else { return }
            unlink(i)
            nodes[i].next = head
            if head != State.none { nodes[head].prev = i }
            head = i
            if tail == State.none { tail = i }
        }

        private mutating func remove(_ i: Int) {
            unlink(i)
            index[nodes[i].key] = nil
            stats.entries -= 1
            stats.bytes -= nodes[i].size
            // Drop the value now rather than when the slot is reused: a freed slot must not pin
            // megabytes the budget no longer counts.
            nodes[i].key = ""
            nodes[i].value = []
            free.append(i)
        }
    }
}
