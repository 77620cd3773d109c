import StrataModel

/// A sorted list of series refs.
typealias PostingsList = ContiguousArray<UInt64>

/// The inverted index of the head: label name → label value → sorted series refs, plus the list
/// of every series.
///
/// Refs are handed out in increasing order and a series is indexed when it is created, so adding a
/// series appends to the end of each list; only replay of an unusual WAL takes the insertion path.
struct Postings {
    /// name → value → refs of the series carrying that label.
    private(set) var index: [String: [String: PostingsList]] = [:]
    /// Every series ref, sorted.
    private(set) var all: PostingsList = []

    /// Indexes series `ref` under each of its labels.
    mutating func add(ref: UInt64, labels: Labels) {
        Self.insertSorted(ref, into: &all)
        for label in labels {
            Self.insertSorted(ref, into: &index[label.name, default: [:]][label.value, default: []])
        }
    }

    /// Removes series from every list they are in; lists and names left empty go, so label
    /// names and values of removed series are no longer reported.
    ///
    /// One pass per affected list (a sorted subtraction), not one `remove(at:)` per ref, so
    /// removing most of a large list costs its length once.
    mutating func remove(_ series: [(ref: UInt64, labels: Labels)]) {
        guard !series.isEmpty else { return }
        var refs = PostingsList(series.map(\.ref))
        refs.sort()
        var affected: [String: Set<String>] = [:]
        for s in series {
            for label in s.labels { affected[label.name, default: []].insert(label.value) }
        }
        all = Self.subtract(all, refs)
        for (name, values) in affected {
            for value in values {
                // Mutated in place through the subscripts: no copy of the name's value map.
                guard let list = index[name]?[value] else { continue }
                let kept = Self.subtractSparse(list, refs)
                index[name]?[value] = kept.isEmpty ? nil : kept
            }
            if index[name]?.isEmpty == true { index[name] = nil }
        }
    }

    /// Refs of sorted `a` absent from sorted `b`, binary-searching `b`: for a short list of one
    /// label value against the many refs one truncation removes.
    static func subtractSparse(_ a: PostingsList, _ b: PostingsList) -> PostingsList {
        var out = PostingsList()
        out.reserveCapacity(a.count)
        var lo = 0
        for x in a {
            var hi = b.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if b[mid] < x { lo = mid + 1 } else { hi = mid }
            }
            if lo < b.count && b[lo] == x { continue }
            out.append(x)
        }
        return out
    }

    /// Every label name and value of the indexed series, each once.
    var symbols: [String] {
        var out: [String] = []
        out.reserveCapacity(index.count + index.values.reduce(0) { $0 + $1.count })
        for (name, values) in index {
            out.append(name)
            out.append(contentsOf: values.keys)
        }
        return out
    }

    @inline(__always)
    private static func insertSorted(_ ref: UInt64, into list: inout PostingsList) {
        if let last = list.last, last >= ref {
            let i = lowerBound(ref, in: list)
            if i < list.count && list[i] == ref { return }
            list.insert(ref, at: i)
        } else {
            list.append(ref)
        }
    }

    private static func lowerBound(_ ref: UInt64, in list: PostingsList) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < ref { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: - Matchers

    /// Refs of the series matching every matcher, sorted, following Prometheus's
    /// `PostingsForMatchers`: a matcher that does not match the empty string selects the series
    /// whose value it matches (intersected); a matcher that matches the empty string also selects
    /// series lacking the label, so it is applied by subtracting the series whose value it rejects.
    /// With no selecting matcher, the start set is every series. An empty matcher list selects
    /// every series (callers that must select nothing check for it first).
    func refs(matching matchers: [LabelMatcher]) -> PostingsList {
        var selected: PostingsList?
        var subtract: [PostingsList] = []
        // Selecting matchers first: their intersection is usually far smaller than `all`.
        for m in matchers where !m.matchesEmpty {
            let hits = union(of: m, selectingMatches: true)
            if hits.isEmpty { return [] }
            if let current = selected {
                selected = Self.intersect(current, hits)
                if selected?.isEmpty ?? true { return [] }
            } else {
                selected = hits
            }
        }
        for m in matchers where m.matchesEmpty {
            // `foo=~".*"` and friends reject no value: nothing to subtract.
            let rejected = union(of: m, selectingMatches: false)
            if !rejected.isEmpty { subtract.append(rejected) }
        }
        var result = selected ?? all
        for list in subtract {
            result = Self.subtract(result, list)
            if result.isEmpty { break }
        }
        return result
    }

    /// The union of the postings of the values of `m.name` that `m` matches
    /// (`selectingMatches`), or that it does not match.
    private func union(of m: LabelMatcher, selectingMatches: Bool) -> PostingsList {
        guard let values = index[m.name] else { return [] }
        var lists: [PostingsList] = []
        if selectingMatches, let set = m.setMatches {
            for v in set { if let l = values[v] { lists.append(l) } }
        } else {
            for (v, l) in values where m.matches(v) == selectingMatches { lists.append(l) }
        }
        return Self.unionDisjoint(lists)
    }

    /// Union of lists that never share a ref (the postings of different values of one name).
    static func unionDisjoint(_ lists: [PostingsList]) -> PostingsList {
        switch lists.count {
        case 0: return []
        case 1: return lists[0]
        default:
            var out = PostingsList()
            out.reserveCapacity(lists.reduce(0) { $0 + $1.count })
            for l in lists { out.append(contentsOf: l) }
            out.sort()
            return out
        }
    }

    /// Refs present in both sorted lists.
    static func intersect(_ a: PostingsList, _ b: PostingsList) -> PostingsList {
        var out = PostingsList()
        out.reserveCapacity(Swift.min(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y {
                out.append(x); i += 1; j += 1
            } else if x < y {
                i += 1
            } else {
                j += 1
            }
        }
        return out
    }

    /// Refs of sorted `a` absent from sorted `b`.
    static func subtract(_ a: PostingsList, _ b: PostingsList) -> PostingsList {
        var out = PostingsList()
        out.reserveCapacity(a.count)
        var j = 0
        for x in a {
            while j < b.count && b[j] < x { j += 1 }
            if j < b.count && b[j] == x { continue }
            out.append(x)
        }
        return out
    }
}

/// Byte-wise string order, which is Prometheus's order for label names and values.
@inline(__always)
func utf8Less(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
