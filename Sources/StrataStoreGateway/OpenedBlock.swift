import StrataBlocks
import StrataModel

/// Object keys of one block in the bucket (`<tenant>/<ULID>/…`, Mimir's layout).
struct BlockKeys: Sendable, Equatable {
    let tenant: TenantID
    let id: String

    var prefix: String { "\(tenant.rawValue)/\(id)/" }
    var index: String { prefix + BlockFormat.indexFileName }
    var tombstones: String { prefix + BlockFormat.tombstonesFileName }
    var chunksPrefix: String { prefix + BlockFormat.chunksDirectoryName + "/" }
    func segment(_ seq: Int) -> String { chunksPrefix + BlockFormat.segmentFileName(seq) }
}

/// A block opened from its index-header: the parsed symbols and postings offset table in
/// memory, everything else read by range from the bucket per query.
struct OpenedBlock: Sendable {
    let keys: BlockKeys
    /// The index over an empty source; queries swap in their own (`IndexReader.replacingSource`).
    let index: IndexReader
    let indexSize: Int
    let segments: [IndexHeader.Segment]
    /// The series hashes shard queries learnt, kept while the block stays open.
    let seriesHashes: SeriesHashCache

    /// Opens `header`: runs `IndexReader`'s own parsing and checks (CRCs, ordering) over the
    /// stored ranges, and checks each segment header. A header missing a range the reader needs
    /// fails with `.rangeNotLoaded`, which callers treat as a damaged file. The block's series
    /// hashes count against `hashBudget` (none are kept without one).
    init(header: IndexHeader, keys: BlockKeys, hashBudget: SeriesHashBudget = SeriesHashBudget(bytes: 0)) throws(BlockError) {
        self.keys = keys
        seriesHashes = SeriesHashCache(budget: hashBudget)
        indexSize = header.indexSize
        segments = header.segments
        let source = SparseByteSource(name: keys.index, size: header.indexSize)
        for r in header.ranges { source.add(r.bytes, at: r.offset) }
        let parsed = try IndexReader(source: source)
        // Keep the parsed tables, not the raw section bytes they came from.
        index = try parsed.replacingSource(SparseByteSource(name: keys.index, size: header.indexSize))
        _ = try ChunkReader(segments: segmentSources())
    }

    /// Fresh per-query sources for the chunk segments, each holding its 8-byte header so
    /// `ChunkReader` can check it without a request.
    func segmentSources() -> [SparseByteSource] {
        segments.enumerated().map { i, s in
            let source = SparseByteSource(name: keys.segment(i), size: s.size)
            source.add(s.header, at: 0)
            return source
        }
    }

    /// A fresh per-query source for the index.
    func indexSource() -> SparseByteSource {
        SparseByteSource(name: keys.index, size: indexSize)
    }
}
