import StrataBlocks
import StrataModel

/// One query's reads of one block: postings, series entries and chunks, each served from the
/// caches when possible, otherwise prefetched in batches of ranged GETs and decoded by the
/// block module's own decoders over per-query sparse sources.
///
/// The sources hold only what this query fetched and are dropped with it; what is worth keeping
/// goes to the caches.
struct BlockQuery: Sendable {
    let cacheID: Int
    let opened: OpenedBlock
    let fetcher: RangeFetcher
    let caches: QueryCaches
    let decoder: FetchingDecoder
    let indexSource: SparseByteSource
    let index: IndexReader
    let segmentSources: [SparseByteSource]
    let chunkReader: ChunkReader
    /// Every source by object key, for the decoder to route missing ranges.
    let sources: [String: SparseByteSource]

    init(cacheID: Int, opened: OpenedBlock, fetcher: RangeFetcher, caches: QueryCaches) throws(StoreGatewayError) {
        self.cacheID = cacheID
        self.opened = opened
        self.fetcher = fetcher
        self.caches = caches
        decoder = FetchingDecoder(fetcher: fetcher, tenant: opened.keys.tenant, block: opened.keys.id)
        indexSource = opened.indexSource()
        segmentSources = opened.segmentSources()
        do {
            index = try opened.index.replacingSource(indexSource)
            chunkReader = try ChunkReader(segments: segmentSources)
        } catch {
            throw .block(tenant: opened.keys.tenant, block: opened.keys.id, error)
        }
        var all: [String: SparseByteSource] = [indexSource.name: indexSource]
        for s in segmentSources { all[s.name] = s }
        sources = all
    }

    /// Series of the block matching `matchers` with chunks overlapping `[mint, maxt]`, in label
    /// order, with only those chunks (as `BlockReader.select`).
    ///
    /// With a `shard`, series outside it are dropped once their entries (labels) are read and
    /// before any chunk is planned, so a shard query fetches only its own chunks. `matchers`
    /// must not hold the `__query_shard__` matcher itself.
    func select(matchers: [LabelMatcher], minTime mint: Int64, maxTime maxt: Int64,
                shard: QueryShard? = nil) async throws(StoreGatewayError) -> [QuerySeries] {
        let refs = try await postings(matching: matchers)
        if refs.isEmpty { return [] }
        let entries = if let shard { try await series(refs, in: shard) } else { try await series(refs) }
        var wanted: [ChunkMeta] = []
        var spans: [Range<Int>] = []
        spans.reserveCapacity(entries.count)
        for entry in entries {
            let start = wanted.count
            for meta in entry.chunks where meta.maxTime >= mint && meta.minTime <= maxt { wanted.append(meta) }
            spans.append(start..<wanted.count)
        }
        let chunks = try await self.chunks(wanted)
        var out: [QuerySeries] = []
        for (entry, span) in zip(entries, spans) where !span.isEmpty {
            out.append(QuerySeries(labels: entry.labels, chunks: Array(chunks[span])))
        }
        return out
    }

    /// Label names of the series matching `matchers` and `shard`; every name of the block if
    /// there are neither.
    func labelNames(matchers: [LabelMatcher], shard: QueryShard? = nil) async throws(StoreGatewayError) -> [String] {
        if matchers.isEmpty, shard == nil { return index.labelNames }
        var names = Set<String>()
        for entry in try await entries(matching: matchers, shard: shard) {
            for label in entry.labels { names.insert(label.name) }
        }
        return Array(names)
    }

    /// Values of `name` among the series matching `matchers` and `shard`; all of them if there
    /// are neither.
    func labelValues(name: String, matchers: [LabelMatcher], shard: QueryShard? = nil) async throws(StoreGatewayError) -> [String] {
        if matchers.isEmpty, shard == nil { return index.labelValues(name) }
        var values = Set<String>()
        for entry in try await entries(matching: matchers, shard: shard) {
            if let v = entry.labels[name] { values.insert(v) }
        }
        return Array(values)
    }

    /// The entries of the series matching `matchers` (every series if there are none) and `shard`.
    private func entries(matching matchers: [LabelMatcher], shard: QueryShard?) async throws(StoreGatewayError) -> [IndexSeries] {
        let refs = try await postings(matching: Self.orEverySeries(matchers))
        return if let shard { try await series(refs, in: shard) } else { try await series(refs) }
    }

    /// `matchers`, or when there are none a matcher every series passes (`""=""`: no label has
    /// the empty name), so that a label query carrying only a shard matcher reads the block's
    /// all-postings list, where `postings(matching: [])` would select nothing.
    static func orEverySeries(_ matchers: [LabelMatcher]) -> [LabelMatcher] {
        matchers.isEmpty ? [LabelMatcher(literal: "", "")] : matchers
    }

    /// Series references matching `matchers`: the postings lists they need come from the cache
    /// or one batch of ranged GETs, then `IndexReader.postings(matching:)` combines them.
    func postings(matching matchers: [LabelMatcher]) async throws(StoreGatewayError) -> [SeriesRef] {
        let planned = index.postingsRanges(matching: matchers)
        var missing: [Range<Int>] = []
        for range in planned {
            if case .postings(let bytes)? = caches.index.get(.postings(block: cacheID, offset: range.lowerBound), kind: QueryCaches.postingsKind),
               bytes.count == range.count {
                indexSource.add(bytes, at: range.lowerBound)
            } else {
                missing.append(range)
            }
        }
        if let remote = caches.remote.index, !missing.isEmpty {
            let keys = missing.map { RemoteCaches.postingsKey(opened.keys, $0) }
            let found = await remote.fetch(keys)
            var still: [Range<Int>] = []
            for (range, key) in zip(missing, keys) {
                if let bytes = found[key], bytes.count == range.count {
                    indexSource.add(bytes, at: range.lowerBound)
                    caches.index.put(.postings(block: cacheID, offset: range.lowerBound), .postings(bytes), cost: bytes.count,
                                     kind: QueryCaches.postingsKind)
                } else {
                    still.append(range)
                }
            }
            missing = still
        }
        try await fetcher.fill(indexSource, key: indexSource.name, ranges: missing)
        var toRemote: [(key: String, value: [UInt8])] = []
        for range in missing {
            guard let bytes = try? indexSource.read(range) else { continue }
            caches.index.put(.postings(block: cacheID, offset: range.lowerBound), .postings(bytes), cost: bytes.count, kind: QueryCaches.postingsKind)
            if caches.remote.index != nil { toRemote.append((RemoteCaches.postingsKey(opened.keys, range), bytes)) }
        }
        if let remote = caches.remote.index { RemoteCaches.storeInBackground(remote, toRemote, ttl: caches.remote.ttl) }
        let index = self.index
        return try await decoder.decode(sources) { () throws(BlockError) in try index.postings(matching: matchers) }
    }

    /// The series entries of `refs` that belong to `shard`, in `refs`' order. Series whose hash
    /// the block's `SeriesHashCache` knows are kept or dropped before their entries are read;
    /// the others are read, hashed, and their hashes kept for the next shard query.
    func series(_ refs: [SeriesRef], in shard: QueryShard) async throws(StoreGatewayError) -> [IndexSeries] {
        let plan = opened.seriesHashes.plan(refs, shard: shard)
        let read = try await series(plan.read)
        guard read.count == plan.read.count else {
            // Not expected (`series` answers every reference or throws); filter by labels.
            return read.filter { shard.contains($0.labels) }
        }
        var kept: [IndexSeries] = []
        kept.reserveCapacity(read.count)
        var learnt: [(ref: SeriesRef, hash: UInt64)] = []
        for (i, entry) in read.enumerated() {
            if plan.known[i] {
                kept.append(entry)
                continue
            }
            let hash = entry.labels.stableHash
            learnt.append((plan.read[i], hash))
            if shard.contains(hash: hash) { kept.append(entry) }
        }
        opened.seriesHashes.store(learnt)
        return kept
    }

    /// The series entries of `refs`, in the same order.
    func series(_ refs: [SeriesRef]) async throws(StoreGatewayError) -> [IndexSeries] {
        var result = [IndexSeries?](repeating: nil, count: refs.count)
        var missing: [Int] = []
        for (i, ref) in refs.enumerated() {
            if case .series(let entry)? = caches.index.get(.series(block: cacheID, ref: ref), kind: QueryCaches.seriesKind) {
                result[i] = entry
            } else {
                missing.append(i)
            }
        }
        if !missing.isEmpty {
            // An entry is read from its start with the decoder's read-ahead; entries are in
            // reference order, so neighbours merge into few GETs.
            let size = indexSource.size
            let ranges = missing.compactMap { i -> Range<Int>? in
                let offset = Int(refs[i]) * BlockFormat.seriesAlignment
                return offset < size ? offset..<min(size, offset + IndexReader.seriesReadAhead) : nil
            }
            try await fetcher.fill(indexSource, key: indexSource.name, ranges: ranges)
            let index = self.index
            let decoded = try await decoder.decodeEach(missing.map { refs[$0] }, sources) { (ref: SeriesRef) throws(BlockError) in
                try index.series(ref)
            }
            for (i, entry) in zip(missing, decoded) {
                result[i] = entry
                caches.index.put(.series(block: cacheID, ref: refs[i]), .series(entry), cost: QueryCaches.cost(of: entry), kind: QueryCaches.seriesKind)
            }
        }
        return result.compactMap { $0 }
    }

    /// The chunks of `metas`, in the same order.
    func chunks(_ metas: [ChunkMeta]) async throws(StoreGatewayError) -> [EncodedChunk] {
        var result = [EncodedChunk?](repeating: nil, count: metas.count)
        var missing: [Int] = []
        for (i, meta) in metas.enumerated() {
            if let chunk = caches.chunks.get(ChunkCacheKey(block: cacheID, ref: meta.ref.rawValue), kind: QueryCaches.chunkKind) {
                result[i] = chunk
            } else {
                missing.append(i)
            }
        }
        if let remote = caches.remote.chunks, !missing.isEmpty {
            let keys = missing.map { RemoteCaches.chunkKey(opened.keys, metas[$0].ref.rawValue) }
            let found = await remote.fetch(keys)
            var still: [Int] = []
            for (i, key) in zip(missing, keys) {
                if let bytes = found[key], let chunk = RemoteCaches.decodeChunk(bytes) {
                    result[i] = chunk
                    caches.chunks.put(ChunkCacheKey(block: cacheID, ref: metas[i].ref.rawValue), chunk,
                                      cost: chunk.data.count + QueryCaches.chunkOverhead, kind: QueryCaches.chunkKind)
                } else {
                    still.append(i)
                }
            }
            missing = still
        }
        if !missing.isEmpty {
            var perSegment: [Int: [Range<Int>]] = [:]
            for i in missing {
                let ref = metas[i].ref
                guard ref.segment < segmentSources.count else { continue }
                let size = segmentSources[ref.segment].size
                guard ref.offset < size else { continue }
                perSegment[ref.segment, default: []].append(ref.offset..<min(size, ref.offset + ChunkReader.readAhead))
            }
            for (segment, ranges) in perSegment.sorted(by: { $0.key < $1.key }) {
                let source = segmentSources[segment]
                try await fetcher.fill(source, key: source.name, ranges: ranges)
            }
            let reader = chunkReader
            let decoded = try await decoder.decodeEach(missing.map { metas[$0] }, sources) { (meta: ChunkMeta) throws(BlockError) in
                try reader.chunk(meta)
            }
            var toRemote: [(key: String, value: [UInt8])] = []
            for (i, chunk) in zip(missing, decoded) {
                result[i] = chunk
                caches.chunks.put(ChunkCacheKey(block: cacheID, ref: metas[i].ref.rawValue), chunk,
                                  cost: chunk.data.count + QueryCaches.chunkOverhead, kind: QueryCaches.chunkKind)
                if caches.remote.chunks != nil { toRemote.append((RemoteCaches.chunkKey(opened.keys, metas[i].ref.rawValue), RemoteCaches.encode(chunk))) }
            }
            if let remote = caches.remote.chunks { RemoteCaches.storeInBackground(remote, toRemote, ttl: caches.remote.ttl) }
        }
        return result.compactMap { $0 }
    }
}
