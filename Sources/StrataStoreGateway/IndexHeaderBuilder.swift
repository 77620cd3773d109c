import StrataBlocks
import StrataBucketIndex
import StrataModel

/// Builds a block's index-header from ranged reads of its objects, never downloading the index:
/// the 5-byte header and the TOC first, then the symbol table and postings offset table where
/// the TOC puts them, then whatever else `IndexReader` asks for while opening.
enum IndexHeaderBuilder {
    /// Segment metadata reads in flight for one block.
    static let segmentConcurrency = 8
    /// Most tombstones bytes read: an empty file is 9 bytes, anything large holds deletions.
    static let maxTombstonesRead = 64 * 1024

    static func build(fetcher: RangeFetcher, keys: BlockKeys) async throws(StoreGatewayError) -> IndexHeader {
        guard let block = ULID(keys.id) else {
            throw .block(tenant: keys.tenant, block: keys.id, .invalidMeta(path: keys.prefix, reason: "\"\(keys.id)\" is not a ULID"))
        }
        let decoder = FetchingDecoder(fetcher: fetcher, tenant: keys.tenant, block: keys.id)
        let size = try await fetcher.size(keys.index)
        let tocStart = size - BlockFormat.tocSize
        guard tocStart >= BlockFormat.indexHeaderSize else {
            throw .block(tenant: keys.tenant, block: keys.id, .corrupt(file: keys.index, offset: 0, reason: "object of \(size) bytes is too small for an index"))
        }
        let source = SparseByteSource(name: keys.index, size: size)
        // No gap merging while building: on a small index it would fetch everything between the
        // symbols and the postings offset table, which is most of the file.
        try await fetcher.fill(source, key: keys.index, ranges: [0..<BlockFormat.indexHeaderSize, tocStart..<size], maxGap: 0)
        let toc = try await decoder.decode([keys.index: source]) { () throws(BlockError) in try IndexReader.readTOC(source) }
        var hints: [Range<Int>] = []
        // Prometheus's layout: the symbol table runs to the series, the postings offset table
        // to the TOC. Anything else is found by the decode rounds below.
        if toc.series > toc.symbols, toc.series <= UInt64(tocStart) {
            hints.append(Int(toc.symbols)..<Int(toc.series))
        }
        if toc.postingsTable < UInt64(tocStart) {
            hints.append(Int(toc.postingsTable)..<tocStart)
        }
        hints = hints.filter { $0.count <= IndexHeader.maxRangeSize }
        try await fetcher.fill(source, key: keys.index, ranges: hints, maxGap: 0)
        _ = try await decoder.decode([keys.index: source]) { () throws(BlockError) in try IndexReader(source: source) }

        let segments = try await readSegments(fetcher: fetcher, keys: keys)
        try await checkTombstones(fetcher: fetcher, keys: keys)
        let ranges = source.loadedPieces.map { IndexHeader.IndexRange(offset: $0.offset, bytes: $0.bytes) }
        for r in ranges where r.bytes.count > IndexHeader.maxRangeSize {
            throw .block(tenant: keys.tenant, block: keys.id, .corrupt(file: keys.index, offset: r.offset, reason: "index section of \(r.bytes.count) bytes exceeds the format's 4 GiB limit"))
        }
        let header = IndexHeader(block: block, indexSize: size, ranges: ranges, segments: segments)
        do {
            _ = try OpenedBlock(header: header, keys: keys)
        } catch {
            throw .block(tenant: keys.tenant, block: keys.id, error)
        }
        return header
    }

    /// Sizes and headers of `chunks/000001…`, which must be numbered without gaps.
    private static func readSegments(fetcher: RangeFetcher, keys: BlockKeys) async throws(StoreGatewayError) -> [IndexHeader.Segment] {
        let names = try await fetcher.listKeys(prefix: keys.chunksPrefix)
            .map { String($0.dropFirst(keys.chunksPrefix.count)) }
            .sorted()
        for (i, name) in names.enumerated() where name != BlockFormat.segmentFileName(i) {
            throw .block(tenant: keys.tenant, block: keys.id, .corrupt(file: keys.chunksPrefix, offset: 0, reason: "unexpected segment file \(name), want \(BlockFormat.segmentFileName(i))"))
        }
        let results = await BoundedConcurrency.map(Array(names.indices), limit: segmentConcurrency) { i -> Result<IndexHeader.Segment, StoreGatewayError> in
            do throws(StoreGatewayError) {
                let key = keys.segment(i)
                let size = try await fetcher.size(key)
                guard size >= IndexHeader.segmentHeaderSize else {
                    return .failure(.block(tenant: keys.tenant, block: keys.id, .corrupt(file: key, offset: 0, reason: "segment of \(size) bytes has no header")))
                }
                let header = try await fetcher.getRange(key, 0..<IndexHeader.segmentHeaderSize)
                guard header.count == IndexHeader.segmentHeaderSize else {
                    return .failure(.block(tenant: keys.tenant, block: keys.id, .corrupt(file: key, offset: 0, reason: "short read of the segment header")))
                }
                return .success(IndexHeader.Segment(size: size, header: header))
            } catch {
                return .failure(error)
            }
        }
        var segments: [IndexHeader.Segment] = []
        for r in results {
            switch r {
            case .success(let s): segments.append(s)
            case .failure(let e): throw e
            }
        }
        return segments
    }

    /// Refuses blocks with deletions recorded in `tombstones`, as the local reader does: they
    /// are not applied, so serving the block would return deleted samples.
    private static func checkTombstones(fetcher: RangeFetcher, keys: BlockKeys) async throws(StoreGatewayError) {
        let bytes: [UInt8]
        do {
            bytes = try await fetcher.getRange(keys.tombstones, 0..<maxTombstonesRead)
        } catch {
            if case .bucket(.notFound) = error { return }
            throw error
        }
        do throws(BlockError) {
            guard bytes.count < maxTombstonesRead else {
                throw BlockError.unsupported(file: keys.tombstones, reason: "tombstones of \(maxTombstonesRead) bytes or more hold deletions; Strata does not apply deletions, compact the block with Prometheus first")
            }
            let intervals = try Tombstones.validate(bytes, path: keys.tombstones)
            guard intervals == 0 else {
                throw BlockError.unsupported(file: keys.tombstones, reason: "\(intervals) deletion intervals; Strata does not apply deletions, compact the block with Prometheus first")
            }
        } catch {
            throw .block(tenant: keys.tenant, block: keys.id, error)
        }
    }
}
