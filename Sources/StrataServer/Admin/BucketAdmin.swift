import Foundation
import Logging
import StrataBlocks
import StrataBucketIndex
import StrataCompactor
import StrataHTTP
import StrataModel
import StrataObjstore
import Synchronization

/// The admin endpoints' work over the object store: tenants, blocks, block verification,
/// no-compact marks and block uploads (`StrataHTTP.AdminStorage`).
///
/// Served by every process with bucket access. Block facts that need a read per block (sizes,
/// `meta.json` stats) are cached by block ID: blocks never change once written.
final class BucketAdmin: AdminStorage {
    let bucket: any Bucket
    /// Where uploaded files are staged and blocks are downloaded for verification.
    let workDirectory: String
    /// Series per tenant in this process's ingester heads; nil when no ingester runs here.
    let headSeries: (@Sendable () -> [TenantID: Int])?
    /// Called after an uploaded block became visible (the in-process store-gateway syncs).
    let afterUpload: @Sendable (TenantID) async -> Void
    let logger: Logger
    /// Unix time in ms.
    let now: @Sendable () -> Int64

    /// Object requests in flight while a listing gathers block facts.
    static let concurrency = 16
    /// Blocks whose facts are cached at most (an entry is a few dozen bytes).
    static let maxCachedFacts = 200_000
    /// Validations of finished uploads running at once; more wait for a slot.
    static let maxConcurrentValidations = 2

    /// What a listing needs of a block beyond the bucket index.
    struct BlockFacts: Sendable {
        var files: [(path: String, size: Int64)]
        var stats: BlockMeta.Stats
        var sizeBytes: Int64 { files.reduce(0) { $0 + $1.size } }
    }

    let facts = Mutex<[String: BlockFacts]>([:])
    /// Uploads being validated by this process (`<tenant>/<block>`).
    let validating = Mutex<Set<String>>([])
    let validationSlots = AsyncSlots(BucketAdmin.maxConcurrentValidations)

    init(bucket: any Bucket, workDirectory: String, headSeries: (@Sendable () -> [TenantID: Int])?,
         afterUpload: @escaping @Sendable (TenantID) async -> Void, logger: Logger,
         now: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }) {
        self.bucket = bucket
        self.workDirectory = workDirectory
        self.headSeries = headSeries
        self.afterUpload = afterUpload
        self.logger = logger
        self.now = now
        // The directory is this process's alone: what a previous run left there (an upload or a
        // verification cut short) is of no use any more.
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    // MARK: - Tenants and blocks

    func tenants() async throws(AdminStorageError) -> [AdminTenant] {
        let inBucket: [TenantID]
        do {
            inBucket = try await BucketTenants.list(bucket: bucket)
        } catch {
            throw .unavailable("listing the tenants in bucket \(bucket.name) failed: \(error)")
        }
        let heads = headSeries?()
        var out: [AdminTenant] = []
        for tenant in Set(inBucket).union(heads.map { Array($0.keys) } ?? []).sorted() {
            let index = try await index(of: tenant)
            let blocks = index.blocks
            let facts = try await facts(tenant: tenant, blocks: blocks)
            out.append(AdminTenant(id: tenant.rawValue, blocks: blocks.count, bytes: facts.values.reduce(0) { $0 + $1.sizeBytes },
                                   minTime: blocks.map(\.minTime).min(), maxTime: blocks.map(\.maxTime).max(),
                                   headSeries: heads.map { $0[tenant] ?? 0 }))
        }
        return out
    }

    func blocks(tenant: TenantID) async throws(AdminStorageError) -> [AdminBlock] {
        let index = try await index(of: tenant)
        let noCompact: Set<String>
        do {
            noCompact = try await NoCompactMarker.markedBlocks(bucket: bucket, tenant: tenant)
        } catch {
            throw .unavailable("listing tenant \(tenant.rawValue)'s no-compact marks failed: \(error)")
        }
        let facts = try await facts(tenant: tenant, blocks: index.blocks)
        return index.blocks.map { b in
            let f = facts[b.id]
            return AdminBlock(id: b.id, minTime: b.minTime, maxTime: b.maxTime, resolution: b.resolution, compactionLevel: b.compactionLevel,
                              source: b.source, uploadedAt: b.uploadedAt, numSeries: f?.stats.numSeries ?? 0,
                              numSamples: f?.stats.numSamples ?? 0, sizeBytes: f?.sizeBytes ?? 0,
                              deletionMarked: index.deletionMark(of: b.id) != nil, noCompact: noCompact.contains(b.id))
        }
    }

    func block(tenant: TenantID, id: String) async throws(AdminStorageError) -> AdminBlockDetail {
        let metaKey = key(tenant, id, BlockFormat.metaFileName)
        let metaBytes: [UInt8]
        let uploadedAt: Int64
        do {
            metaBytes = try await bucket.get(metaKey)
            uploadedAt = Int64(try await bucket.attributes(metaKey).lastModified.timeIntervalSince1970)
        } catch {
            if case .notFound = error { throw Self.noBlock(tenant, id) }
            throw .unavailable("reading \(metaKey) failed: \(error)")
        }
        do {
            _ = try BlockMeta.decode(metaBytes, path: metaKey)
        } catch {
            throw .unavailable("\(error)")
        }
        let files = try await blockFiles(tenant: tenant, id: id)
        var deletionTime: Int64? = nil
        for markKey in [BlockDeletionMarker.globalKey(tenant: tenant, block: id), BlockDeletionMarker.blockKey(tenant: tenant, block: id)] {
            guard let bytes = try await optionalGet(markKey), let mark = try? JSONDecoder().decode(DeletionMarkTime.self, from: Data(bytes)) else { continue }
            deletionTime = mark.deletion_time
            break
        }
        let noCompact: NoCompactMarker.Mark?
        do {
            noCompact = try await NoCompactMarker.read(bucket: bucket, tenant: tenant, block: id)
        } catch {
            throw .unavailable("reading block \(id)'s no-compact mark failed: \(error)")
        }
        return AdminBlockDetail(id: id, metaJSON: metaBytes, files: files, uploadedAt: uploadedAt, deletionTime: deletionTime,
                                noCompact: noCompact.map(Self.adminMark))
    }

    func markNoCompact(tenant: TenantID, id: String, details: String) async throws(AdminStorageError) -> AdminNoCompactMark {
        guard try await exists(key(tenant, id, BlockFormat.metaFileName)) else { throw Self.noBlock(tenant, id) }
        let time = now() / 1000
        do {
            try await NoCompactMarker.mark(bucket: bucket, tenant: tenant, block: id, time: time, reason: Self.manualReason, details: details)
        } catch {
            throw .unavailable("writing block \(id)'s no-compact mark failed: \(error)")
        }
        return AdminNoCompactMark(id: id, version: NoCompactMarker.version, noCompactTime: time, reason: Self.manualReason, details: details)
    }

    /// Thanos's reason for a mark an operator placed.
    static let manualReason = "manual"

    // MARK: - Helpers

    /// `<tenant>/<block>/<file>`.
    func key(_ tenant: TenantID, _ id: String, _ file: String) -> String {
        "\(tenant.rawValue)/\(id)/\(file)"
    }

    static func noBlock(_ tenant: TenantID, _ id: String) -> AdminStorageError {
        .notFound("tenant \(tenant.rawValue) has no block \(id) (\(ErrorID.blockNotFound.id))")
    }

    static func adminMark(_ m: NoCompactMarker.Mark) -> AdminNoCompactMark {
        AdminNoCompactMark(id: m.id, version: m.version, noCompactTime: m.no_compact_time, reason: m.reason, details: m.details ?? "")
    }

    /// The `deletion_time` of a deletion mark.
    struct DeletionMarkTime: Decodable {
        var deletion_time: Int64
    }

    /// The tenant's bucket index; built from a listing (not written: the compactor and the
    /// ingesters own it) when there is none yet or it is corrupt.
    func index(of tenant: TenantID) async throws(AdminStorageError) -> BucketIndex {
        do {
            if let index = try await BucketIndex.read(bucket: bucket, tenant: tenant) { return index }
        } catch {
            guard case .corrupt = error else { throw .unavailable("reading tenant \(tenant.rawValue)'s bucket index failed: \(error)") }
        }
        do {
            return try await BucketIndex.update(bucket: bucket, tenant: tenant, old: nil, now: now() / 1000, logger: logger)
        } catch {
            throw .unavailable("scanning tenant \(tenant.rawValue)'s blocks failed: \(error)")
        }
    }

    /// Facts of each block, from the cache or the bucket (blocks that vanished meanwhile are left out).
    func facts(tenant: TenantID, blocks: [BucketIndex.Block]) async throws(AdminStorageError) -> [String: BlockFacts] {
        var known: [String: BlockFacts] = [:]
        var missing: [String] = []
        facts.withLock { cache in
            for b in blocks {
                if let f = cache["\(tenant.rawValue)/\(b.id)"] { known[b.id] = f } else { missing.append(b.id) }
            }
        }
        let fetched = await BoundedConcurrency.map(missing, limit: Self.concurrency) { [self] id -> Result<BlockFacts?, AdminStorageError> in
            do throws(AdminStorageError) {
                return .success(try await readFacts(tenant: tenant, id: id))
            } catch {
                return .failure(error)
            }
        }
        for (id, result) in zip(missing, fetched) {
            switch result {
            case .success(let f?): known[id] = f
            case .success(nil): continue
            case .failure(let error): throw error
            }
        }
        facts.withLock { cache in
            if cache.count + missing.count > Self.maxCachedFacts { cache.removeAll() }
            for id in missing { cache["\(tenant.rawValue)/\(id)"] = known[id] }
        }
        return known
    }

    private func readFacts(tenant: TenantID, id: String) async throws(AdminStorageError) -> BlockFacts? {
        let metaKey = key(tenant, id, BlockFormat.metaFileName)
        guard let bytes = try await optionalGet(metaKey) else { return nil }
        let stats = (try? BlockMeta.decode(bytes, path: metaKey).stats) ?? BlockMeta.Stats()
        return BlockFacts(files: try await blockFiles(tenant: tenant, id: id), stats: stats)
    }

    /// The block's data files (`index`, `chunks/…`, `tombstones`) with their sizes.
    func blockFiles(tenant: TenantID, id: String) async throws(AdminStorageError) -> [(path: String, size: Int64)] {
        let prefix = "\(tenant.rawValue)/\(id)/"
        var keys: [String] = []
        do {
            try await bucket.iter(prefix: prefix, delimiter: nil) { (page: ListPage) throws(BucketError) in
                keys += page.keys
            }
        } catch {
            throw .unavailable("listing \(prefix) failed: \(error)")
        }
        let paths = keys.map { String($0.dropFirst(prefix.count)) }.filter(Self.isDataFile).sorted()
        var out: [(path: String, size: Int64)] = []
        for path in paths {
            do {
                out.append((path, Int64(try await bucket.attributes(prefix + path).size)))
            } catch {
                if case .notFound = error { continue }
                throw .unavailable("reading the size of \(prefix + path) failed: \(error)")
            }
        }
        return out
    }

    /// Whether a path under a block directory is block data (not `meta.json`, marks or upload state).
    static func isDataFile(_ path: String) -> Bool {
        path == BlockFormat.indexFileName || path == BlockFormat.tombstonesFileName
            || path.hasPrefix(BlockFormat.chunksDirectoryName + "/")
    }

    /// The object, or nil when it does not exist.
    func optionalGet(_ key: String) async throws(AdminStorageError) -> [UInt8]? {
        do {
            return try await bucket.get(key)
        } catch {
            if case .notFound = error { return nil }
            throw .unavailable("reading \(key) failed: \(error)")
        }
    }

    /// Whether the object exists.
    func exists(_ key: String) async throws(AdminStorageError) -> Bool {
        do {
            return try await bucket.exists(key)
        } catch {
            throw .unavailable("reading \(key) failed: \(error)")
        }
    }
}

/// At most `n` holders at a time; the others wait in order.
actor AsyncSlots {
    private var free: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ n: Int) { free = max(1, n) }

    /// Waits for a slot.
    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Gives a slot back (to the longest waiter, if any).
    func release() {
        if waiters.isEmpty {
            free += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
