import CRE2
import Synchronization

/// Compiled regexes by pattern, least recently used evicted first, bounded in bytes.
///
/// A dashboard sends the same patterns at every refresh, and `label_replace` sees its pattern at
/// every step; compiling once saves the RE2 compilation each time. The bound is on
/// the estimated memory of the compiled programs (``RE2Regex/estimatedBytes``), not only on the
/// number of entries, so that a client sending many large distinct patterns cannot grow it
/// without limit. Beyond its program, RE2 grows a regex's lazy DFA while matching, within the
/// per-regex budget RE2 sets (`max_mem`, 8 MiB); that growth is not counted.
public final class RegexCache: Sendable {
    /// The default budget: ample for every pattern of a large dashboard set (a typical pattern
    /// costs 5-10 KB), small next to a querier's memory.
    public static let defaultBudgetBytes = 32 << 20

    /// The process-wide cache used by label matchers and `label_replace`.
    public static let shared = RegexCache(budgetBytes: defaultBudgetBytes)

    /// Which Prometheus compilation of a pattern an entry holds.
    enum Flavor: UInt8, Sendable {
        /// Matchers: the pattern alone with the `s` flag, matched at both ends.
        case matcher
        /// `label_replace`: `^(?s:pattern)$`, searched.
        case labelReplace
    }

    struct Key: Hashable, Sendable {
        var pattern: UTF8Key
        var flavor: Flavor
    }

    private struct Entry {
        var key: Key
        var regex: RE2Regex
        var bytes: Int
        var newer: Int
        var older: Int
    }

    private struct State {
        var index: [Key: Int] = [:]
        var slots: [Entry?] = []
        var free: [Int] = []
        /// Most and least recently used slots; -1 when empty.
        var newest = -1
        var oldest = -1
        var bytes = 0

        mutating func unlink(_ slot: Int) {
            guard let e = slots[slot] else { return }
            if e.newer >= 0 { slots[e.newer]?.older = e.older } else { newest = e.older }
            if e.older >= 0 { slots[e.older]?.newer = e.newer } else { oldest = e.newer }
        }

        mutating func pushNewest(_ slot: Int) {
            slots[slot]?.newer = -1
            slots[slot]?.older = newest
            if newest >= 0 { slots[newest]?.newer = slot }
            newest = slot
            if oldest < 0 { oldest = slot }
        }

        mutating func remove(_ slot: Int) {
            guard let e = slots[slot] else { return }
            unlink(slot)
            index[e.key] = nil
            bytes -= e.bytes
            slots[slot] = nil
            free.append(slot)
        }
    }

    /// The most bytes of compiled regexes kept.
    public let budgetBytes: Int
    private let state = Mutex(State())

    /// A cache holding at most `budgetBytes` of compiled regexes.
    public init(budgetBytes: Int) {
        self.budgetBytes = max(0, budgetBytes)
    }

    /// The estimated bytes of the regexes held now.
    public var bytes: Int { state.withLock { $0.bytes } }

    /// The number of regexes held now.
    public var count: Int { state.withLock { $0.index.count } }

    /// The compiled regex of `pattern` in the given flavor, compiled on a miss.
    func regex(_ pattern: String, flavor: Flavor) throws(RegexSyntaxError) -> RE2Regex {
        let key = Key(pattern: UTF8Key(pattern), flavor: flavor)
        let hit: RE2Regex? = state.withLock { s in
            guard let slot = s.index[key], let e = s.slots[slot] else { return nil }
            s.unlink(slot)
            s.pushNewest(slot)
            return e.regex
        }
        if let hit { return hit }
        // Compiled outside the lock: two threads may compile the same pattern, the second
        // insertion then replaces the first.
        let compiled = try Self.compile(pattern, flavor: flavor)
        insert(key, compiled)
        return compiled
    }

    static func compile(_ pattern: String, flavor: Flavor) throws(RegexSyntaxError) -> RE2Regex {
        let adjusted = try GoRegexSyntax.adjust(pattern)
        switch flavor {
        case .matcher:
            return try RE2Regex(source: adjusted, dotNL: true, anchor: STRATA_RE2_ANCHOR_BOTH, shown: pattern)
        case .labelReplace:
            return try RE2Regex(source: "^(?s:" + adjusted + ")$", dotNL: false, anchor: STRATA_RE2_UNANCHORED, shown: pattern)
        }
    }

    private func insert(_ key: Key, _ regex: RE2Regex) {
        let cost = regex.estimatedBytes &+ key.pattern.string.utf8.count
        // A regex larger than the whole budget is used once and not kept.
        guard cost <= budgetBytes else { return }
        state.withLock { s in
            if let slot = s.index[key] { s.remove(slot) }
            while s.bytes + cost > budgetBytes, s.oldest >= 0 { s.remove(s.oldest) }
            let entry = Entry(key: key, regex: regex, bytes: cost, newer: -1, older: -1)
            let slot: Int
            if let reused = s.free.popLast() {
                slot = reused
                s.slots[slot] = entry
            } else {
                slot = s.slots.count
                s.slots.append(entry)
            }
            s.index[key] = slot
            s.bytes += cost
            s.pushNewest(slot)
        }
    }
}

/// A string compared and hashed by its UTF-8 bytes, as Go compares strings. Swift's `String`
/// equality is canonical equivalence (`"é"` precomposed equals `"e\u{301}"`), which a regex and
/// Prometheus's label matching do not share.
struct UTF8Key: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: UTF8Key, b: UTF8Key) -> Bool { utf8Equal(a.string, b.string) }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// True when `a` and `b` have the same UTF-8 bytes.
func utf8Equal(_ a: String, _ b: String) -> Bool {
    let au = a.utf8, bu = b.utf8
    guard au.count == bu.count else { return false }
    if let r = au.withContiguousStorageIfAvailable({ x in bu.withContiguousStorageIfAvailable({ y in x.elementsEqual(y) }) }), let r {
        return r
    }
    return au.elementsEqual(bu)
}
