import Foundation
import Logging
import StrataBlocks
import StrataModel
import StrataObjstore

extension BucketIndex {
    /// Object reads in flight while an update fetches new `meta.json` files and marks.
    static let updateConcurrency = 16

    /// Rebuilds `tenant`'s index from the bucket.
    ///
    /// One recursive listing of `<tenant>/` finds the blocks, their chunk files and the deletion
    /// marks (`<tenant>/markers/<ULID>-deletion-mark.json`, Mimir's location, and
    /// `<tenant>/<ULID>/deletion-mark.json`, Thanos's). Entries of `old` are reused for blocks it
    /// already lists (block files are immutable); only new blocks' `meta.json` and new marks are
    /// read. A block without `meta.json` is a partial upload and is not listed; a block whose
    /// `meta.json` is corrupt is skipped with a warning, like Mimir. `uploaded_at` is the
    /// `meta.json` object's modification time. `now` (Unix seconds) becomes `updatedAt`. The
    /// per-day series history of `old` is kept, and each new block's `strata` statistics are
    /// folded into it (`SeriesHistory.fold`).
    public static func update(bucket: any Bucket, tenant: TenantID, old: BucketIndex?, now: Int64,
                              logger: Logger = Logger(label: "strata.bucket-index")) async throws(BucketIndexError) -> BucketIndex {
        let scan = try await BucketScan.scan(bucket: bucket, tenant: tenant)
        var known: [String: Block] = [:]
        for b in old?.blocks ?? [] { known[b.id] = b }
        var history = old?.seriesHistory ?? SeriesHistory()
        var knownMarks: [String: DeletionMark] = [:]
        for m in old?.blockDeletionMarks ?? [] { knownMarks[m.id] = m }

        var blocks: [Block] = []
        var newIDs: [(id: String, segments: Int?)] = []
        for (id, files) in scan.blocks where files.hasMeta {
            if let entry = known[id] {
                blocks.append(entry)
            } else {
                newIDs.append((id, BucketScan.segmentCount(files.segments)))
            }
        }
        let fetched = await BoundedConcurrency.map(newIDs, limit: updateConcurrency) { item in
            await readBlock(bucket: bucket, tenant: tenant, id: item.id, segments: item.segments)
        }
        for result in fetched {
            switch result {
            case .success(.some(let fetched)):
                blocks.append(fetched.block)
                history.fold(fetched.meta)
            case .success(.none): continue
            case .failure(let error):
                if case .corrupt = error {
                    logger.warning("skipping block with a corrupt meta.json", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
                    continue
                }
                throw error
            }
        }
        blocks.sort { $0.id < $1.id }

        var marks: [DeletionMark] = []
        var markReads: [(id: String, key: String)] = []
        for block in blocks {
            guard let files = scan.blocks[block.id], files.hasGlobalMark || files.hasBlockMark else { continue }
            if let mark = knownMarks[block.id] {
                marks.append(mark)
            } else {
                let key = files.hasGlobalMark
                    ? BlockDeletionMarker.globalKey(tenant: tenant, block: block.id)
                    : BlockDeletionMarker.blockKey(tenant: tenant, block: block.id)
                markReads.append((block.id, key))
            }
        }
        let markResults = await BoundedConcurrency.map(markReads, limit: updateConcurrency) { item -> Result<DeletionMark?, BucketIndexError> in
            do throws(BucketIndexError) {
                guard let time = try await BlockDeletionMarker.read(bucket: bucket, key: item.key) else { return .success(nil) }
                return .success(DeletionMark(id: item.id, deletionTime: time))
            } catch {
                return .failure(error)
            }
        }
        for result in markResults {
            switch result {
            case .success(.some(let mark)): marks.append(mark)
            case .success(.none): continue
            case .failure(let error):
                if case .corrupt = error {
                    logger.warning("skipping a corrupt block deletion mark", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
                    continue
                }
                throw error
            }
        }
        marks.sort { $0.id < $1.id }
        return BucketIndex(version: currentVersion, blocks: blocks, blockDeletionMarks: marks, updatedAt: now, seriesHistory: history)
    }

    /// The entry of a block not in the old index, with its `meta.json`; nil when `meta.json`
    /// vanished since the listing.
    private static func readBlock(bucket: any Bucket, tenant: TenantID, id: String,
                                  segments: Int?) async -> Result<(block: Block, meta: BlockMeta)?, BucketIndexError> {
        let key = "\(tenant.rawValue)/\(id)/\(BlockFormat.metaFileName)"
        let bytes: [UInt8]
        let attributes: ObjectAttributes
        do {
            bytes = try await bucket.get(key)
            attributes = try await bucket.attributes(key)
        } catch {
            if case .notFound = error { return .success(nil) }
            return .failure(.bucket(error))
        }
        let meta: BlockMeta
        do {
            meta = try BlockMeta.decode(bytes, path: key)
        } catch {
            return .failure(.corrupt(key: key, reason: error.description))
        }
        guard meta.ulid == id else {
            return .failure(.corrupt(key: key, reason: "meta.json names block \(meta.ulid), but it is in directory \(id)"))
        }
        let uploadedAt = Int64(attributes.lastModified.timeIntervalSince1970.rounded(.down))
        return .success((Block(meta: meta, uploadedAt: uploadedAt, segments: segments), meta))
    }
}
