import StrataModel

/// Reads one block through byte sources: the parsed `meta.json`, the index and the chunk
/// segments. Independent of where the bytes live, so a bucket-backed store-gateway opens the
/// same reader over ranged object reads that `Block` opens over local files.
public struct BlockReader: Sendable {
    /// The parsed `meta.json`.
    public let meta: BlockMeta
    /// The index.
    public let index: IndexReader
    /// The chunk segments.
    public let chunks: ChunkReader

    /// Opens a block from its parts. `tombstones`, when given, must be an empty tombstones file:
    /// deletions are not applied, so a block with deletions is refused rather than read wrongly.
    public init(meta: BlockMeta, index: any BlockByteSource, segments: [any BlockByteSource],
                tombstones: (any BlockByteSource)?) throws(BlockError) {
        self.meta = meta
        self.index = try IndexReader(source: index)
        chunks = try ChunkReader(segments: segments)
        if let tombstones {
            let intervals = try Tombstones.validate(try tombstones.checkedRead(0..<tombstones.size), path: tombstones.name)
            guard intervals == 0 else {
                throw .unsupported(file: tombstones.name, reason: "\(intervals) deletion intervals; Strata does not apply deletions, compact the block with Prometheus first")
            }
        }
    }

    /// Whether the block's `[minTime, maxTime)` overlaps the closed range `[mint, maxt]`.
    public func overlaps(minTime mint: Int64, maxTime maxt: Int64) -> Bool {
        mint <= maxt && meta.minTime <= maxt && meta.maxTime > mint
    }

    /// Series matching `matchers` with chunks overlapping `[mint, maxt]`, in label order
    /// (series references follow label order in a block). Only overlapping chunks are read.
    ///
    /// With a `shard`, only the series whose label hash falls in it: tested on the series entry,
    /// before any chunk is read. `matchers` must not hold the `__query_shard__` matcher itself
    /// (the caller takes it out with `QueryShard.extract`).
    public func select(matchers: [LabelMatcher], minTime mint: Int64, maxTime maxt: Int64,
                       shard: QueryShard? = nil) throws(BlockError) -> [QuerySeries] {
        guard !matchers.isEmpty, overlaps(minTime: mint, maxTime: maxt) else { return [] }
        var out: [QuerySeries] = []
        for ref in try index.postings(matching: matchers) {
            let entry = try index.series(ref)
            if let shard, !shard.contains(entry.labels) { continue }
            var data: [EncodedChunk] = []
            for meta in entry.chunks where meta.maxTime >= mint && meta.minTime <= maxt {
                data.append(try chunks.chunk(meta))
            }
            if !data.isEmpty { out.append(QuerySeries(labels: entry.labels, chunks: data)) }
        }
        return out
    }

    /// Sorted label names of the series matching `matchers` (all series if empty) and `shard`
    /// (see `select`), or none if the block does not overlap the range. Block granularity, as
    /// Prometheus.
    public func labelNames(minTime: Int64, maxTime: Int64, matchers: [LabelMatcher],
                           shard: QueryShard? = nil) throws(BlockError) -> [String] {
        guard overlaps(minTime: minTime, maxTime: maxTime) else { return [] }
        if matchers.isEmpty, shard == nil { return index.labelNames }
        var names = Set<String>()
        for ref in try refs(matching: matchers) {
            let labels = try index.series(ref).labels
            if let shard, !shard.contains(labels) { continue }
            for label in labels { names.insert(label.name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Sorted values of `name` among the series matching `matchers` (all series if empty) and
    /// `shard` (see `select`).
    public func labelValues(name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher],
                            shard: QueryShard? = nil) throws(BlockError) -> [String] {
        guard overlaps(minTime: minTime, maxTime: maxTime) else { return [] }
        if matchers.isEmpty, shard == nil { return index.labelValues(name) }
        var values = Set<String>()
        for ref in try refs(matching: matchers) {
            let labels = try index.series(ref).labels
            if let shard, !shard.contains(labels) { continue }
            if let v = labels[name] { values.insert(v) }
        }
        return values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Series matching `matchers`, every series when there are none (label queries read "all
    /// series" where `select` reads nothing).
    private func refs(matching matchers: [LabelMatcher]) throws(BlockError) -> [SeriesRef] {
        matchers.isEmpty ? try index.allPostings() : try index.postings(matching: matchers)
    }
}
