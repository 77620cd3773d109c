import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore

extension Compactor {
    /// Runs one job: downloads its inputs, writes the outputs locally, uploads them (`meta.json`
    /// last, so no reader sees a partial block), then marks a merge's inputs for deletion. The inputs
    /// stay queryable until the deletion delay has passed, and readers merge identical samples,
    /// so a query during the switch sees every sample once.
    func runJob(_ job: CompactionJob, tenant: TenantID) async -> Result<[BlockMeta], CompactionError> {
        let work = config.dataDirectory + "/" + tenant.rawValue + "/" + ULID.make(timestamp: UInt64(clamping: clock() * 1000)).description
        defer { try? LocalDirectory.remove(work) }
        do throws(CompactionError) {
            try LocalDirectory.recreate(work + "/in")
            try LocalDirectory.recreate(work + "/out")
            var inputs: [String] = []
            for block in job.blocks {
                let dir = work + "/in/" + block.id
                try await download(tenant: tenant, block: block.id, to: dir)
                inputs.append(dir)
            }
            let mode: CompactionMode = switch job.kind {
            case .merge: .merge(samplesPerChunk: config.samplesPerChunk)
            case .downsample(let resolution): .downsample(from: job.blocks.first?.resolution ?? 0, to: resolution)
            }
            let started = ContinuousClock.now
            let outDir = work + "/out"
            let shards = job.outputShards
            let keep = job.keepShardID
            let inputDirectories = inputs
            let result = await runBlocking { () -> Result<[BlockMeta], CompactionError> in
                do throws(CompactionError) {
                    var blocks: [Block] = []
                    for dir in inputDirectories {
                        do {
                            blocks.append(try Block(directory: dir))
                        } catch {
                            throw .sourceBlock(block: String(dir.split(separator: "/").last ?? ""), reason: "\(error)")
                        }
                    }
                    return .success(try BlockCompactor.compact(inputs: blocks, into: outDir, mode: mode, shards: shards, keepShardID: keep))
                } catch {
                    return .failure(error)
                }
            }
            let written = try result.get()
            for meta in written {
                try await upload(tenant: tenant, directory: outDir + "/" + meta.ulid, block: meta.ulid)
            }
            // A merge replaces its inputs; downsampling keeps them (raw and 5m data stay until
            // their own retention).
            let replaced = job.replacesInputs ? job.blocks : []
            let now = clock()
            for block in replaced {
                do {
                    try await BlockDeletionMarker.mark(bucket: bucket, tenant: tenant, block: block.id, deletionTime: now,
                                                       details: "source of compacted block(s) \(written.map(\.ulid).joined(separator: ","))")
                } catch {
                    throw .bucket(operation: "put", key: BlockDeletionMarker.globalKey(tenant: tenant, block: block.id), reason: "\(error)")
                }
            }
            let samples = written.reduce(UInt64(0)) { $0 + $1.stats.numSamples }
            let bytes = written.reduce(0) { $0 + LocalDirectory.size(outDir + "/" + $1.ulid) }
            metrics.jobCompleted(tenant, job: job, blocksWritten: written.count, samples: samples, bytes: bytes,
                                 seconds: (ContinuousClock.now - started).seconds)
            logger.with(tenant).info("compaction job done", metadata: [
                "job": "\(job)", "sources": "\(job.blocks.map(\.id))", "written": "\(written.map(\.ulid))",
                "samples": "\(samples)", "bytes": "\(bytes)",
            ])
            return .success(written)
        } catch {
            if case .sourceBlock = error {} else { metrics.jobFailed(tenant) }
            return .failure(error)
        }
    }

    /// Downloads every file of block `block` into `dir` (deletion and no-compact marks left out).
    func download(tenant: TenantID, block: String, to dir: String) async throws(CompactionError) {
        let prefix = tenant.rawValue + "/" + block + "/"
        let keys = try await blockKeys(tenant, block: block)
        let skip: Set<String> = [BucketIndex.blockDeletionMarkName, NoCompactMarker.blockFileName]
        guard keys.contains(prefix + BlockFormat.metaFileName) else {
            throw .sourceBlock(block: block, reason: "meta.json is missing from the bucket")
        }
        for key in keys {
            let relative = String(key.dropFirst(prefix.count))
            guard !skip.contains(relative), !relative.isEmpty, !relative.contains("..") else { continue }
            let path = dir + "/" + relative
            if let slash = path.lastIndex(of: "/") { try LocalDirectory.recreateIfMissing(String(path[..<slash])) }
            do {
                try await bucket.download(key, toFile: path)
            } catch {
                if case .notFound = error {
                    throw .sourceBlock(block: block, reason: "\(key) vanished while it was downloaded")
                }
                throw .bucket(operation: "get", key: key, reason: "\(error)")
            }
        }
    }

    /// Every object key of `block` (`<tenant>/<ULID>/…`).
    func blockKeys(_ tenant: TenantID, block: String) async throws(CompactionError) -> [String] {
        let prefix = tenant.rawValue + "/" + block + "/"
        var keys: [String] = []
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
        } catch {
            throw .bucket(operation: "list", key: prefix, reason: "\(error)")
        }
        return keys
    }

    /// Uploads a finished local block, `meta.json` last.
    func upload(tenant: TenantID, directory: String, block: String) async throws(CompactionError) {
        let files: [String]
        do {
            files = try BlockFormat.filesInUploadOrder(blockDirectory: directory)
        } catch {
            throw .output(reason: "\(error)")
        }
        for file in files {
            let key = tenant.rawValue + "/" + block + "/" + file
            do {
                try await bucket.upload(key, fromFile: directory + "/" + file)
            } catch {
                throw .bucket(operation: "put", key: key, reason: "\(error)")
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }
}
