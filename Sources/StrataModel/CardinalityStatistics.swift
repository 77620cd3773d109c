/// The computations behind the cardinality API, over plain values: a list of series label sets
/// (a selector's matches) or per-name value counts (an inverted index). Shared by every
/// `CardinalitySource`, so all of them order, limit and count alike.
///
/// Each costs one pass over its input plus O(n log limit) for the top-N lists; passes over
/// series check the deadline every `checkInterval` series.
public enum CardinalityStatistics {
    /// Series between two deadline checks.
    public static let checkInterval = 4096

    /// The `limit` entries with the largest counts, largest first, ties by name (byte order).
    /// O(n log limit): a bounded heap, never a sort of the whole input.
    public static func top(_ items: some Sequence<NamedCount>, limit: Int) -> [NamedCount] {
        guard limit > 0 else { return [] }
        var heap = TopHeap(capacity: limit)
        for item in items { heap.offer(item) }
        return heap.sortedDescending()
    }

    /// Whether `a` ranks before `b`: larger count first, then smaller name.
    @inline(__always)
    public static func ranksBefore(_ a: NamedCount, _ b: NamedCount) -> Bool {
        if a.value != b.value { return a.value > b.value }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }

    /// `label_names` over selected series.
    public static func labelNames(series: some Collection<Labels>, limit: Int,
                                  deadline: ContinuousClock.Instant) throws(CardinalityError) -> LabelNamesCardinality {
        var values: [String: Set<String>] = [:]
        var n = 0
        for labels in series {
            n += 1
            if n % checkInterval == 0 { try CardinalityError.check(deadline) }
            for label in labels { values[label.name, default: []].insert(label.value) }
        }
        return labelNames(valueCounts: values.lazy.map { NamedCount(name: $0.key, value: $0.value.count) }, limit: limit)
    }

    /// `label_names` from the number of distinct values of each label name.
    public static func labelNames(valueCounts: some Sequence<NamedCount>, limit: Int) -> LabelNamesCardinality {
        var total = 0
        var names = 0
        var heap = TopHeap(capacity: limit)
        for entry in valueCounts {
            total += entry.value
            names += 1
            heap.offer(entry)
        }
        return LabelNamesCardinality(labelValuesCountTotal: total, labelNamesCount: names, cardinality: heap.sortedDescending())
    }

    /// `label_values` over selected series, for the label names asked for.
    public static func labelValues(series: some Collection<Labels>, names: [String], limit: Int,
                                   deadline: ContinuousClock.Instant) throws(CardinalityError) -> LabelValuesCardinality {
        let wanted = Set(names)
        var counts: [String: [String: Int]] = [:]
        var n = 0
        for labels in series {
            n += 1
            if n % checkInterval == 0 { try CardinalityError.check(deadline) }
            for label in labels where wanted.contains(label.name) {
                counts[label.name, default: [:]][label.value, default: 0] += 1
            }
        }
        return labelValues(seriesTotal: series.count, names: names, limit: limit) { name in
            (counts[name] ?? [:]).lazy.map { NamedCount(name: $0.key, value: $0.value) }
        }
    }

    /// `label_values` from per-value series counts of each asked name (`valueCounts(name)`: each
    /// value of the name with the series carrying it; values of one name never share a series).
    public static func labelValues<S: Sequence<NamedCount>>(seriesTotal: Int, names: [String], limit: Int,
                                                            valueCounts: (String) -> S) -> LabelValuesCardinality {
        var labels: [LabelCardinality] = []
        var seen = Set<String>()
        for name in names where seen.insert(name).inserted {
            var series = 0
            var distinct = 0
            var heap = TopHeap(capacity: limit)
            for entry in valueCounts(name) {
                series += entry.value
                distinct += 1
                heap.offer(entry)
            }
            labels.append(LabelCardinality(labelName: name, labelValuesCount: distinct, seriesCount: series,
                                           cardinality: heap.sortedDescending()))
        }
        labels.sort {
            if $0.seriesCount != $1.seriesCount { return $0.seriesCount > $1.seriesCount }
            return $0.labelName.utf8.lexicographicallyPrecedes($1.labelName.utf8)
        }
        return LabelValuesCardinality(seriesCountTotal: seriesTotal, labels: labels)
    }

    /// The `status/tsdb` lists from the inverted index: `index(body)` calls `body(name, value,
    /// series)` once per distinct pair.
    public static func tsdbLists(limit: Int, index: ((String, String, Int) -> Void) -> Void)
        -> (pairs: Int, byMetric: [NamedCount], valuesByName: [NamedCount], memoryByName: [NamedCount], byPair: [NamedCount]) {
        var byMetric = TopHeap(capacity: limit)
        var byPair = TopHeap(capacity: limit)
        var perName: [String: (values: Int, bytes: Int)] = [:]
        var pairs = 0
        index { name, value, series in
            pairs += 1
            if name == metricNameLabel { byMetric.offer(NamedCount(name: value, value: series)) }
            byPair.offerLazily(value: series) { NamedCount(name: name + "=" + value, value: series) }
            perName[name, default: (0, 0)].values += 1
            perName[name, default: (0, 0)].bytes += value.utf8.count * series
        }
        let valuesByName = top(perName.lazy.map { NamedCount(name: $0.key, value: $0.value.values) }, limit: limit)
        let memoryByName = top(perName.lazy.map { NamedCount(name: $0.key, value: $0.value.bytes) }, limit: limit)
        return (pairs, byMetric.sortedDescending(), valuesByName, memoryByName, byPair.sortedDescending())
    }
}

/// A min-heap of at most `capacity` entries keeping the best-ranked ones seen
/// (`CardinalityStatistics.ranksBefore`).
struct TopHeap {
    let capacity: Int
    /// Heap-ordered: the worst-ranked kept entry at the root.
    private(set) var items: [NamedCount] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        items.reserveCapacity(min(self.capacity, 1024))
    }

    /// Keeps `item` when it ranks among the best `capacity` seen so far.
    mutating func offer(_ item: NamedCount) {
        guard capacity > 0 else { return }
        if items.count < capacity {
            items.append(item)
            siftUp(items.count - 1)
        } else if CardinalityStatistics.ranksBefore(item, items[0]) {
            items[0] = item
            siftDown(0)
        }
    }

    /// `offer` for an entry whose name is costly to build: built only when its count could rank
    /// (a count below the kept minimum never does).
    mutating func offerLazily(value: Int, _ make: () -> NamedCount) {
        guard capacity > 0 else { return }
        if items.count == capacity, value < items[0].value { return }
        offer(make())
    }

    /// The kept entries, best first.
    func sortedDescending() -> [NamedCount] {
        items.sorted(by: CardinalityStatistics.ranksBefore)
    }

    /// `a` is worse-ranked than `b` (the heap's order: worst at the root).
    @inline(__always)
    private func worse(_ a: NamedCount, _ b: NamedCount) -> Bool {
        CardinalityStatistics.ranksBefore(b, a)
    }

    private mutating func siftUp(_ i0: Int) {
        var i = i0
        while i > 0 {
            let parent = (i - 1) / 2
            guard worse(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ i0: Int) {
        var i = i0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && worse(items[l], items[m]) { m = l }
            if r < items.count && worse(items[r], items[m]) { m = r }
            guard m != i else { return }
            items.swapAt(i, m)
            i = m
        }
    }
}
