import Synchronization

/// A least-recently-used cache bounded by the total cost (bytes) of its entries.
///
/// Entries carry a `kind` (postings, series, …) so one byte bound can be shared by several kinds
/// while hits, misses and bytes are still counted per kind. Nodes live in an array linked by
/// indices, so lookups and updates allocate nothing once the cache is warm.
final class LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Node {
        var key: Key
        var value: Value
        var cost: Int
        var kind: Int
        var newer: Int
        var older: Int
    }

    private struct State {
        var index: [Key: Int] = [:]
        var nodes: [Node?] = []
        var free: [Int] = []
        /// Most recently used node, or `none`.
        var newest = LRUCache.none
        /// Least recently used node, or `none`.
        var oldest = LRUCache.none
        var bytes = 0
        var stats: [CacheStats]
    }

    private static var none: Int { -1 }
    /// Bookkeeping bytes charged per entry on top of its own cost.
    static var entryOverhead: Int { 64 }

    /// The byte bound.
    let capacity: Int
    private let state: Mutex<State>

    /// A cache of at most `capacity` bytes holding `kinds` kinds of entries.
    init(capacity: Int, kinds: Int) {
        self.capacity = max(0, capacity)
        state = Mutex(State(stats: Array(repeating: CacheStats(), count: max(1, kinds))))
    }

    /// The value for `key`, marking it most recently used; counts a hit or a miss for `kind`.
    func get(_ key: Key, kind: Int) -> Value? {
        state.withLock { s in
            guard let i = s.index[key], let node = s.nodes[i] else {
                s.stats[kind].misses += 1
                return nil
            }
            s.stats[kind].hits += 1
            Self.unlink(i, &s)
            Self.pushNewest(i, &s)
            return node.value
        }
    }

    /// Stores `value` for `key` with `cost` bytes, evicting the least recently used entries to
    /// stay within the bound. An entry larger than the whole cache is not stored.
    func put(_ key: Key, _ value: Value, cost: Int, kind: Int) {
        let total = cost + Self.entryOverhead
        guard total <= capacity else { return }
        state.withLock { s in
            if let i = s.index[key] { Self.remove(i, &s) }
            while s.bytes + total > capacity, s.oldest != Self.none {
                let victim = s.oldest
                if let k = s.nodes[victim]?.kind { s.stats[k].evictions += 1 }
                Self.remove(victim, &s)
            }
            let node = Node(key: key, value: value, cost: total, kind: kind, newer: Self.none, older: Self.none)
            let i: Int
            if let slot = s.free.popLast() {
                s.nodes[slot] = node
                i = slot
            } else {
                s.nodes.append(node)
                i = s.nodes.count - 1
            }
            s.index[key] = i
            s.bytes += total
            s.stats[kind].items += 1
            s.stats[kind].bytes += total
            Self.pushNewest(i, &s)
        }
    }

    /// Counters of `kind`.
    func stats(kind: Int) -> CacheStats {
        state.withLock { $0.stats[kind] }
    }

    /// Bytes held, all kinds.
    var bytes: Int { state.withLock { $0.bytes } }

    private static func remove(_ i: Int, _ s: inout State) {
        guard let node = s.nodes[i] else { return }
        unlink(i, &s)
        s.index[node.key] = nil
        s.nodes[i] = nil
        s.free.append(i)
        s.bytes -= node.cost
        s.stats[node.kind].items -= 1
        s.stats[node.kind].bytes -= node.cost
    }

    private static func unlink(_ i: Int, _ s: inout State) {
        guard let node = s.nodes[i] else { return }
        if node.newer != none { s.nodes[node.newer]?.older = node.older } else { s.newest = node.older }
        if node.older != none { s.nodes[node.older]?.newer = node.newer } else { s.oldest = node.newer }
        s.nodes[i]?.newer = none
        s.nodes[i]?.older = none
    }

    private static func pushNewest(_ i: Int, _ s: inout State) {
        s.nodes[i]?.older = s.newest
        s.nodes[i]?.newer = none
        if s.newest != none { s.nodes[s.newest]?.newer = i }
        s.newest = i
        if s.oldest == none { s.oldest = i }
    }
}
