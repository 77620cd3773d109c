import StrataBlocks
import StrataBucketIndex
import StrataDeletes
import StrataModel
import StrataObjstore

extension Compactor {
    /// Applies the tenant's pending delete requests to its blocks: every block holding samples a
    /// request covers is rewritten without them (or with the label redacted) and the old block
    /// marked for deletion. A request becomes `processed` once no block holds such samples and
    /// its end is older than `-compactor.delete-requests-settle-period` (no ingester can ship
    /// one later). Returns how many blocks were replaced.
    func applyDeleteRequests(_ tenant: TenantID, index: BucketIndex, report: inout TenantCompactionReport) async throws(CompactionError) -> Int {
        let store = DeleteRequestStore(bucket: bucket)
        let audit = DeleteAuditLog(bucket: bucket)
        let all: [DeleteRequest]
        do {
            all = try await store.list(tenant)
        } catch {
            throw .bucket(operation: "list", key: "\(tenant.rawValue)/\(DeleteRequestStore.directory)/", reason: "\(error)")
        }
        let pending = all.filter { $0.state == .pending }
        guard !pending.isEmpty else { return 0 }
        // A rewrite applies every active request, so a block is rewritten once for all of them.
        let active = all.filter(\.isActive)
        let pendingKey = pending.map(\.id).sorted().joined(separator: ",")
        let marked = Set(index.blockDeletionMarks.map(\.id))
        let log = logger.with(tenant)
        var replaced = 0
        var rewrittenBy: [String: Int] = [:]
        for block in index.blocks where !marked.contains(block.id) {
            let relevant = DeleteMask.relevant(pending, minTime: block.minTime, maxTime: block.maxTime - 1)
            guard !relevant.isEmpty else { continue }
            let checkKey = pendingKey + "/" + block.id
            if deleteChecks.withLock({ $0.contains(checkKey) }) { continue }
            let outcome = try await rewriteForDeletes(tenant, block: block.id,
                                                      requests: DeleteMask.relevant(active, minTime: block.minTime, maxTime: block.maxTime - 1))
            switch outcome {
            case .unchanged:
                deleteChecks.withLock { _ = $0.insert(checkKey) }
            case .emptied, .rewritten:
                replaced += 1
                for r in relevant { rewrittenBy[r.id, default: 0] += 1 }
                let written: String
                if case .rewritten(let meta) = outcome { written = meta.ulid } else { written = "none (every sample deleted)" }
                log.info("block rewritten for delete requests", metadata: [
                    "block": "\(block.id)", "replacement": "\(written)", "requests": "\(relevant.map(\.id))"])
                for r in relevant {
                    try? await audit.append(tenant: tenant, request: r, action: "rewrite", user: "compactor", time: clock() * 1000,
                                            detail: "block \(block.id) replaced by \(written)")
                }
            }
        }
        report.blocksMarkedForDeletion += replaced
        let nowMs = clock() * 1000
        let settle = config.deleteRequestsSettlePeriod.inMilliseconds
        for r in pending where r.endTime <= nowMs - settle {
            do {
                try await store.markProcessed(tenant, id: r.id, now: nowMs, blocksRewritten: rewrittenBy[r.id] ?? 0)
                try await audit.append(tenant: tenant, request: r, action: "processed", user: "compactor", time: nowMs,
                                       detail: "no block holds samples the request covers")
            } catch {
                throw .bucket(operation: "put", key: "\(tenant.rawValue)/\(DeleteRequestStore.directory)/\(r.id)/", reason: "\(error)")
            }
            log.info("delete request processed", metadata: ["request_id": "\(r.id)"])
        }
        return replaced
    }

    /// Downloads a block, rewrites it with `requests` applied and, when anything changed,
    /// uploads the replacement and marks the old block for deletion.
    func rewriteForDeletes(_ tenant: TenantID, block: String, requests: [DeleteRequest]) async throws(CompactionError) -> DeleteRewriter.Outcome {
        let work = config.dataDirectory + "/" + tenant.rawValue + "/deletes-" + ULID.make(timestamp: UInt64(clamping: clock() * 1000)).description
        defer { try? LocalDirectory.remove(work) }
        try LocalDirectory.recreate(work + "/in")
        try LocalDirectory.recreate(work + "/out")
        let input = work + "/in/" + block
        try await download(tenant: tenant, block: block, to: input)
        let out = work + "/out"
        let samplesPerChunk = config.samplesPerChunk
        let result = await runBlocking { () -> Result<DeleteRewriter.Outcome, CompactionError> in
            do throws(CompactionError) {
                let opened: Block
                do {
                    opened = try Block(directory: input)
                } catch {
                    throw .sourceBlock(block: block, reason: "\(error)")
                }
                return .success(try DeleteRewriter.rewrite(opened, requests: requests, into: out, samplesPerChunk: samplesPerChunk))
            } catch {
                return .failure(error)
            }
        }
        let outcome = try result.get()
        if case .unchanged = outcome { return outcome }
        if case .rewritten(let meta) = outcome {
            try await upload(tenant: tenant, directory: out + "/" + meta.ulid, block: meta.ulid)
        }
        do {
            try await BlockDeletionMarker.mark(bucket: bucket, tenant: tenant, block: block, deletionTime: clock(),
                                               details: "rewritten for delete requests \(requests.map(\.id).joined(separator: ","))")
        } catch {
            throw .bucket(operation: "put", key: BlockDeletionMarker.globalKey(tenant: tenant, block: block), reason: "\(error)")
        }
        return outcome
    }

    /// Deletes a tenant marked for deletion: every block (all its objects), then the bucket
    /// index and its delete requests; the mark records when nothing was left first. Returns
    /// whether the tenant was marked.
    func deleteMarkedTenant(_ tenant: TenantID, report: inout TenantCompactionReport) async throws(CompactionError) -> Bool {
        let mark: TenantDeletionMark.Mark?
        do {
            mark = try await TenantDeletionMark.read(bucket: bucket, tenant: tenant)
        } catch {
            throw .bucket(operation: "get", key: TenantDeletionMark.key(tenant), reason: "\(error)")
        }
        guard let mark else { return false }
        // Finished tenants are still listed: an ingester of another process may ship a block of
        // the tenant late, and it goes as well.
        let prefix = tenant.rawValue + "/"
        var blocks = Set<String>()
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in
                for key in page.keys {
                    let rest = key.dropFirst(prefix.count)
                    guard let slash = rest.firstIndex(of: "/") else { continue }
                    let dir = String(rest[..<slash])
                    if ULID(dir) != nil { blocks.insert(dir) }
                }
            }
        } catch {
            throw .bucket(operation: "list", key: prefix, reason: "\(error)")
        }
        for block in blocks.sorted() { try await deleteBlock(tenant, block: block) }
        report.blocksDeleted += blocks.count
        if !blocks.isEmpty { metrics.blocksDeleted(tenant, count: blocks.count) }
        if blocks.isEmpty && mark.finished_time != nil { return true }
        do {
            try await bucket.delete(BucketIndex.key(tenant: tenant))
            try await DeleteRequestStore(bucket: bucket).deleteAll(tenant)
            try await TenantDeletionMark.finish(bucket: bucket, tenant: tenant, mark: mark, now: clock() * 1000)
        } catch {
            throw .bucket(operation: "delete", key: prefix, reason: "\(error)")
        }
        logger.with(tenant).info("tenant deleted: every block removed", metadata: ["blocks": "\(blocks.count)"])
        return true
    }
}
