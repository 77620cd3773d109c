import StrataBlocks
import StrataModel

/// Key of the index cache: a postings list (by its offset in the index) or a series entry (by
/// reference), of one block. Blocks are numbered by the store-gateway when first seen, so keys
/// are small and never collide between tenants.
enum IndexCacheKey: Hashable, Sendable {
    case postings(block: Int, offset: Int)
    case series(block: Int, ref: SeriesRef)
}

/// What the index cache holds: a postings list's raw bytes (fed back to the decoder, which
/// checks its CRC again) or a decoded series entry.
enum IndexCacheValue: Sendable {
    case postings([UInt8])
    case series(IndexSeries)
}

/// Key of the chunks cache: a chunk reference of one block.
struct ChunkCacheKey: Hashable, Sendable {
    var block: Int
    var ref: UInt64
}

/// The in-memory caches shared by every query of a store-gateway.
struct QueryCaches: Sendable {
    /// Cost kinds of the index cache.
    static let postingsKind = 0
    static let seriesKind = 1
    /// The chunks cache has one kind.
    static let chunkKind = 0
    /// Approximate bytes of bookkeeping per label and per chunk meta of a decoded series entry.
    static let labelOverhead = 32
    static let chunkMetaSize = 24
    /// Approximate bytes of an `EncodedChunk` besides its data.
    static let chunkOverhead = 48

    let index: LRUCache<IndexCacheKey, IndexCacheValue>
    let chunks: LRUCache<ChunkCacheKey, EncodedChunk>
    /// The shared caches behind these, when configured.
    let remote: RemoteCaches
    /// What the open blocks' series-hash caches may hold together.
    let seriesHashes: SeriesHashBudget

    init(indexBytes: Int, chunkBytes: Int, seriesHashBytes: Int = 0, remote: RemoteCaches = .none) {
        index = LRUCache(capacity: indexBytes, kinds: 2)
        chunks = LRUCache(capacity: chunkBytes, kinds: 1)
        seriesHashes = SeriesHashBudget(bytes: seriesHashBytes)
        self.remote = remote
    }

    /// What a decoded series entry costs in the cache.
    static func cost(of series: IndexSeries) -> Int {
        var bytes = series.chunks.count * chunkMetaSize
        for label in series.labels {
            bytes += label.name.utf8.count + label.value.utf8.count + labelOverhead
        }
        return bytes
    }
}
