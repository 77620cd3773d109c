import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore

extension Compactor {
    /// Deletes the blocks whose deletion mark is older than `-compactor.deletion-delay`:
    /// `meta.json` first (from then on the block is a partial upload no reader lists), then its
    /// other files, then the marks. Returns how many blocks were deleted.
    func deleteExpiredMarkedBlocks(_ tenant: TenantID, index: BucketIndex, now: Int64,
                                   report: inout TenantCompactionReport) async throws(CompactionError) -> Int {
        let delay = config.deletionDelay.components.seconds
        var deleted = 0
        for mark in index.blockDeletionMarks where now - mark.deletionTime >= delay {
            try await deleteBlock(tenant, block: mark.id)
            deleted += 1
        }
        if deleted > 0 {
            report.blocksDeleted += deleted
            metrics.blocksDeleted(tenant, count: deleted)
            logger.with(tenant).info("deleted blocks marked for deletion", metadata: ["blocks": "\(deleted)"])
        }
        return deleted
    }

    /// Deletes the partial blocks (directories with objects but no `meta.json`: uploads that
    /// never finished, by an ingester or a compactor) whose newest object is older than
    /// `-compactor.partial-block-deletion-delay`. No reader lists them, so this only frees space.
    func deletePartialBlocks(_ tenant: TenantID, now: Int64, report: inout TenantCompactionReport) async throws(CompactionError) -> Int {
        let delay = config.partialBlockDeletionDelay.components.seconds
        guard delay > 0 else { return 0 }
        let prefix = tenant.rawValue + "/"
        var files: [String: [String]] = [:]
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in
                for key in page.keys {
                    let rest = key.dropFirst(prefix.count)
                    guard let slash = rest.firstIndex(of: "/") else { continue }
                    let dir = String(rest[..<slash])
                    guard ULID(dir) != nil else { continue }
                    files[dir, default: []].append(key)
                }
            }
        } catch {
            throw .bucket(operation: "list", key: prefix, reason: "\(error)")
        }
        var deleted = 0
        for (block, keys) in files where !keys.contains(prefix + block + "/" + BlockFormat.metaFileName) {
            var newest: Int64 = .min
            for key in keys {
                do {
                    newest = max(newest, Int64(try await bucket.attributes(key).lastModified.timeIntervalSince1970))
                } catch {
                    if case .notFound = error { continue }
                    throw .bucket(operation: "head", key: key, reason: "\(error)")
                }
            }
            guard newest != .min, now - newest >= delay else { continue }
            try await deleteBlock(tenant, block: block)
            deleted += 1
        }
        if deleted > 0 {
            report.partialBlocksDeleted += deleted
            logger.with(tenant).info("deleted partial blocks (uploads that never finished)", metadata: ["blocks": "\(deleted)"])
        }
        return deleted
    }

    /// Removes every object of `block`, `meta.json` first and the marks last.
    func deleteBlock(_ tenant: TenantID, block: String) async throws(CompactionError) {
        let prefix = tenant.rawValue + "/" + block + "/"
        let keys = try await blockKeys(tenant, block: block)
        let meta = prefix + BlockFormat.metaFileName
        let marks: Set<String> = [prefix + BucketIndex.blockDeletionMarkName, prefix + NoCompactMarker.blockFileName]
        var ordered = keys.filter { $0 == meta }
        ordered += keys.filter { $0 != meta && !marks.contains($0) }
        ordered += keys.filter { marks.contains($0) }
        ordered.append(NoCompactMarker.globalKey(tenant: tenant, block: block))
        ordered.append(BlockDeletionMarker.globalKey(tenant: tenant, block: block))
        for key in ordered {
            do {
                try await bucket.delete(key)
            } catch {
                if case .notFound = error { continue }
                throw .bucket(operation: "delete", key: key, reason: "\(error)")
            }
        }
    }

    /// Marks for deletion the blocks wholly older than their resolution's retention (the
    /// tenant's `compactor_blocks_retention_period[_5m|_1h]`). Returns how many were marked.
    func applyRetention(_ tenant: TenantID, index: BucketIndex, now: Int64,
                        report: inout TenantCompactionReport) async throws(CompactionError) -> Int {
        let tenantSettings = settings(tenant)
        let marked = Set(index.blockDeletionMarks.map(\.id))
        let nowMs = now.multipliedReportingOverflow(by: 1000).overflow ? Int64.max : now * 1000
        var count = 0
        for block in index.blocks where !marked.contains(block.id) {
            guard let retention = tenantSettings.retention(resolution: block.resolution) else { continue }
            guard block.maxTime < nowMs &- retention else { continue }
            do {
                try await BlockDeletionMarker.mark(bucket: bucket, tenant: tenant, block: block.id, deletionTime: now,
                                                   details: "past the retention period of its resolution")
            } catch {
                throw .bucket(operation: "put", key: BlockDeletionMarker.globalKey(tenant: tenant, block: block.id), reason: "\(error)")
            }
            count += 1
        }
        if count > 0 {
            report.blocksMarkedForDeletion += count
            metrics.blocksMarkedForDeletion(tenant, count: count, reason: "retention")
            logger.with(tenant).info("marked blocks past retention for deletion", metadata: ["blocks": "\(count)"])
        }
        return count
    }

    /// Publishes the lag gauges: the oldest raw block no compaction has touched yet (stuck or
    /// waiting, a no-compact block included) and the newest data of each resolution.
    func publishLag(_ tenant: TenantID, index: BucketIndex, noCompact: Set<String>) {
        let marked = Set(index.blockDeletionMarks.map(\.id))
        let live = index.blocks.filter { !marked.contains($0.id) }
        let pending = live.filter { $0.resolution == 0 && ($0.compactionLevel <= 1 || noCompact.contains($0.id)) }
        metrics.publishLag(tenant, oldestUncompactedMinTime: pending.map(\.minTime).min(),
                           newestByResolution: [
                               Resolution.raw: live.filter { $0.resolution == Resolution.raw }.map(\.maxTime).max(),
                               Resolution.fiveMinutes: live.filter { $0.resolution == Resolution.fiveMinutes }.map(\.maxTime).max(),
                               Resolution.oneHour: live.filter { $0.resolution == Resolution.oneHour }.map(\.maxTime).max(),
                           ],
                           noCompactBlocks: live.filter { noCompact.contains($0.id) }.count)
    }
}
