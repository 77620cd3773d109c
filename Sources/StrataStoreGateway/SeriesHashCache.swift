import Synchronization
import StrataBlocks
import StrataModel

/// The label-set hashes (`Labels.stableHash`, what `QueryShard` tests) of one block's series,
/// by series reference, learnt while shard queries read series entries (Mimir's series hash
/// cache). A later shard query of the block drops the series outside its shard before reading
/// their entries, so each of N shard legs reads about 1/N of the entries instead of all of them
/// and hashes none it has seen before.
///
/// Lives as long as the opened block. Entries count against a `SeriesHashBudget` shared by every
/// block; once it is spent, further hashes are not kept and their series are read as without
/// the cache.
final class SeriesHashCache: Sendable {
    /// Approximate bytes one cached hash takes (key, value and the dictionary's free slots).
    static let bytesPerEntry = 24

    private let hashes = Mutex<[SeriesRef: UInt64]>([:])
    private let budget: SeriesHashBudget

    init(budget: SeriesHashBudget) {
        self.budget = budget
    }

    deinit {
        budget.release(hashes.withLock { $0.count })
    }

    /// What a shard query of `refs` has to read: the references whose hash is unknown and those
    /// known to be in `shard` (in `refs`' order), each flagged with whether its hash is known.
    func plan(_ refs: [SeriesRef], shard: QueryShard) -> (read: [SeriesRef], known: [Bool]) {
        var read: [SeriesRef] = []
        var known: [Bool] = []
        read.reserveCapacity(refs.count / shard.count + 1)
        known.reserveCapacity(refs.count / shard.count + 1)
        hashes.withLock { table in
            for ref in refs {
                if let hash = table[ref] {
                    guard shard.contains(hash: hash) else { continue }
                    read.append(ref)
                    known.append(true)
                } else {
                    read.append(ref)
                    known.append(false)
                }
            }
        }
        return (read, known)
    }

    /// Keeps the hashes of `learnt` while the budget lasts.
    func store(_ learnt: [(ref: SeriesRef, hash: UInt64)]) {
        guard !learnt.isEmpty else { return }
        hashes.withLock { table in
            let granted = budget.reserve(learnt.count)
            var added = 0
            for (ref, hash) in learnt.prefix(granted) where table.updateValue(hash, forKey: ref) == nil {
                added += 1
            }
            // Entries another query stored meanwhile were already paid for.
            budget.release(granted - added)
        }
    }

    /// Number of hashes kept.
    var count: Int { hashes.withLock { $0.count } }
}

/// The bytes of series hashes every block's `SeriesHashCache` may keep together
/// (`-blocks-storage.bucket-store.series-hash-cache-max-size-bytes`).
final class SeriesHashBudget: Sendable {
    private let remaining: Atomic<Int>
    private let capacity: Int

    /// A budget of `bytes` (0: no hashes are kept).
    init(bytes: Int) {
        capacity = max(0, bytes) / SeriesHashCache.bytesPerEntry
        remaining = Atomic(capacity)
    }

    /// Takes up to `entries` entries from the budget; returns how many were granted.
    func reserve(_ entries: Int) -> Int {
        var current = remaining.load(ordering: .relaxed)
        while true {
            let granted = min(current, entries)
            if granted <= 0 { return 0 }
            let (exchanged, original) = remaining.compareExchange(expected: current, desired: current - granted,
                                                                  ordering: .relaxed)
            if exchanged { return granted }
            current = original
        }
    }

    /// Gives `entries` back.
    func release(_ entries: Int) {
        if entries > 0 { remaining.add(entries, ordering: .relaxed) }
    }

    /// Entries kept by the open blocks' caches together.
    var used: Int { capacity - remaining.load(ordering: .relaxed) }
}
