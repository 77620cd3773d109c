/// Merging of answers from several stores (head and blocks, ingesters and store-gateways) into
/// one answer as a single store would give it.
public enum SeriesMerge {
    /// Merges lists that are each sorted by labels into one list sorted by labels. A series present
    /// in several lists becomes one series whose chunks are ordered by `minTime`; where chunks
    /// overlap, `ChunkSeriesIterator` yields each timestamp once, so duplicate samples disappear.
    public static func merge(_ lists: [[QuerySeries]]) -> [QuerySeries] {
        let nonEmpty = lists.filter { !$0.isEmpty }
        if nonEmpty.count <= 1 { return nonEmpty.first ?? [] }
        if nonEmpty.count == 2 { return mergeTwo(nonEmpty[0], nonEmpty[1]) }
        return mergeMany(nonEmpty)
    }

    /// Merges many lists at once (a store-gateway answering from hundreds of blocks): each label
    /// set's chunks are gathered in list order and sorted once, instead of merging the lists two
    /// at a time, which copies the growing result once per list.
    static func mergeMany(_ lists: [[QuerySeries]]) -> [QuerySeries] {
        var position: [Labels: Int] = [:]
        var out: [QuerySeries] = []
        out.reserveCapacity(lists.map(\.count).max() ?? 0)
        var unsorted: [Bool] = []
        for list in lists {
            for series in list {
                if let i = position[series.labels] {
                    if let last = out[i].chunks.last, let first = series.chunks.first, first.minTime < last.minTime { unsorted[i] = true }
                    out[i].chunks.append(contentsOf: series.chunks)
                    out[i].resolution = Swift.max(out[i].resolution, series.resolution)
                } else {
                    position[series.labels] = out.count
                    out.append(series)
                    unsorted.append(false)
                }
            }
        }
        // Stable: for equal minTime the earlier list's chunk stays first and wins duplicates.
        for i in out.indices where unsorted[i] { out[i].chunks = stableSortedByMinTime(out[i].chunks) }
        out.sort { $0.labels < $1.labels }
        return out
    }

    /// Merges two lists sorted by labels.
    static func mergeTwo(_ a: [QuerySeries], _ b: [QuerySeries]) -> [QuerySeries] {
        var out: [QuerySeries] = []
        out.reserveCapacity(Swift.max(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i].labels < b[j].labels {
                out.append(a[i]); i += 1
            } else if b[j].labels < a[i].labels {
                out.append(b[j]); j += 1
            } else {
                var chunks = a[i].chunks + b[j].chunks
                // Stable: for equal minTime the first list's chunk stays first and wins duplicates.
                chunks = stableSortedByMinTime(chunks)
                out.append(QuerySeries(labels: a[i].labels, chunks: chunks, resolution: Swift.max(a[i].resolution, b[j].resolution)))
                i += 1; j += 1
            }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    static func stableSortedByMinTime(_ chunks: [EncodedChunk]) -> [EncodedChunk] {
        chunks.enumerated().sorted { x, y in
            x.element.minTime != y.element.minTime ? x.element.minTime < y.element.minTime : x.offset < y.offset
        }.map(\.element)
    }

    /// Merges lists of strings each sorted by UTF-8 bytes into one sorted list without duplicates.
    public static func mergeStrings(_ lists: [[String]]) -> [String] {
        var all = Set<String>()
        for list in lists { all.formUnion(list) }
        return all.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
