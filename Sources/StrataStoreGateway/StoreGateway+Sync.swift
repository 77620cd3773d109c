import Logging
import StrataBlocks
import StrataBucketIndex
import StrataModel

extension StoreGateway {
    /// What syncing one tenant produced: its blocks (nil when its index could not be read, so
    /// the previous view is kept) and what failed.
    struct TenantSync: Sendable {
        var tenant: TenantID
        var blocks: [String: KnownBlock]?
        var failures: [String]
    }

    /// Discovers tenants and their blocks from the bucket indexes (rebuilding an index from a
    /// bucket listing when it is missing or corrupt), builds index-headers on disk for new
    /// blocks, and forgets blocks no longer listed or marked for deletion more than
    /// `ignoreDeletionMarksDelay` ago (their index-headers are deleted). A block that fails is
    /// left out and retried by the next sync; the sync then throws `.syncIncomplete` listing the
    /// failures, after applying everything that worked.
    ///
    /// Syncs never overlap: a call made while one runs waits for it and then runs its own, so
    /// when `sync()` returns the view is at least as new as the bucket was at the call.
    public func sync() async throws(StoreGatewayError) {
        while true {
            let (task, mine) = state.withLock { s -> (Task<Result<Void, StoreGatewayError>, Never>, Bool) in
                if let running = s.syncing { return (running, false) }
                s.syncGeneration += 1
                let generation = s.syncGeneration
                let task = Task { [self] in
                    let result = await syncOnce()
                    state.withLock { s in
                        if s.syncGeneration == generation { s.syncing = nil }
                    }
                    return result
                }
                s.syncing = task
                return (task, true)
            }
            let result = await task.value
            if mine { return try result.get() }
        }
    }

    private func syncOnce() async -> Result<Void, StoreGatewayError> {
        counters.update { $0.syncs += 1 }
        defer { counters.update { $0.syncsCompleted += 1 } }
        let tenants: [TenantID]
        do {
            tenants = try await BucketTenants.list(bucket: bucket)
        } catch {
            counters.update { $0.syncFailures += 1 }
            if case .bucket(let e) = error { return .failure(.bucket(e)) }
            return .failure(.syncIncomplete(failures: [error.description]))
        }
        let results = await BoundedConcurrency.map(tenants, limit: max(1, config.tenantSyncConcurrency)) { [self] tenant in
            await syncTenant(tenant)
        }
        var failures: [String] = []
        let removed = state.withLock { s -> [KnownBlock] in
            var next: [TenantID: [String: KnownBlock]] = [:]
            for r in results {
                failures += r.failures
                if let blocks = r.blocks ?? s.tenants[r.tenant], !blocks.isEmpty { next[r.tenant] = blocks }
            }
            var gone: [KnownBlock] = []
            for (tenant, blocks) in s.tenants {
                for (id, block) in blocks where next[tenant]?[id] == nil { gone.append(block) }
            }
            s.tenants = next
            for block in gone { s.loaded[block.cacheID] = nil }
            return gone
        }
        for block in removed {
            logger.info("dropping block no longer served", metadata: ["tenant": "\(block.keys.tenant)", "block": "\(block.keys.id)"])
            IndexHeaderFile.removeDirectory(IndexHeaderFile.directory(syncDirectory: config.syncDirectory, tenant: block.keys.tenant.rawValue, block: block.keys.id))
        }
        removeStrayDirectories()
        if !failures.isEmpty {
            counters.update { $0.syncFailures += 1 }
            return .failure(.syncIncomplete(failures: failures))
        }
        return .success(())
    }

    private func syncTenant(_ tenant: TenantID) async -> TenantSync {
        let index: BucketIndex
        do {
            index = try await readOrRebuildIndex(tenant)
        } catch {
            logger.warning("cannot read the bucket index; keeping the previous view of the tenant", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
            return TenantSync(tenant: tenant, blocks: nil, failures: [error.description])
        }
        let now = Self.unixNow()
        let delay = config.ignoreDeletionMarksDelay.components.seconds
        let hidden = Set(index.blockDeletionMarks.filter { now - $0.deletionTime >= delay }.map(\.id))
        let existing = state.withLock { $0.tenants[tenant] ?? [:] }
        var blocks: [String: KnownBlock] = [:]
        var toBuild: [BucketIndex.Block] = []
        for entry in index.blocks where !hidden.contains(entry.id) && ULID(entry.id) != nil && ownsBlock?(tenant, entry.id) ?? true {
            if let known = existing[entry.id] { blocks[entry.id] = known } else { toBuild.append(entry) }
        }
        let built = await BoundedConcurrency.map(toBuild, limit: max(1, config.blockSyncConcurrency)) { [self] entry in
            await ensureIndexHeader(BlockKeys(tenant: tenant, id: entry.id))
        }
        var failures: [String] = []
        for (entry, result) in zip(toBuild, built) {
            switch result {
            case .success(let path):
                let cacheID = state.withLock { s -> Int in
                    defer { s.nextCacheID += 1 }
                    return s.nextCacheID
                }
                blocks[entry.id] = KnownBlock(keys: BlockKeys(tenant: tenant, id: entry.id), entry: entry, cacheID: cacheID, headerPath: path)
            case .failure(let error):
                logger.warning("cannot serve block", metadata: ["tenant": "\(tenant)", "block": "\(entry.id)", "error": "\(error)"])
                failures.append(error.description)
            }
        }
        return TenantSync(tenant: tenant, blocks: blocks, failures: failures)
    }

    /// The tenant's bucket index; rebuilt from a listing (not written back: the compactor owns
    /// the index) when it is missing or corrupt.
    private func readOrRebuildIndex(_ tenant: TenantID) async throws(StoreGatewayError) -> BucketIndex {
        do {
            if let index = try await BucketIndex.read(bucket: bucket, tenant: tenant) { return index }
        } catch {
            guard case .corrupt = error else { throw .bucketIndex(tenant: tenant, error) }
            logger.warning("bucket index is corrupt; scanning the bucket instead", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
        }
        do {
            return try await BucketIndex.update(bucket: bucket, tenant: tenant, old: nil, now: Self.unixNow(), logger: logger)
        } catch {
            throw .bucketIndex(tenant: tenant, error)
        }
    }

    /// Makes sure a valid index-header file exists for the block: an existing file is checked
    /// (CRC, block ID) and rebuilt from the bucket when damaged. Returns its path.
    func ensureIndexHeader(_ keys: BlockKeys) async -> Result<String, StoreGatewayError> {
        let path = IndexHeaderFile.path(syncDirectory: config.syncDirectory, tenant: keys.tenant.rawValue, block: keys.id)
        do {
            if let bytes = try IndexHeaderFile.read(path), let id = ULID(keys.id) {
                do {
                    _ = try IndexHeader.decode(bytes, path: path, block: id)
                    return .success(path)
                } catch {
                    logger.warning("index-header is damaged; rebuilding it from the bucket", metadata: ["error": "\(error)"])
                    counters.update { $0.indexHeaderRebuilds += 1 }
                }
            }
            _ = try await buildIndexHeader(keys, path: path)
            return .success(path)
        } catch {
            return .failure(error)
        }
    }

    /// Builds the block's index-header from the bucket and writes it to `path`.
    func buildIndexHeader(_ keys: BlockKeys, path: String) async throws(StoreGatewayError) -> IndexHeader {
        let header = try await IndexHeaderBuilder.build(fetcher: fetcher, keys: keys)
        try IndexHeaderFile.write(header.encoded(), to: path)
        counters.update { $0.indexHeaderBuilds += 1 }
        return header
    }

    /// Removes block directories under the sync directory that no served block owns (left by a
    /// previous run, or by a block dropped while a sync failed). Only `<tenant>/<ULID>` entries
    /// are touched, so unrelated files in the directory are safe.
    private func removeStrayDirectories() {
        let served = state.withLock { s -> [String: Set<String>] in
            s.tenants.mapValues { Set($0.keys) }.reduce(into: [:]) { $0[$1.key.rawValue] = $1.value }
        }
        for tenant in IndexHeaderFile.list(config.syncDirectory) where (try? TenantID(validating: tenant)) != nil {
            let tenantDir = config.syncDirectory + "/" + tenant
            var kept = 0
            for name in IndexHeaderFile.list(tenantDir) {
                guard ULID(name) != nil else {
                    kept += 1
                    continue
                }
                if served[tenant]?.contains(name) == true {
                    kept += 1
                } else {
                    IndexHeaderFile.removeDirectory(tenantDir + "/" + name)
                }
            }
            if kept == 0 { IndexHeaderFile.removeDirectory(tenantDir) }
        }
    }
}
