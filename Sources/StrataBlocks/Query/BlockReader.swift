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
    public func select(matchers: [LabelMatcher], minTime mint: Int64, maxTime maxt: Int64) throws(BlockError) -> [QuerySeries] {
        guard !matchers.isEmpty, overlaps(minTime: mint, maxTime: maxt) else { return [] }
        var out: [QuerySeries] = []
        for ref in try index.postings(matching: matchers) {
            let entry = try index.series(ref)
            var data: [EncodedChunk] = []
            for meta in entry.chunks where meta.maxTime >= mint && meta.minTime <= maxt {
                data.append(try chunks.chunk(meta))
            }
            if !data.isEmpty { out.append(QuerySeries(labels: entry.labels, chunks: data)) }
        }
        return out
    }

    /// Sorted label names of the series matching `matchers` (all series if empty), or none if
    /// the block does not overlap the range. Block granularity, as Prometheus.
    public func labelNames(minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) throws(BlockError) -> [String] {
        guard overlaps(minTime: minTime, maxTime: maxTime) else { return [] }
        if matchers.isEmpty { return index.labelNames }
        var names = Set<String>()
        for ref in try index.postings(matching: matchers) {
            for label in try index.series(ref).labels { names.insert(label.name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Sorted values of `name` among the series matching `matchers` (all series if empty).
    public func labelValues(name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) throws(BlockError) -> [String] {
        guard overlaps(minTime: minTime, maxTime: maxTime) else { return [] }
        if matchers.isEmpty { return index.labelValues(name) }
        var values = Set<String>()
        for ref in try index.postings(matching: matchers) {
            if let v = try index.series(ref).labels[name] { values.insert(v) }
        }
        return values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
