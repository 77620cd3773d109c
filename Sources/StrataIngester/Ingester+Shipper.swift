import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore

/// Where cut blocks go and how long they stay on local disk.
public struct BlockStorage: Sendable {
    /// The object store blocks are shipped to (`<tenant>/<ULID>/…`).
    public var bucket: any Bucket
    /// `-blocks-storage.tsdb.retention-period`: a shipped block is removed from local disk once its
    /// end is older than this (it must exceed `-querier.query-store-after`).
    public var retentionPeriod: Duration
    /// Called after blocks of a tenant were shipped and its bucket index updated, so an in-process
    /// store-gateway can pick them up at once instead of at its next periodic sync.
    public var onShipped: @Sendable (TenantID) async -> Void

    /// Creates the settings.
    public init(bucket: any Bucket, retentionPeriod: Duration, onShipped: @escaping @Sendable (TenantID) async -> Void = { _ in }) {
        self.bucket = bucket
        self.retentionPeriod = retentionPeriod
        self.onShipped = onShipped
    }
}

/// Why shipping blocks failed; the blocks stay local and are retried at the next ship interval.
public enum ShipperError: Error, Sendable, CustomStringConvertible {
    /// Uploading a block file failed.
    case upload(tenant: TenantID, block: String, key: String, reason: String)
    /// The block directory could not be read.
    case localBlock(tenant: TenantID, block: String, reason: String)
    /// The shipper file (`thanos.shipper.json`) could not be written.
    case shipperFile(path: String, reason: String)
    /// The tenant's bucket index could not be updated (the blocks are uploaded).
    case bucketIndex(tenant: TenantID, reason: String)
    /// The ingester has no object storage configured.
    case noBucket

    public var description: String {
        switch self {
        case .upload(let tenant, let block, let key, let reason):
            return "uploading block \(block) of tenant \(tenant) failed at \(key): \(reason); the block stays on local disk and is retried every -blocks-storage.tsdb.ship-interval"
        case .localBlock(let tenant, let block, let reason):
            return "reading local block \(block) of tenant \(tenant) failed: \(reason)"
        case .shipperFile(let path, let reason):
            return "writing the shipper file \(path) failed: \(reason)"
        case .bucketIndex(let tenant, let reason):
            return "updating the bucket index of tenant \(tenant) failed: \(reason); it is rebuilt at the next shipment"
        case .noBucket:
            return "no object storage is configured for this ingester (-blocks-storage.backend)"
        }
    }
}

/// What one shipment did: blocks uploaded, and the first error of each tenant that failed.
public struct ShipmentReport: Sendable {
    /// Blocks uploaded (of every tenant).
    public var uploaded = 0
    /// The first error of each tenant whose shipment failed, in part or whole.
    public var failures: [TenantID: ShipperError] = [:]

    /// Creates an empty report.
    public init() {}

    /// Keeps the first error of `tenant`: later ones are usually its consequences.
    mutating func record(_ error: ShipperError, for tenant: TenantID) {
        if failures[tenant] == nil { failures[tenant] = error }
    }
}

/// What `Ingester.flush` did, per tenant.
public struct FlushResult: Sendable {
    /// The blocks cut from each tenant's head.
    public var blocks: [TenantID: [BlockMeta]]
    /// Blocks uploaded to the bucket.
    public var uploaded: Int
    /// Why each failed tenant failed (its cut or its shipment); its blocks stay local and are
    /// shipped at the next ship interval.
    public var failures: [TenantID: String]

    /// Creates a result.
    public init(blocks: [TenantID: [BlockMeta]], uploaded: Int, failures: [TenantID: String]) {
        self.blocks = blocks
        self.uploaded = uploaded
        self.failures = failures
    }
}

/// Thanos's shipper file, `<tenant dir>/thanos.shipper.json`: the blocks already uploaded.
struct ShipperFile: Codable {
    var version = 1
    var uploaded: [String]
}

extension Ingester {
    /// Name of the shipper file in each tenant directory (Thanos's and Mimir's name).
    static let shipperFileName = "thanos.shipper.json"

    /// Blocks of `tenant` already shipped according to its shipper file (empty when absent or
    /// unreadable: re-uploading a block is harmless, skipping one is not).
    func readShipperFile(tenant: TenantID) -> Set<String> {
        let path = tenantDirectory(tenant) + "/" + Self.shipperFileName
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        guard let file = try? JSONDecoder().decode(ShipperFile.self, from: data) else {
            logger.warning("unreadable shipper file; its blocks will be uploaded again", metadata: ["path": "\(path)"])
            return []
        }
        return Set(file.uploaded)
    }

    /// Writes the shipper file crash-safely (`AtomicFile`: temp file, fsync, rename).
    func writeShipperFile(tenant: TenantID, uploaded: Set<String>) async throws(ShipperError) {
        let path = tenantDirectory(tenant) + "/" + Self.shipperFileName
        do {
            let data = try JSONEncoder().encode(ShipperFile(uploaded: uploaded.sorted()))
            try await AtomicFile.write(path, bytes: Array(data))
        } catch {
            throw .shipperFile(path: path, reason: "\(error)")
        }
    }

    /// Uploads every local block not shipped yet (of `only`'s tenants, or of all), `meta.json`
    /// last, then updates each tenant's bucket index. Tenants are independent: a failure of one
    /// is logged and counted under its `user`, recorded in the report, and never stops or fails
    /// the shipment of another. A failed block stays local and unshipped, retried next time.
    @discardableResult
    public func shipBlocks(tenants only: Set<TenantID>? = nil) async -> ShipmentReport {
        var report = ShipmentReport()
        guard let storage = blockStorage else { return report }
        let pending = localBlocks.withLock { map -> [TenantID: [LocalBlock]] in
            map.compactMapValues { blocks in
                let p = blocks.filter { !$0.shipped }
                return p.isEmpty ? nil : p
            }
        }
        for (tenant, blocks) in pending.sorted(by: { $0.key < $1.key }) where only?.contains(tenant) ?? true {
            if await isMarkedForDeletion(tenant, bucket: storage.bucket) {
                do {
                    try dropTenant(tenant)
                } catch {
                    logger.error("dropping a deleted tenant failed", metadata: ["user": "\(tenant)", "err": "\(error)"])
                }
                continue
            }
            var done: [String] = []
            for local in blocks {
                do throws(ShipperError) {
                    try await upload(local, tenant: tenant, to: storage.bucket)
                    done.append(local.ulid)
                } catch {
                    metrics.recordShipment(tenant: tenant, uploaded: 0, failed: 1)
                    logger.error("shipping a block failed", metadata: ["user": "\(tenant)", "block": "\(local.ulid)", "err": "\(error)"])
                    report.record(error, for: tenant)
                }
            }
            guard !done.isEmpty else { continue }
            let shippedNow = localBlocks.withLock { map -> Set<String> in
                guard var list = map[tenant] else { return [] }
                for i in list.indices where done.contains(list[i].ulid) { list[i].shipped = true }
                map[tenant] = list
                return Set(list.filter(\.shipped).map(\.ulid))
            }
            do throws(ShipperError) {
                try await writeShipperFile(tenant: tenant, uploaded: shippedNow)
            } catch {
                // The blocks are in the bucket; without the file they are uploaded again after a restart.
                logger.error("could not record shipped blocks", metadata: ["user": "\(tenant)", "err": "\(error)"])
                report.record(error, for: tenant)
            }
            report.uploaded += done.count
            metrics.recordShipment(tenant: tenant, uploaded: done.count, failed: 0)
            logger.info("shipped blocks to the object store", metadata: ["user": "\(tenant)", "blocks": "\(done)"])
            do throws(ShipperError) {
                try await updateBucketIndex(tenant: tenant, bucket: storage.bucket)
            } catch {
                logger.error("updating the bucket index failed", metadata: ["user": "\(tenant)", "err": "\(error)"])
                report.record(error, for: tenant)
            }
            await storage.onShipped(tenant)
        }
        return report
    }

    /// Uploads one block: chunk segments, index and tombstones, then `meta.json`, so a reader
    /// that sees `meta.json` always finds the rest.
    func upload(_ local: LocalBlock, tenant: TenantID, to bucket: any Bucket) async throws(ShipperError) {
        let dir = local.block.directory
        let files: [String]
        do {
            files = try BlockFormat.filesInUploadOrder(blockDirectory: dir)
        } catch {
            throw .localBlock(tenant: tenant, block: local.ulid, reason: "\(error)")
        }
        let prefix = tenant.rawValue + "/" + local.ulid + "/"
        for file in files {
            let key = prefix + file
            do {
                try await bucket.upload(key, fromFile: dir + "/" + file)
            } catch {
                throw .upload(tenant: tenant, block: local.ulid, key: key, reason: "\(error)")
            }
        }
    }

    /// Rebuilds `<tenant>/bucket-index.json.gz` from the bucket (reusing the previous index).
    func updateBucketIndex(tenant: TenantID, bucket: any Bucket) async throws(ShipperError) {
        let old: BucketIndex?
        do {
            old = try await BucketIndex.read(bucket: bucket, tenant: tenant)
        } catch {
            logger.warning("the bucket index is unreadable and is rebuilt from the bucket", metadata: ["user": "\(tenant)", "err": "\(error)"])
            old = nil
        }
        do {
            let now = WallClock.nowMilliseconds() / 1000
            let index = try await BucketIndex.update(bucket: bucket, tenant: tenant, old: old, now: now)
            try await index.write(bucket: bucket, tenant: tenant)
        } catch {
            throw .bucketIndex(tenant: tenant, reason: "\(error)")
        }
    }

    /// `POST /ingester/flush`: cuts the whole head of each tenant (all tenants when `tenants` is
    /// nil) into blocks and ships those tenants' unshipped blocks; returns once they are in the
    /// bucket. As Mimir's forced compaction, the last block ends at each head's newest sample, so
    /// pushes of newer samples go on during and after the flush; older ones are refused as too
    /// old. A tenant whose cut or shipment fails is listed in the result's `failures`; the other
    /// tenants are cut and shipped all the same. Throws only when there is no object storage.
    @discardableResult
    public func flush(tenants: Set<TenantID>? = nil) async throws(ShipperError) -> FlushResult {
        guard blockStorage != nil else { throw .noBucket }
        let cut = await maintenance.run { () -> CutReport in
            await runBlocking { self.cutBlocksReporting(force: true, tenants: tenants) }
        }
        let shipment = await maintenance.run { await self.shipBlocks(tenants: tenants) }
        var failures = cut.failures
        for (tenant, error) in shipment.failures where failures[tenant] == nil { failures[tenant] = "\(error)" }
        return FlushResult(blocks: cut.blocks, uploaded: shipment.uploaded, failures: failures)
    }

    /// The periodic cut: blocks for the ranges every head has moved past.
    public func cutBlocksPeriodically() async {
        guard blockStorage != nil else { return }
        await maintenance.run {
            _ = await runBlocking { self.cutBlocks(force: false) }
        }
    }

    /// The periodic shipment: uploads unshipped blocks, then removes shipped blocks past retention.
    public func shipAndExpirePeriodically() async {
        guard blockStorage != nil else { return }
        await maintenance.run {
            // Failures are logged and counted per tenant by shipBlocks and retried at the next interval.
            await self.shipBlocks()
            let now = WallClock.nowMilliseconds()
            _ = await runBlocking { self.removeExpiredBlocks(now: now) }
        }
    }
}
