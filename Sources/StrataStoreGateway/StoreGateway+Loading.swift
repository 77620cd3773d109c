import Logging
import StrataBlocks
import StrataModel

extension StoreGateway {
    private enum Lookup {
        case loaded(OpenedBlock)
        case loading(Task<Result<OpenedBlock, StoreGatewayError>, Never>, started: Bool)
    }

    /// The block opened from its index-header, loading the file when it is not in memory
    /// (lazy loading). A damaged or missing file is rebuilt from the bucket. Concurrent queries
    /// of a block share one load; past `maxLoadedIndexHeaders` the least recently used
    /// index-header is unloaded.
    func opened(_ block: KnownBlock) async throws(StoreGatewayError) -> OpenedBlock {
        let now = ContinuousClock.now
        let lookup = state.withLock { s -> Lookup in
            if var entry = s.loaded[block.cacheID] {
                entry.lastUsed = now
                s.loaded[block.cacheID] = entry
                return .loaded(entry.opened)
            }
            if let task = s.loading[block.cacheID] { return .loading(task, started: false) }
            let task = Task { [self] in await self.load(block) }
            s.loading[block.cacheID] = task
            return .loading(task, started: true)
        }
        switch lookup {
        case .loaded(let opened):
            return opened
        case .loading(let task, let started):
            let result = await task.value
            if started { finishLoad(block, result) }
            return try result.get()
        }
    }

    private func finishLoad(_ block: KnownBlock, _ result: Result<OpenedBlock, StoreGatewayError>) {
        let evicted = state.withLock { s -> Int in
            s.loading[block.cacheID] = nil
            guard case .success(let opened) = result,
                  s.tenants[block.keys.tenant]?[block.keys.id]?.cacheID == block.cacheID else { return 0 }
            s.loaded[block.cacheID] = Loaded(opened: opened, lastUsed: .now)
            var evicted = 0
            let limit = config.maxLoadedIndexHeaders
            while limit > 0 && s.loaded.count > limit {
                guard let oldest = s.loaded.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key else { break }
                s.loaded[oldest] = nil
                evicted += 1
            }
            return evicted
        }
        if evicted > 0 { counters.update { $0.indexHeaderUnloads += evicted } }
    }

    /// Reads and opens the index-header file; rebuilds it when it is missing or unusable.
    private func load(_ block: KnownBlock) async -> Result<OpenedBlock, StoreGatewayError> {
        let path = block.headerPath
        do {
            if let bytes = try IndexHeaderFile.read(path), let opened = openFile(bytes, block) {
                counters.update { $0.indexHeaderLoads += 1 }
                return .success(opened)
            }
            let header = try await buildIndexHeader(block.keys, path: path)
            do {
                let opened = try OpenedBlock(header: header, keys: block.keys, hashBudget: caches.seriesHashes)
                counters.update { $0.indexHeaderLoads += 1 }
                return .success(opened)
            } catch {
                return .failure(.block(tenant: block.keys.tenant, block: block.keys.id, error))
            }
        } catch {
            return .failure(error)
        }
    }

    /// The block opened from file bytes, or nil (logged and counted) when the file is damaged.
    private func openFile(_ bytes: [UInt8], _ block: KnownBlock) -> OpenedBlock? {
        guard let id = ULID(block.keys.id) else { return nil }
        let reason: String
        do {
            let header = try IndexHeader.decode(bytes, path: block.headerPath, block: id)
            do {
                return try OpenedBlock(header: header, keys: block.keys, hashBudget: caches.seriesHashes)
            } catch {
                reason = error.description
            }
        } catch {
            reason = error.description
        }
        logger.warning("index-header is damaged; rebuilding it from the bucket", metadata: ["path": "\(block.headerPath)", "error": "\(reason)"])
        counters.update { $0.indexHeaderRebuilds += 1 }
        return nil
    }
}
