import StrataModel

/// A block directory on local disk, opened for reading (`pread` through `FileByteSource`).
///
/// Conforms to `Queryable` over the block's own data. The tenant of a request is not checked:
/// which blocks belong to which tenant is decided by the layer that finds blocks (the bucket
/// layout and `meta.thanos.labels`).
public struct Block: Queryable {
    /// The block directory.
    public let directory: String
    /// The reader over the directory's files.
    public let reader: BlockReader

    /// The parsed `meta.json`.
    public var meta: BlockMeta { reader.meta }
    /// The index.
    public var index: IndexReader { reader.index }
    /// The chunk segments.
    public var chunks: ChunkReader { reader.chunks }

    /// Opens `directory`: parses `meta.json`, the index (TOC, symbols, postings table), the chunk
    /// segment headers (`chunks/000001`… must be contiguous) and the tombstones.
    public init(directory: String) throws(BlockError) {
        self.directory = directory
        let metaPath = directory + "/" + BlockFormat.metaFileName
        let metaSource = try FileByteSource(path: metaPath)
        let meta = try BlockMeta.decode(try metaSource.checkedRead(0..<metaSource.size), path: metaPath)
        let chunksDir = directory + "/" + BlockFormat.chunksDirectoryName
        let names = BlockFileIO.exists(chunksDir) ? try BlockFileIO.list(chunksDir) : []
        var segments: [any BlockByteSource] = []
        for (i, name) in names.enumerated() {
            guard name == BlockFormat.segmentFileName(i) else {
                throw .corrupt(file: chunksDir, offset: 0, reason: "unexpected segment file \(name), want \(BlockFormat.segmentFileName(i))")
            }
            segments.append(try FileByteSource(path: chunksDir + "/" + name))
        }
        let tombstonesPath = directory + "/" + BlockFormat.tombstonesFileName
        reader = try BlockReader(
            meta: meta,
            index: try FileByteSource(path: directory + "/" + BlockFormat.indexFileName),
            segments: segments,
            tombstones: BlockFileIO.exists(tombstonesPath) ? try FileByteSource(path: tombstonesPath) : nil)
    }

    /// See `BlockReader.select(matchers:minTime:maxTime:shard:)`.
    public func select(matchers: [LabelMatcher], minTime: Int64, maxTime: Int64,
                       shard: QueryShard? = nil) throws(BlockError) -> [QuerySeries] {
        try reader.select(matchers: matchers, minTime: minTime, maxTime: maxTime, shard: shard)
    }

    /// `Queryable.select`: the block's series matching the request (tenant not checked here). A
    /// `__query_shard__` matcher keeps one shard's series; a malformed one throws `QueryShardError`.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let (shard, matchers) = try QueryShard.extract(from: request.matchers)
        return try reader.select(matchers: matchers, minTime: request.minTime, maxTime: request.maxTime, shard: shard)
    }

    /// `Queryable.labelNames` over this block (of one shard's series with a `__query_shard__` matcher).
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        return try reader.labelNames(minTime: minTime, maxTime: maxTime, matchers: matchers, shard: shard)
    }

    /// `Queryable.labelValues` over this block (of one shard's series with a `__query_shard__` matcher).
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (shard, matchers) = try QueryShard.extract(from: matchers)
        return try reader.labelValues(name: name, minTime: minTime, maxTime: maxTime, matchers: matchers, shard: shard)
    }
}
